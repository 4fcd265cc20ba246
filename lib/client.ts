import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import axios, { AxiosInstance } from 'axios';
import { ButlerError } from './errors';
import { ButlerTask, parseTaskList } from './parse';
import { AllAction, checkTaskName, normaliseUrl } from './validate';
import { errorCode, networkError, PRODUCT, VERSION } from './net';
import { ButlerSettings, parsePrefs, parseSessionCount, settingsQuery } from './settings';

export interface ClientOptions {
  /** Base URL of the server, e.g. http://192.168.1.20:32400 or https://example.org/plex */
  url: string;
  token: string;
  /** Whole-call budget in ms: queueing, retries and the answer all fit in it. Default 10000. */
  timeout?: number;
  /** Check the server's TLS certificate. Default true. */
  verifyTls?: boolean;
  /** Sent as X-Plex-Client-Identifier; keep it stable per client. */
  clientId?: string;
  /** Requests on the wire at once. Default 4. */
  maxInFlight?: number;
  /** Requests waiting for a free slot before QUEUE_FULL. Default 1000. */
  maxQueue?: number;
  /** Extra tries for reads that failed for a passing reason. Default 3. */
  retries?: number;
  /** Largest answer body accepted. Default 1 MiB. */
  maxBodyBytes?: number;
}

export interface CallOptions {
  /** Aborting it ends this caller's wait with ABORTED. */
  signal?: AbortSignal;
}

export type TaskAction = 'start' | 'stop';
export type TaskOutcome = 'started' | 'already-running' | 'stopped' | 'not-running';

export interface TaskResult {
  task: string;
  action: TaskAction;
  result: TaskOutcome;
}

export interface AllResult {
  action: AllAction;
  result: 'started' | 'stopped';
}

export interface Identity {
  machineIdentifier: string;
  version: string;
  claimed: boolean;
}

interface Answer {
  status: number;
  body: string;
  retryAfter?: string;
}

/** One HTTP call shared by every identical concurrent request. */
interface SharedCall {
  promise: Promise<Answer>;
  ctrl: AbortController;
  deadline: number;
  /** Callers still waiting; when the last one gives up, the call is aborted. */
  callers: number;
}

const TRANSIENT_STATUS = new Set([502, 503, 504]);

/** Marks why a request's controller was aborted. */
type Why = 'timeout' | 'closed' | 'cancelled';

/** Waits `ms`; an abort of `signal` ends the wait early with the signal's reason. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Talks to the Butler of one Plex Media Server. One instance per server config:
 * it keeps a keep-alive pool, bounds requests in flight, shares identical concurrent calls
 * and never puts the token anywhere but the X-Plex-Token header.
 */
export class ButlerClient {
  readonly baseUrl: string;
  readonly timeout: number;
  private readonly http: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly maxInFlight: number;
  private readonly maxQueue: number;
  private readonly retries: number;
  private readonly shared = new Map<string, SharedCall>();
  private readonly controllers = new Set<AbortController>();
  private readonly waiting: Array<{ go: () => void; fail: (e: unknown) => void }> = [];
  private active = 0;
  private closed = false;

  constructor(options: ClientOptions) {
    this.baseUrl = normaliseUrl(options.url);
    if (!options.token) throw new ButlerError('NOT_CONFIGURED', 'No Plex token is set: open the plex-butler-server node and enter the server owner\'s token');
    this.timeout = options.timeout && options.timeout > 0 ? options.timeout : 10000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.maxQueue = Math.max(0, options.maxQueue ?? 1000);
    this.retries = Math.max(0, options.retries ?? 3);
    // axios sets 60 s keep-alive on each socket; the same value here keeps the agent from setting
    // it back on every release (8 system calls a request).
    const agentOptions = { keepAlive: true, keepAliveMsecs: 60000, maxSockets: this.maxInFlight, maxFreeSockets: this.maxInFlight, scheduling: 'lifo' as const };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent({ ...agentOptions, rejectUnauthorized: options.verifyTls !== false });
    this.http = axios.create({
      baseURL: this.baseUrl,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      proxy: false,
      maxRedirects: 0,
      maxContentLength: options.maxBodyBytes ?? 1024 * 1024,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      headers: {
        Accept: 'application/json',
        'X-Plex-Token': options.token,
        'X-Plex-Client-Identifier': options.clientId || randomUUID(),
        'X-Plex-Product': PRODUCT,
        'X-Plex-Version': VERSION,
        'X-Plex-Platform': 'Node.js',
      },
    });
  }

