// Child processes, loopback HTTP and small helpers for the compatibility runner.
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

/** Every child still running, so Ctrl-C or a crash can end exactly those. */
const children = new Set<ChildProcess>();

export function track(child: ChildProcess): void {
  children.add(child);
  child.on('exit', () => children.delete(child));
}

/** Ends the children this process started (by their handles, nothing else). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** npm settings a user may have chosen for this run; the rest of the outer npm's variables are dropped. */
const KEEP_NPM = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);

/**
 * The environment for a child running under `nodeBin`: that Node first on PATH, and none of
 * the outer npm's or coverage tool's variables (they would leak into the leg).
 */
export function childEnv(nodeBin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !KEEP_NPM.has(key.toLowerCase())) continue;
    if (key === 'NODE_OPTIONS' || key === 'NODE_V8_COVERAGE' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  env.PATH = `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

export interface RunResult {
  code: number | null;
  output: string;
  ms: number;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The combined stdout/stderr also goes to this file. */
  log?: string;
  timeoutMs?: number;
}

/** Runs a command to its end; never rejects (a spawn error becomes code null). */
export function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    const collect = (b: Buffer): void => {
      chunks.push(b);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          chunks.push(Buffer.from(`\n[compat] killed after ${opts.timeoutMs} ms\n`));
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    const finish = (code: number | null, extra = ''): void => {
      if (timer) clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8') + extra;
      if (opts.log) fs.writeFileSync(opts.log, `$ ${cmd} ${args.join(' ')}\n${output}`);
      resolve({ code, output, ms: Date.now() - started });
    };
    child.on('error', (err) => finish(null, `\n${err.message}\n`));
    child.on('close', (code) => finish(code));
  });
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface HttpReply {
  status: number;
  type: string;
  text: string;
}

/** One HTTP request to 127.0.0.1 (no keep-alive, bounded in time). */
export function request(port: number, method: string, urlPath: string, opts: { body?: string; type?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) {
      headers['Content-Type'] = opts.type ?? 'text/plain';
      headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    }
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent: false, timeout: opts.timeoutMs ?? 15000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer in time`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The last `n` lines of a text, for failure reports. */
export function tail(text: string, n = 25): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
