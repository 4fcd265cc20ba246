import { ButlerError } from '../common/errors';
import { ButlerTask, parseTaskList } from './tasks';
import { AllAction, checkTaskName } from '../common/validate';
import { ServerHttp, unknownTaskError } from './transport';
import { defaultRetryOptions } from './retry';
import { CallPipeline } from './call';
import { ButlerSettings, parsePrefs, settingsQuery } from './prefs';
import { mediaContainer } from '../common/json';
import { parseSessions, PlaybackSession } from '../events/sessions';
import { judgeSessions } from '../events/watching';
import { NotificationKind, NotificationStream, StreamTiming } from '../events/stream';
import { HistoryPage, historyRoute, metadataRoute, parseDurations, parseHistoryPage } from '../history/reader';
import { ServerActivity, toServerActivities } from '../events/activity';
import { checkActivityUuid } from '../common/validate';

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

/** What DELETE /activities/{uuid} did: 200, 400 (the server will not cancel it), 404 (it ended meanwhile). */
export type CancelOutcome = 'cancelled' | 'not-cancellable' | 'gone';

/** How many cancelled uuids the client remembers for the report node. */
const CANCELLED_KEPT = 1000;

export interface Identity {
  machineIdentifier: string;
  version: string;
  claimed: boolean;
}

/**
 * Talks to the Butler of one Plex Media Server. One instance per server config: it keeps a
 * keep-alive pool, bounds requests in flight, shares identical concurrent calls and never puts
 * the token anywhere but the X-Plex-Token header.
 *
 * Sharing: every call this client makes is idempotent (reads, starting a task, stopping one,
 * start all, stop all, writing the same settings), so identical calls in flight at once share one
 * request and its answer. Two starts of one task at once both answer "started": the second would
 * otherwise have been "already-running", with the same effect on the server.
 */
export class ButlerClient {
  readonly baseUrl: string;
  readonly timeout: number;
  private readonly http: ServerHttp;
  /** How every call goes (sharing, slots, deadline, retries, the wire); this class says what each route means. */
  private readonly calls: CallPipeline;
  /** Activity uuids this package asked the server to cancel (oldest first), for the report node. */
  private readonly cancelled = new Set<string>();
  private closed = false;

  constructor(options: ClientOptions) {
    const maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.http = new ServerHttp({ ...options, maxSockets: maxInFlight, maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024 });
    this.baseUrl = this.http.baseUrl;
    this.timeout = options.timeout && options.timeout > 0 ? options.timeout : 10000;
    const retry = { ...defaultRetryOptions, limit: Math.max(0, options.retries ?? defaultRetryOptions.limit) };
    this.calls = new CallPipeline(this.http, { timeout: this.timeout, maxInFlight, maxQueue: Math.max(0, options.maxQueue ?? 1000), retry });
  }

  /** GET /butler: every task the server knows, in server order. */
  async listTasks(options: CallOptions = {}, deadline?: number): Promise<ButlerTask[]> {
    return this.taskList(options, deadline);
  }

  /** POST /butler/{task}: 200 started, 202 already running, 404 unknown. */
  async startTask(name: unknown, options: CallOptions = {}): Promise<TaskResult> {
    const task = checkTaskName(name);
    const answer = await this.calls.call({ method: 'POST', route: taskPath(task), retry: false, notFound: 'unknown-task', task, signal: options.signal });
    return { task, action: 'start', result: answer.status === 202 ? 'already-running' : 'started' };
  }

  /** DELETE /butler/{task}: 200 stopped; a 404 is "not running" for a listed task, else unknown. */
  async stopTask(name: unknown, options: CallOptions = {}): Promise<TaskResult> {
    const task = checkTaskName(name);
    // The follow-up list shares the budget: the whole stop answers within `timeout`.
    const deadline = Date.now() + this.timeout;
    const answer = await this.calls.call({ method: 'DELETE', route: taskPath(task), retry: false, notFound: 'an-answer', task, signal: options.signal, deadline });
    if (answer.status !== 404) return { task, action: 'stop', result: 'stopped' };
    const tasks = await this.taskList(options, deadline, task);
    if (!tasks.some((t) => t.name === task)) throw unknownTaskError(task);
    return { task, action: 'stop', result: 'not-running' };
  }

  /** POST /butler: the server starts every enabled task due today. */
  async startAll(options: CallOptions = {}): Promise<AllResult> {
    await this.calls.call({ method: 'POST', route: '/butler', retry: false, notFound: 'no-butler', signal: options.signal });
    return { action: 'start', result: 'started' };
  }

  /** DELETE /butler: stops running tasks and empties the queue. */
  async stopAll(options: CallOptions = {}): Promise<AllResult> {
    await this.calls.call({ method: 'DELETE', route: '/butler', retry: false, notFound: 'no-butler', signal: options.signal });
    return { action: 'stop', result: 'stopped' };
  }

  async runAll(action: AllAction, options: CallOptions = {}): Promise<AllResult> {
    return action === 'start' ? this.startAll(options) : this.stopAll(options);
  }

  /** GET /activities: the work the server runs now. */
  async listActivities(options: CallOptions = {}): Promise<ServerActivity[]> {
    const body = await this.readFound('/activities', options);
    return toServerActivities(mediaContainer(body, 'activities').Activity);
  }