  /** GET /butler: every task the server knows, in server order. */
  async listTasks(options: CallOptions = {}): Promise<ButlerTask[]> {
    return this.list(options, Date.now() + this.timeout);
  }

  private async list(options: CallOptions, deadline: number): Promise<ButlerTask[]> {
    const answer = await this.request('GET', '/butler', options, true, undefined, deadline);
    if (answer.status === 404) throw this.noButler(answer.status);
    return parseTaskList(answer.body);
  }

  /** POST /butler/{task}: 200 started, 202 already running, 404 unknown. */
  async startTask(name: unknown, options: CallOptions = {}): Promise<TaskResult> {
    const task = checkTaskName(name);
    const answer = await this.request('POST', taskPath(task), options, false, task);
    if (answer.status === 404) throw unknownTask(task);
    return { task, action: 'start', result: answer.status === 202 ? 'already-running' : 'started' };
  }

  /** DELETE /butler/{task}: 200 stopped; a 404 is "not running" for a listed task, else unknown. */
  async stopTask(name: unknown, options: CallOptions = {}): Promise<TaskResult> {
    const task = checkTaskName(name);
    // The follow-up list shares the budget: the whole stop answers within `timeout`.
    const deadline = Date.now() + this.timeout;
    const answer = await this.request('DELETE', taskPath(task), options, false, task, deadline);
    if (answer.status !== 404) return { task, action: 'stop', result: 'stopped' };
    const tasks = await this.list(options, deadline).catch((err: unknown) => {
      throw withTask(err, task);
    });
    if (!tasks.some((t) => t.name === task)) throw unknownTask(task);
    return { task, action: 'stop', result: 'not-running' };
  }

  /** POST /butler: the server starts every enabled task due today. */
  async startAll(options: CallOptions = {}): Promise<AllResult> {
    const answer = await this.request('POST', '/butler', options, false);
    if (answer.status === 404) throw this.noButler(answer.status);
    return { action: 'start', result: 'started' };
  }

  /** DELETE /butler: stops running tasks and empties the queue. */
  async stopAll(options: CallOptions = {}): Promise<AllResult> {
    const answer = await this.request('DELETE', '/butler', options, false);
    if (answer.status === 404) throw this.noButler(answer.status);
    return { action: 'stop', result: 'stopped' };
  }

  async runAll(action: AllAction, options: CallOptions = {}): Promise<AllResult> {
    return action === 'start' ? this.startAll(options) : this.stopAll(options);
  }

  /** GET /identity (needs no token): proves the address is a Plex server. */
  async identity(options: CallOptions = {}): Promise<Identity> {
    const answer = await this.request('GET', '/identity', options, true);
    let data: unknown;
    try {
      data = JSON.parse(answer.body);
    } catch {
      data = undefined;
    }
    const mc = typeof data === 'object' && data !== null && 'MediaContainer' in data ? data.MediaContainer : undefined;
    if (answer.status !== 200 || typeof mc !== 'object' || mc === null) {
      throw new ButlerError('BAD_RESPONSE', `${this.baseUrl} does not look like a Plex Media Server (no identity)`, { statusCode: answer.status });
    }
    const get = (k: string): unknown => (mc as Record<string, unknown>)[k];
    return {
      machineIdentifier: String(get('machineIdentifier') ?? ''),
      version: String(get('version') ?? ''),
      claimed: get('claimed') === true || get('claimed') === 1 || get('claimed') === '1',
    };
  }

  /** GET /status/sessions: how many playbacks are under way. */
  async sessionCount(options: CallOptions = {}): Promise<number> {
    const answer = await this.request('GET', '/status/sessions', options, true);
    if (answer.status === 404) throw this.noButler(answer.status);
    return parseSessionCount(answer.body);
  }

  /** GET /:/prefs, reduced to the Butler's window and task switches. */
  async getSettings(options: CallOptions = {}): Promise<ButlerSettings> {
    const answer = await this.request('GET', '/:/prefs', options, true);
    if (answer.status === 404) throw this.noButler(answer.status);
    return parsePrefs(answer.body);
  }

  /** Checks the change against the current settings, PUTs it, and reads the settings back. */
  async putSettings(change: unknown, options: CallOptions = {}): Promise<ButlerSettings> {
    const query = settingsQuery(change, await this.getSettings(options));
    const answer = await this.request('PUT', `/:/prefs?${query}`, options, false);
    if (answer.status === 404) throw this.noButler(answer.status);
    return this.getSettings(options);
  }

