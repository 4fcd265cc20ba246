// Shared parts of the benchmark: result lines, statistics, child processes and their messages.
import { ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import axios, { AxiosInstance } from 'axios';

/** The package under test: this checkout, or another build of it (BENCH_PACKAGE_DIR) for A/B runs. */
export const ROOT = process.env.BENCH_PACKAGE_DIR ? path.resolve(process.env.BENCH_PACKAGE_DIR) : path.join(__dirname, '..', '..');

/** Seconds the idle section measures unless `npm run bench -- --idle-seconds N` says otherwise. */
export const IDLE_SECONDS = 90;

/** One row of the printed table. */
export interface Line {
  what: string;
  ours: string;
  ref: string;
  /** ours / ref, or undefined when the row has no ratio */
  ratio?: number;
  ratioText?: string;
  target: string;
  /** undefined: information only, no target */
  pass?: boolean;
}

/** What each section child sends back. */
export interface SectionResult {
  lines: Line[];
  notes: string[];
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** 12345.6 -> "12,346" */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(2)} MB`;
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} kB`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The compiled file beside this one. */
export function script(name: string): string {
  return path.join(__dirname, `${name}.js`);
}

interface Envelope {
  id?: number;
  type: string;
  data?: unknown;
}

function isEnvelope(m: unknown): m is Envelope {
  return typeof m === 'object' && m !== null && typeof (m as Envelope).type === 'string';
}

/** Runs a compiled bench script in its own node process; resolves with what it reports (bounded by `limitMs`). */
export function runChild<T>(name: string, args: string[], execArgv: string[], limitMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(script(name), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: T | undefined;
    const timer = setTimeout(() => {
      // SIGTERM first so the child can remove its temp dirs, then SIGKILL
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      reject(new Error(`${name} took longer than ${limitMs / 1000} s`));
    }, limitMs);
    child.on('message', (m: unknown) => {
      if (isEnvelope(m) && m.type === 'result') result = m.data as T;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`${name} exited (${code}) without a result`));
    });
  });
}

/** Child side of runChild. */
export function report(result: unknown): void {
  if (process.send) process.send({ type: 'result', data: result } satisfies Envelope, () => process.exit(0));
  else {
    console.log(JSON.stringify(result, null, 2));
    process.exit(0);
  }
}

/** Child side: runs main, reports a failure as an exit code. */
export function section<T = SectionResult>(main: () => Promise<T>): void {
  // exit (and so run the 'exit' clean-ups) when the parent gives up on us
  process.once('SIGTERM', () => process.exit(143));
  main().then(report, (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}

/**
 * A bare axios instance with the options lib/butler/transport.ts gives its own: a keep-alive agent with the
 * same pool (4 sockets, 60 s keep-alive, lifo), `headers`, responseType text with the body as it
 * came, every status accepted, a 1 MiB body limit, no proxy, no redirects. The floor of the HTTP
 * library the package is built on.
 */
export function bareAxios(url: string, headers: Record<string, string>): { ax: AxiosInstance; destroy: () => void } {
  const httpAgent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60000, maxSockets: 4, maxFreeSockets: 4, scheduling: 'lifo' });
  const ax = axios.create({
    baseURL: url, httpAgent, proxy: false, maxRedirects: 0, maxContentLength: 1024 * 1024,
    responseType: 'text', transformResponse: [(data: unknown) => data], validateStatus: () => true, headers,
  });
  return { ax, destroy: () => httpAgent.destroy() };
}

// ---- the simulator in its own process ----

export interface SimStats {
  /** HTTP requests answered since the last reset */
  requests: number;
  /** TCP connections accepted since the last reset */
  accepted: number;
  /** TCP connections open now */
  open: number;
  /** headers of the last request (token removed) */
  lastHeaders: Record<string, string>;
  /** event streams (/:/eventsource/notifications) open now */
  streams: number;
}

export interface SimSetup {
  /** how many extra tasks named Bench0, Bench1, ... the simulator knows (beside the default ones) */
  benchTasks: number;
  runMs: number;
  /** views in the simulator's household history, spread over a year (default: the simulator's own) */
  historyViews?: number;
  /** gap between `event: ping` keep-alives on each stream (the simulator's default when absent) */
  pingIntervalMs?: number;
}

export interface SimHandle {
  url: string;
  token: string;
  stats(): Promise<SimStats>;
  /** zeroes the counters, clears the request log, stops running tasks */
  reset(): Promise<void>;
  /**
   * A player starts (one playback session); resolves with the ms, on the simulator's clock, until
   * the next `DELETE /butler` arrives there. Fails after `limitMs`.
   */
  playUntilStopAll(limitMs: number): Promise<number>;
  /** Every playback session stops. */
  stopPlayback(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the Butler simulator in a child process so its CPU time is not counted in ours. */
export function startSimProcess(setup: SimSetup): Promise<SimHandle> {
  const child: ChildProcess = fork(script('sim-proc'), [JSON.stringify(setup)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const waiting = new Map<number, (data: unknown) => void>();
  const ask = (type: string, data?: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      waiting.set(id, resolve);
      child.send({ id, type, data } satisfies Envelope, (err) => {
        if (err) {
          waiting.delete(id);
          reject(err);
        }
      });
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('simulator did not start within 10 s')), 10000);
    child.on('message', (m: unknown) => {
      if (!isEnvelope(m)) return;
      if (m.type === 'ready') {
        clearTimeout(timer);
        const { url, token } = m.data as { url: string; token: string };
        resolve({
          url,
          token,
          stats: async () => (await ask('stats')) as SimStats,
          reset: async () => {
            await ask('reset');
          },
          playUntilStopAll: async (limitMs) => {
            const ms = (await ask('play', limitMs)) as number | null;
            if (ms === null) throw new Error(`no DELETE /butler reached the simulator within ${limitMs} ms of a play`);
            return ms;
          },
          stopPlayback: async () => {
            await ask('stop-playback');
          },
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      } else if (m.id !== undefined) {
        waiting.get(m.id)?.(m.data);
        waiting.delete(m.id);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited (${code})`));
    });
  });
}