  /**
   * DELETE /activities/{uuid}: 200 cancelled, 400 not cancellable, 404 gone (ended meanwhile).
   * The uuid is checked first (BAD_RESPONSE, nothing sent). It is remembered as cancelled from
   * before the request (the server may announce the end before it answers) unless the answer says otherwise.
   */
  async cancelActivity(uuid: unknown, options: CallOptions = {}): Promise<CancelOutcome> {
    const id = checkActivityUuid(uuid);
    this.cancelled.delete(id);
    this.cancelled.add(id);
    if (this.cancelled.size > CANCELLED_KEPT) this.cancelled.delete(this.cancelled.values().next().value as string);
    try {
      const route = `/activities/${encodeURIComponent(id)}`;
      const answer = await this.calls.call({ method: 'DELETE', route, retry: false, notFound: 'an-answer', signal: options.signal });
      if (answer.status !== 404) return 'cancelled';
      this.cancelled.delete(id);
      return 'gone';
    } catch (err) {
      this.cancelled.delete(id);
      if (err instanceof ButlerError && err.statusCode === 400) return 'not-cancellable';
      throw err;
    }
  }

  /** Whether this client asked the server to cancel the activity `uuid` (and the server did not refuse). */
  wasCancelled(uuid: string): boolean {
    return this.cancelled.has(uuid);
  }

  /** GET /identity (needs no token): proves the address is a Plex server. */
  async identity(options: CallOptions = {}): Promise<Identity> {
    const answer = await this.calls.call({ method: 'GET', route: '/identity', retry: true, notFound: 'an-answer', signal: options.signal });
    const mc = answer.status === 200 ? findMediaContainer(answer.body) : undefined;
    if (!mc) throw new ButlerError('BAD_RESPONSE', `${this.baseUrl} does not look like a Plex Media Server (no identity)`, { statusCode: answer.status });
    return {
      machineIdentifier: String(mc.machineIdentifier ?? ''),
      version: String(mc.version ?? ''),
      claimed: mc.claimed === true || mc.claimed === 1 || mc.claimed === '1',
    };
  }

  /** GET /status/sessions: how many playbacks are under way, counted as every other count of sessions is. */
  async sessionCount(options: CallOptions = {}): Promise<number> {
    return judgeSessions(await this.sessions(options), undefined, { countPaused: true, lingerMs: Infinity }, Date.now()).sessions;
  }

  /** GET /status/sessions: the playbacks under way, one entry each. */
  async sessions(options: CallOptions = {}): Promise<PlaybackSession[]> {
    return parseSessions(await this.readFound('/status/sessions', options));
  }

  /** GET /:/prefs, reduced to the Butler's window and task switches. */
  async getSettings(options: CallOptions = {}, deadline?: number): Promise<ButlerSettings> {
    return parsePrefs(await this.readFound('/:/prefs', options, deadline));
  }

  /**
   * Checks the change against the current settings, PUTs it, and reads the settings back: three
   * calls sharing one deadline, so the whole write answers within `timeout`.
   */
  async putSettings(change: unknown, options: CallOptions = {}): Promise<ButlerSettings> {
    const deadline = Date.now() + this.timeout;
    const query = settingsQuery(change, await this.getSettings(options, deadline));
    await this.calls.call({ method: 'PUT', route: `/:/prefs?${query}`, retry: false, notFound: 'no-butler', signal: options.signal, deadline });
    return this.getSettings(options, deadline);
  }

  /** GET /status/sessions/history/all: one page of the views since `since` (Unix seconds), newest first. */
  async historyPage(since: number, start: number, size: number, options: CallOptions = {}): Promise<HistoryPage> {
    return parseHistoryPage(await this.readFound(historyRoute(since, start, size), options));
  }

  /** GET /library/metadata/<keys>: durations in ms by ratingKey; deleted items are absent (a 404: none of them). */
  async itemDurations(keys: readonly string[], options: CallOptions = {}): Promise<Map<string, number>> {
    const answer = await this.calls.call({ method: 'GET', route: metadataRoute(keys), retry: true, notFound: 'an-answer', signal: options.signal });
    return answer.status === 404 ? new Map() : parseDurations(answer.body);
  }

  /** The server's notification stream for `kinds`, through this client's HTTP stack. Call start(). */
  notifications(kinds: readonly NotificationKind[], timing: Partial<StreamTiming> = {}): NotificationStream {
    return new NotificationStream(this.http, kinds, { connectTimeout: this.timeout, ...timing });
  }

  /** Requests on the wire and waiting, for status and tests. */
  get load(): { active: number; waiting: number } {
    return this.calls.load;
  }

  /** Aborts every request in flight or queued, frees the sockets. Later calls fail with ABORTED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.calls.close();
    this.http.destroy();
  }

  /** GET /butler, on behalf of `task` when a task call reads it (its errors then name the task). */
  private async taskList(options: CallOptions, deadline?: number, task?: string): Promise<ButlerTask[]> {
    const answer = await this.calls.call({ method: 'GET', route: '/butler', retry: true, notFound: 'no-butler', task, signal: options.signal, deadline });
    return parseTaskList(answer.body);
  }

  /** A read of a route every Plex server has (a 404 means the URL points elsewhere). */
  private async readFound(route: string, options: CallOptions, deadline?: number): Promise<string> {
    const answer = await this.calls.call({ method: 'GET', route, retry: true, notFound: 'no-butler', signal: options.signal, deadline });
    return answer.body;
  }
}

function taskPath(task: string): string {
  return `/butler/${encodeURIComponent(task)}`;
}

/** The MediaContainer object of a JSON body, or undefined. */
function findMediaContainer(body: string): Record<string, unknown> | undefined {
  try {
    return mediaContainer(body, 'identity');
  } catch {
    return undefined;
  }
}