  /** Requests on the wire and waiting, for status and tests. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  /** Aborts every request in flight or queued, frees the sockets. Later calls fail with ABORTED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.controllers) c.abort('closed' satisfies Why);
    for (const w of this.waiting.splice(0)) w.fail(this.closedError());
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private closedError(): ButlerError {
    return new ButlerError('ABORTED', 'Request cancelled: the Plex server node was closed (redeploy or shutdown)');
  }

  private noButler(status: number): ButlerError {
    return new ButlerError('BAD_RESPONSE', `No Butler at ${this.baseUrl} (${status}): check the server URL, including any reverse-proxy path`, { statusCode: status });
  }

  /**
   * Shares one HTTP call between identical concurrent requests. Each caller may abort its own
   * wait; when every caller has gone, the call itself is aborted and leaves the queue.
   */
  private request(method: string, route: string, options: CallOptions, retry: boolean, task?: string, deadline?: number): Promise<Answer> {
    if (this.closed) return Promise.reject(this.closedError());
    const key = `${method} ${route}`;
    const until = deadline ?? Date.now() + this.timeout;
    let call = this.shared.get(key);
    if (!call) {
      const ctrl = new AbortController();
      const entry: SharedCall = { promise: this.run(method, route, retry, ctrl, until, task), ctrl, deadline: until, callers: 0 };
      const forget = (): void => {
        if (this.shared.get(key) === entry) this.shared.delete(key);
      };
      entry.promise.then(forget, forget);
      this.shared.set(key, entry);
      call = entry;
    }
    call.callers++;
    const joined = call;
    const leave = (): void => {
      if (--joined.callers > 0) return;
      // Nobody waits any more: later callers start afresh instead of joining a cancelled call.
      if (this.shared.get(key) === joined) this.shared.delete(key);
      joined.ctrl.abort('cancelled' satisfies Why);
    };
    // A caller whose own budget ends before the shared call's gets its own TIMEOUT.
    const early = until < call.deadline ? until : undefined;
    if (!options.signal && early === undefined) return call.promise;
    return this.wait(call.promise, options.signal, early, leave, task);
  }

  /** One caller's wait on a shared call, ended early by its signal or its own deadline. */
  private wait(pending: Promise<Answer>, signal: AbortSignal | undefined, deadline: number | undefined, leave: () => void, task?: string): Promise<Answer> {
    const extra = task === undefined ? {} : { task };
    if (signal?.aborted) {
      leave();
      return Promise.reject(new ButlerError('ABORTED', 'Request cancelled', extra));
    }
    return new Promise<Answer>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = (err: ButlerError): void => {
        cleanup();
        leave();
        reject(err);
      };
      const onAbort = (): void => stop(new ButlerError('ABORTED', 'Request cancelled: the node was closed', extra));
      const cleanup = (): void => {
        signal?.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined) {
        timer = setTimeout(() => stop(this.timeoutError(extra)), Math.max(0, deadline - Date.now()));
      }
      pending.then(
        (v) => {
          cleanup();
          resolve(v);
        },
        (e: unknown) => {
          cleanup();
          reject(e);
        },
      );
    });
  }

  private timeoutError(extra: { task?: string }): ButlerError {
    return new ButlerError('TIMEOUT', `No answer from Plex at ${this.baseUrl} within ${this.timeout} ms`, extra);
  }

  private async run(method: string, route: string, retry: boolean, ctrl: AbortController, deadline: number, task?: string): Promise<Answer> {
    this.controllers.add(ctrl);
    const timer = setTimeout(() => ctrl.abort('timeout' satisfies Why), Math.max(0, deadline - Date.now()));
    const seen: { last?: ButlerError } = {};
    try {
      await this.acquire(ctrl.signal);
      try {
        return await this.attempts(method, route, retry, ctrl.signal, deadline, seen, task);
      } finally {
        this.release();
      }
    } catch (err) {
      // Time ran out during a retry: what the server did before says more than TIMEOUT.
      if (ctrl.signal.reason === 'timeout' && seen.last) throw seen.last;
      throw this.explain(err, ctrl.signal, task);
    } finally {
      clearTimeout(timer);
      this.controllers.delete(ctrl);
    }
  }

  private async attempts(method: string, route: string, retry: boolean, signal: AbortSignal, deadline: number, seen: { last?: ButlerError }, task?: string): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      let failure: ButlerError;
      let wait = backoff(attempt);
      try {
        const res = await this.http.request<string>({ method, url: route, signal });
        const answer: Answer = { status: res.status, body: typeof res.data === 'string' ? res.data : '' };
        const retryAfter: unknown = res.headers['retry-after'];
        if (typeof retryAfter === 'string') answer.retryAfter = retryAfter;
        const bad = this.statusError(answer, task);
        if (!bad) return answer;
        failure = bad;
        if (!retry || !TRANSIENT_STATUS.has(answer.status)) throw failure;
        const hinted = retryAfterMs(answer.retryAfter);
        if (hinted !== undefined) wait = hinted;
      } catch (err) {
        if (signal.aborted) throw err;
        failure = err instanceof ButlerError ? err : this.transportError(err, task);
        if (!retry || failure.code !== 'UNREACHABLE' || !isPassing(err)) throw failure;
      }
      if (attempt >= this.retries || Date.now() + wait >= deadline) throw failure;
      seen.last = failure;
      await sleep(wait, signal);
    }
  }

  /** Statuses every Butler route treats alike; undefined for 2xx and 404, which the caller reads. */
  private statusError(answer: Answer, task?: string): ButlerError | undefined {
    const status = answer.status;
    const extra = task === undefined ? { statusCode: status } : { statusCode: status, task };
    if ((status >= 200 && status < 300) || status === 404) return undefined;
    if (status === 401) {
      return new ButlerError('UNAUTHORIZED', 'Plex refused the token (401): enter the server owner\'s token again (a plex.tv password reset changes it)', extra);
    }
    if (status === 403) {
      return new ButlerError('UNAUTHORIZED', 'Plex refused this token for the Butler (403): it must be the server owner\'s token, not a shared user\'s', extra);
    }
    if (status === 400) return new ButlerError('BAD_REQUEST', 'Plex rejected the request (400)', extra);
    if (status >= 500) return new ButlerError('SERVER_ERROR', `Plex server error (${status})${answer.retryAfter ? `, retry after ${answer.retryAfter}` : ''}`, extra);
    if (status >= 300 && status < 400) {
      return new ButlerError('BAD_RESPONSE', `${this.baseUrl} redirected (${status}); redirects are not followed so the token stays with the configured address: set the URL to the final address`, extra);
    }
    return new ButlerError('BAD_RESPONSE', `Unexpected answer from Plex (${status})`, extra);
  }

  private transportError(err: unknown, task?: string): ButlerError {
    return networkError(err, this.baseUrl, task);
  }

  /** Turns whatever ended a call into a ButlerError; aborts say why. */
  private explain(err: unknown, signal: AbortSignal, task?: string): ButlerError {
    const extra = task === undefined ? {} : { task };
    if (signal.aborted) {
      if (signal.reason === 'timeout') return this.timeoutError(extra);
      if (signal.reason === 'cancelled') return new ButlerError('ABORTED', 'Request cancelled', extra);
      const e = this.closedError();
      return task === undefined ? e : new ButlerError(e.code, e.message, extra);
    }
    return err instanceof ButlerError ? err : this.transportError(err, task);
  }

  private acquire(signal: AbortSignal): Promise<void> {
    if (this.active < this.maxInFlight) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(new ButlerError('QUEUE_FULL', `Too many Plex requests waiting (${this.maxQueue}): this message was refused`));
    }
    return new Promise((resolve, reject) => {
      const entry = {
        go: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.go();
    else this.active--;
  }
}

function taskPath(task: string): string {
  return `/butler/${encodeURIComponent(task)}`;
}

/** The error of a step a task call made on its own (the list read of a stop), naming the task. */
function withTask(err: unknown, task: string): unknown {
  if (!(err instanceof ButlerError) || err.task !== undefined) return err;
  return new ButlerError(err.code, err.message, err.statusCode === undefined ? { task } : { statusCode: err.statusCode, task });
}

function unknownTask(task: string): ButlerError {
  return new ButlerError('UNKNOWN_TASK', `Plex has no Butler task named "${task}"`, { statusCode: 404, task });
}

/** Capped exponential backoff with jitter: 100-200 ms, 200-400 ms, ... up to 1-2 s. */
function backoff(attempt: number): number {
  const base = Math.min(1000, 100 * 2 ** attempt);
  return base + Math.floor(Math.random() * base);
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** Resets and refusals may pass; a missing host name or a broken answer mid-body are retried too. */
function isPassing(err: unknown): boolean {
  const code = errorCode(err);
  return code !== 'ENOTFOUND';
}
