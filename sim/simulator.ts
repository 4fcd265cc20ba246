// A stand-in for the Butler part of a Plex Media Server, for tests and local runs.
// Behaviour follows the notes in pms-butler.md; see the report for known gaps.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Playback, type PlayOptions, type PlaySessionStateNotification } from './playback';
import { StreamHub } from './stream';
import { CONTROL_PREFIX, control, readParams } from './control';
import { historyReply, SimHistory, type HistoryOptions } from './history';
import { mediaWork, SimActivities, type WorkSpec } from './activities';
import { SimFaults, type Fault, type FaultRoute } from './faults';

export type { PlayOptions, PlaySessionStateNotification, PlayState, SessionItem } from './playback';
export { ANONYMOUS_KEY_BASE } from './playback';
export { parseFilters } from './stream';
export { CONTROL_PREFIX, CONTROL_USAGE } from './control';
export { HOUSEHOLD_QUIET, SimHistory, type HistoryOptions } from './history';
export type { WorkSpec } from './activities';
export type { Fault, FaultKind, FaultRoute, RequestOutcome } from './faults';

export interface SimTask {
  name: string;
  title: string;
  description: string;
  interval: number;
  enabled: boolean;
  scheduleRandomized: boolean;
}

export interface SimRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface SimOptions {
  port?: number;
  host?: string;
  token?: string;
  sharedToken?: string;
  runMs?: number;
  tasks?: SimTask[];
  boolFormat?: 'bool' | 'int' | 'string';
  latencyMs?: number;
  /**
   * Anonymous playing sessions listed first in /status/sessions (default 0), keys
   * ANONYMOUS_KEY_BASE+1…; they send no notifications. May be changed at run time.
   */
  sessions?: number;
  /** Gap between periodic `playing` notifications of each playing session (default 5000). */
  playingIntervalMs?: number;
  /** Gap between `event: ping` keep-alives on each stream (default 10000). */
  pingIntervalMs?: number;
  /**
   * `data:` of `event: activity`: 'bare' (default, as real SSE) = {"ActivityNotification":{…}};
   * 'wrapped' = {"NotificationContainer":{"type":"activity","size":1,"ActivityNotification":[…]}}.
   */
  activityShape?: 'bare' | 'wrapped';
  /**
   * How /:/eventsource/notifications answers: 'sse' (default) or 'html' = 200 text/html
   * proxy login page, whatever the token (something in front of the server answered).
   */
  streamReply?: 'sse' | 'html';
  /** Answer GET /activities with this error status instead of the list (a fault to test). */
  activitiesStatus?: number;
  /** How long preview thumbnails of added media take, ms (default 60000; intros 1.5x, credits 0.75x). */
  mediaWorkMs?: number;
  /** Maintenance window start and end hour (defaults 2 and 5). */
  startHour?: number;
  endHour?: number;
  /** The seeded household's viewing history (/status/sessions/history/all, /library/metadata). */
  history?: HistoryOptions;
  /** The server's friendly name (default SIM_NAME) and machine identifier (default random, 40 hex digits). */
  name?: string;
  machineIdentifier?: string;
}

/** Who the simulator says it is: the same in /identity, the prefs, the fake plex.tv and the fake GDM. */
export interface SimIdentity {
  name: string;
  version: string;
  machineIdentifier: string;
}

/** One activity as the server reports it in /activities and notifications. */
export interface SimActivity {
  uuid: string;
  type: string;
  cancellable: boolean;
  userID: number;
  title: string;
  subtitle: string;
  progress: number;
}

/** Activity type the simulator gives Butler work (the real string is not documented). */
export const BUTLER_ACTIVITY_TYPE = 'butler.task';

export const DEFAULT_TASKS: SimTask[] = [
  { name: 'AutomaticUpdates', title: 'Install Automatic Updates', description: 'Install updates automatically when they are available', interval: 1, enabled: false, scheduleRandomized: false },
  { name: 'BackupDatabase', title: 'Backup Database', description: "Create a backup copy of the server's database in the configured backup directory", interval: 3, enabled: true, scheduleRandomized: false },
  { name: 'ButlerTaskGenerateCreditsMarkers', title: 'Detect Credits', description: 'Find the start of the credits in episodes and movies, to let players skip them', interval: 1, enabled: true, scheduleRandomized: false },
  { name: 'ButlerTaskGenerateIntroMarkers', title: 'Detect Intros', description: 'Find the intros of TV episodes, to let players skip them', interval: 1, enabled: true, scheduleRandomized: false },
  { name: 'CheckForUpdates', title: 'Check For Updates', description: 'Look for a newer version of Plex Media Server', interval: 1, enabled: true, scheduleRandomized: true },
  { name: 'CleanOldBundles', title: 'Clean Old Bundles', description: 'Remove old media bundles that are no longer used by any item', interval: 7, enabled: true, scheduleRandomized: false },
  { name: 'CleanOldCacheFiles', title: 'Clean Old Cache Files', description: 'Delete cache files that have not been used for a while', interval: 7, enabled: true, scheduleRandomized: false },
  { name: 'DeepMediaAnalysis', title: 'Perform extensive media analysis', description: 'Analyze bitrates of media streams in detail, to improve remote streaming decisions', interval: 1, enabled: false, scheduleRandomized: false },
  { name: 'GarbageCollectBlobs', title: 'Garbage Collect Blobs', description: 'Remove unused binary data (artwork, thumbnails) from the database', interval: 7, enabled: true, scheduleRandomized: false },
  { name: 'GenerateChapterThumbs', title: 'Generate Chapter Thumbnails', description: 'Create thumbnail images for the chapters of video files', interval: 1, enabled: true, scheduleRandomized: false },
  { name: 'LoudnessAnalysis', title: 'Analyze Audio Loudness', description: 'Measure the loudness of music tracks & albums, for volume levelling', interval: 1, enabled: true, scheduleRandomized: false },
  { name: 'OptimizeDatabase', title: 'Optimize Database', description: 'Rebuild the database indexes and reclaim unused space', interval: 7, enabled: true, scheduleRandomized: false },
  { name: 'RefreshLibraries', title: 'Scan Libraries', description: 'Scan all libraries for new, changed and removed media', interval: 1, enabled: true, scheduleRandomized: false },
  { name: 'RefreshPeriodicMetadata', title: 'Refresh Metadata Periodically', description: 'Refresh the metadata of library items from online agents', interval: 3, enabled: true, scheduleRandomized: true },
];

export const PMS_VERSION = '1.41.8.9834-0bd4b0fd3';
export const SIM_NAME = 'Simulated Plex';
const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

function randomToken(): string {
  let s = '';
  for (let i = 0; i < 20; i++) s += TOKEN_CHARS[randomInt(TOKEN_CHARS.length)];
  return s;
}

/** What a login proxy in front of the server answers instead of the event stream. */
export const LOGIN_PAGE =
  '<html><head><title>Proxy login</title></head><body><form method="post" action="/login"><input name="user"><input name="password" type="password"><button>Sign in</button></form></body></html>';

function errorPage(code: number, text: string): string {
  return `<html><head><title>${text}</title></head><body><h1>${code} ${text}</h1></body></html>`;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Reply {
  status: number;
  body?: string;
  type?: string;
  headers?: Record<string, string>;
}

const ERRORS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
};

function fail(status: number, allow?: string): Reply {
  return {
    status,
    body: errorPage(status, ERRORS[status] ?? 'Error'),
    type: 'text/html',
    headers: allow ? { Allow: allow } : undefined,
  };
}

export class ButlerSimulator {
  options: SimOptions;
  readonly requests: SimRequest[] = [];
  private readonly machineId: string;
  private byName: { from: SimTask[]; map: Map<string, SimTask> } | undefined;
  private server: http.Server | undefined;
  private port = 0;
  // task name -> stop timer (undefined: runs until stopped)
  private readonly runs = new Map<string, NodeJS.Timeout | undefined>();
  private readonly waits = new Set<NodeJS.Timeout>();
  private readonly sockets = new Set<Socket>();
  private readonly activities = new Map<string, SimActivity>();
  private readonly prefs = new Map<string, number | boolean>();
  private readonly hub = new StreamHub(
    () => ({ pingIntervalMs: this.options.pingIntervalMs ?? 10000, playingIntervalMs: this.options.playingIntervalMs ?? 5000 }),
    () => this.playback.tick(),
  );
  private readonly work = new SimActivities((event, activity) => this.emitActivity(event, activity));
  private readonly playback = new Playback((n: PlaySessionStateNotification) => this.hub.send('playing', { PlaySessionStateNotification: n }));
  /** The viewing history; made on first read. */
  readonly history: SimHistory;
  /** Fault injection per route (sim/faults.ts). */
  readonly faults = new SimFaults();

  constructor(opts: SimOptions = {}) {
    this.options = {
      ...opts,
      token: opts.token ?? randomToken(),
      tasks: (opts.tasks ?? DEFAULT_TASKS).map((t) => ({ ...t })),
    };
    this.machineId = opts.machineIdentifier ?? randomBytes(20).toString('hex');
    this.prefs.set('ButlerStartHour', opts.startHour ?? 2);
    this.prefs.set('ButlerEndHour', opts.endHour ?? 5);
    this.history = new SimHistory(opts.history);
  }

  get url(): string {
    if (!this.server) return '';
    const host = this.options.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  get token(): string {
    return this.options.token ?? '';
  }

  get identity(): SimIdentity {
    return { name: this.options.name ?? SIM_NAME, version: PMS_VERSION, machineIdentifier: this.machineId };
  }

  start(): Promise<void> {
    if (this.server) return Promise.reject(new Error('simulator already started'));
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (sock: Socket) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    this.server = server;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = undefined;
        reject(err);
      };
      server.once('error', onError);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', onError);
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    this.faults.close();
    this.dropStreams();
    this.stopAll();
    this.work.clear();
    for (const t of this.waits) clearTimeout(t);
    this.waits.clear();
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    return new Promise<void>((resolve) => {
      server.close(() => resolve());
      if (typeof server.closeAllConnections === 'function') server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
    });
  }

  isRunning(name: string): boolean {
    return this.runs.has(name);
  }

  running(): string[] {
    return [...this.runs.keys()];
  }

  /** Test control: on = running until stopped (no runMs timer); off = stopped. */
  setRunning(name: string, on: boolean): void {
    if (on) {
      this.stopTask(name);
      this.runs.set(name, undefined);
    } else {
      this.stopTask(name);
    }
  }

  reset(): void {
    this.requests.length = 0;
    this.stopAll();
  }

  /** Event streams opened so far. */
  get streamCount(): number {
    return this.hub.opened;
  }

  /** Open event streams right now. */
  get openStreams(): number {
    return this.hub.size;
  }

  /** Test control: cuts every open event stream, as a server restart would. */
  dropStreams(): void {
    this.hub.drop();
  }

  /** Test control: sends an activity notification to every stream that takes `activity`. */
  emitActivity(event: 'started' | 'updated' | 'ended', activity: SimActivity): void {
    const note = { event, uuid: activity.uuid, Activity: activity };
    const wrapped = this.options.activityShape === 'wrapped';
    this.hub.send('activity', wrapped ? { NotificationContainer: { type: 'activity', size: 1, ActivityNotification: [note] } } : { ActivityNotification: note });
  }

  /** Test control: open streams (and new ones until silence(false)) send nothing, socket kept open. */
  silence(on = true): void {
    this.hub.silence(on);
  }

  /** Starts a playing session (announced with state playing); returns its sessionKey. */
  play(o: PlayOptions = {}): string {
    return this.playback.play(o);
  }

  /** Pauses a session: viewOffset frozen, `paused` notification. False for an unknown, lingering or phantom key. */
  pause(sessionKey: string): boolean {
    return this.playback.pause(sessionKey);
  }

  /** Resumes a session: viewOffset moves again, `playing` notification. */
  resume(sessionKey: string): boolean {
    return this.playback.resume(sessionKey);
  }

  /** Ends a session: gone from /status/sessions, `stopped` notification (none if lingering/phantom). */
  stopPlayback(sessionKey: string): boolean {
    return this.playback.stop(sessionKey);
  }

  /** A `buffering` notification only; never creates a session. Without a known key uses a fresh unlisted key. */
  buffer(sessionKey?: string): string {
    return this.playback.buffer(sessionKey);
  }

  /** The client vanished: session stays listed, viewOffset frozen, no more notifications. */
  linger(sessionKey: string): boolean {
    return this.playback.linger(sessionKey);
  }

  /** A session listed in /status/sessions for ms, then gone; never notified. Returns its key. */
  phantom(ms: number, o: PlayOptions = {}): string {
    const key = this.playback.phantom(o);
    const t = setTimeout(() => {
      this.waits.delete(t);
      this.playback.stop(key);
    }, ms);
    t.unref();
    this.waits.add(t);
    return key;
  }

  /** Test control: a fault for one route (see sim/faults.ts); undefined switches it off. */
  setFault(route: FaultRoute, fault: Fault | undefined): void {
    this.faults.set(route, fault);
  }

  /** PMS restart: streams cut, sessions, running tasks and activities gone silently, sessionKeys start from 1. */
  restart(): void {
    this.hub.drop();
    this.playback.reset();
    this.stopAll();
    this.work.clear();
  }

  /** Media was added: the server analyses it on its own (not Butler work); returns the activities. */
  addMedia(o: { title?: string } = {}): SimActivity[] {
    return mediaWork(o.title || 'New episode', this.options.mediaWorkMs ?? 60000).map((spec) => this.work.start(spec));
  }

  /** Test control: runs any activity (a recording, a download, a hostile uuid…). */
  startWork(spec: WorkSpec): SimActivity {
    return this.work.start(spec);
  }

  /** sessionKeys of play()/phantom() sessions now listed (anonymous ones excluded). */
  playbackKeys(): string[] {
    return this.playback.keys();
  }

  /** Current maintenance settings as the prefs hold them. */
  get window(): { startHour: number; endHour: number } {
    return { startHour: Number(this.prefs.get('ButlerStartHour')), endHour: Number(this.prefs.get('ButlerEndHour')) };
  }

  private tasks(): SimTask[] {
    return this.options.tasks ?? DEFAULT_TASKS;
  }

  /** The task named `name`; a lookup by name, since a bench simulator knows thousands of tasks. */
  private task(name: string): SimTask | undefined {
    const tasks = this.tasks();
    if (this.byName?.from !== tasks) this.byName = { from: tasks, map: new Map(tasks.map((t) => [t.name, t])) };
    return this.byName.map.get(name);
  }

  private startTask(name: string): void {
    const runMs = this.options.runMs ?? 3000;
    const timer = setTimeout(() => this.stopTask(name, true), runMs);
    timer.unref();
    this.runs.set(name, timer);
    const task = this.task(name);
    const activity: SimActivity = {
      uuid: randomUUID(),
      type: BUTLER_ACTIVITY_TYPE,
      cancellable: false,
      userID: 1,
      title: task?.title ?? name,
      subtitle: name,
      progress: 0,
    };
    this.activities.set(name, activity);
    this.emitActivity('started', activity);
    const half = setTimeout(() => {
      this.waits.delete(half);
      if (this.activities.get(name) !== activity) return;
      activity.progress = 50;
      this.emitActivity('updated', activity);
    }, runMs / 2);
    half.unref();
    this.waits.add(half);
  }

  /** Ends a run: progress 100 when it ran its course, else it ends where it was. */
  private stopTask(name: string, finished = false): boolean {
    if (!this.runs.has(name)) return false;
    const timer = this.runs.get(name);
    if (timer) clearTimeout(timer);
    this.runs.delete(name);
    const activity = this.activities.get(name);
    if (activity) {
      this.activities.delete(name);
      if (finished) activity.progress = 100;
      this.emitActivity('ended', activity);
    }
    return true;
  }

  private stopAll(): void {
    for (const name of [...this.runs.keys()]) this.stopTask(name);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const raw = req.url ?? '';
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    if (path.startsWith(CONTROL_PREFIX)) {
      this.handleControl(req, res, path.slice(CONTROL_PREFIX.length), q >= 0 ? raw.slice(q + 1) : '');
      return;
    }
    this.requests.push({ method: req.method ?? '', url: raw, headers: { ...req.headers } });
    if (this.faults.intercept(req, res, path, () => this.serve(req, res, path, q))) return;
    this.serve(req, res, path, q);
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse, path: string, q: number): void {
    const raw = req.url ?? '';
    if (path === '/:/eventsource/notifications' && req.method === 'GET') {
      if (this.options.streamReply === 'html') {
        this.write(res, { status: 200, body: LOGIN_PAGE, type: 'text/html; charset=utf-8' });
        return;
      }
      if (req.headers['x-plex-token'] === this.token) {
        this.hub.open(res, q >= 0 ? raw.slice(q + 1) : '');
        return;
      }
    }
    const send = (): void => {
      if (res.destroyed) return;
      this.write(res, this.route(req));
    };
    const delay = this.options.latencyMs ?? 0;
    if (delay > 0) {
      const t = setTimeout(() => {
        this.waits.delete(t);
        send();
      }, delay);
      t.unref();
      this.waits.add(t);
    } else {
      send();
    }
  }

  /** /__sim/<name>: test controls over HTTP (not recorded in `requests`). */
  private handleControl(req: http.IncomingMessage, res: http.ServerResponse, name: string, query: string): void {
    readParams(req, query).then(
      (params) => {
        if (res.destroyed) return;
        const r = control(this, req.method ?? '', name, params);
        this.write(res, { status: r.status, body: JSON.stringify(r.data), type: 'application/json', headers: r.status === 405 ? { Allow: 'POST' } : undefined });
      },
      () => res.destroy(),
    );
  }

  private write(res: http.ServerResponse, r: Reply): void {
    const body = r.body ?? '';
    const headers: Record<string, string | number> = {
      'X-Plex-Protocol': '1.0',
      'Cache-Control': 'no-cache',
      'Content-Length': Buffer.byteLength(body),
      ...r.headers,
    };
    if (r.type) headers['Content-Type'] = r.type;
    res.writeHead(r.status, headers);
    res.end(body);
  }

  private route(req: http.IncomingMessage): Reply {
    const method = req.method ?? '';
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;

    if (path === '/identity') {
      if (method !== 'GET' && method !== 'HEAD') return fail(405, 'GET, HEAD');
      return this.identityReply();
    }

    const given = req.headers['x-plex-token'];
    const owner = this.token !== '' && given === this.token;
    const shared = !owner && this.options.sharedToken !== undefined && given === this.options.sharedToken;
    if (!owner && !shared) return fail(401);

    if (path === '/status/sessions' && (method === 'GET' || method === 'HEAD')) return this.sessions();
    const history = historyReply(this.history, { method, path, query: q >= 0 ? raw.slice(q + 1) : '', headers: req.headers }, owner);
    if (history) return history;
    if (path === '/activities' && (method === 'GET' || method === 'HEAD')) {
      if (this.options.activitiesStatus) return fail(this.options.activitiesStatus);
      const list = [...this.activities.values(), ...this.work.list()];
      return json({ MediaContainer: { size: list.length, Activity: list } });
    }
    const cancel = /^\/activities\/([^/]+)$/.exec(path);
    if (cancel) return this.cancelActivity(method, cancel[1], shared);
    if (path === '/:/prefs') {
      if (shared) return fail(403);
      if (method === 'GET' || method === 'HEAD') return this.getPrefs();
      if (method === 'PUT') return this.putPrefs(q >= 0 ? raw.slice(q + 1) : '');
      return fail(405, 'GET, HEAD, PUT');
    }

    return this.butler(method, path, req.headers.accept, shared);
  }

  /** GET, POST and DELETE of /butler and /butler/{name}. */
  private butler(method: string, path: string, accept: string | undefined, shared: boolean): Reply {
    if (path === '/butler') {
      if (shared) return fail(403);
      if (method === 'GET' || method === 'HEAD') return this.list(accept);
      if (method === 'POST') {
        for (const t of this.tasks()) if (t.enabled && !this.runs.has(t.name)) this.startTask(t.name);
        return { status: 200 };
      }
      if (method === 'DELETE') {
        this.stopAll();
        return { status: 200 };
      }
      return fail(405, 'GET, HEAD, POST, DELETE');
    }

    const m = /^\/butler\/([^/]+)\/?$/.exec(path);
    if (!m) return fail(404);
    if (shared) return fail(403);
    let name: string;
    try {
      name = decodeURIComponent(m[1]);
    } catch {
      return fail(404);
    }
    if (method === 'POST') {
      if (!this.task(name)) return fail(404);
      if (this.runs.has(name)) return { status: 202 };
      this.startTask(name);
      return { status: 200 };
    }
    if (method === 'DELETE') {
      return this.stopTask(name) ? { status: 200 } : fail(404);
    }
    return fail(405, 'POST, DELETE');
  }

  /** DELETE /activities/{uuid}: 200 cancelled, 400 not cancellable (Butler runs are not), 404 unknown. */
  private cancelActivity(method: string, rawUuid: string, shared: boolean): Reply {
    if (method !== 'DELETE') return fail(405, 'DELETE');
    if (shared) return fail(403);
    let uuid: string;
    try {
      uuid = decodeURIComponent(rawUuid);
    } catch {
      return fail(404);
    }
    if ([...this.activities.values()].some((a) => a.uuid === uuid)) return { status: 400, body: 'Activity is not cancellable', type: 'text/plain' };
    const status = this.work.cancel(uuid);
    if (status === 404) return fail(404);
    return status === 400 ? { status: 400, body: 'Activity is not cancellable', type: 'text/plain' } : { status: 200 };
  }

  private sessions(): Reply {
    const Metadata = this.playback.items(this.options.sessions ?? 0);
    return json({ MediaContainer: { size: Metadata.length, Metadata } });
  }

  private butlerSetting(id: string): { value: number | boolean; type: string; label: string; def: number | boolean } | undefined {
    if (id === 'ButlerStartHour' || id === 'ButlerEndHour') {
      const def = id === 'ButlerStartHour' ? 2 : 5;
      return { value: Number(this.prefs.get(id)), type: 'int', label: id === 'ButlerStartHour' ? 'Time at which tasks start to run' : 'Time at which tasks stop running', def };
    }
    const task = id.startsWith('ButlerTask') ? this.tasks().find((t) => `ButlerTask${t.name}` === id) : undefined;
    if (!task) return undefined;
    return { value: task.enabled, type: 'bool', label: task.title, def: true };
  }

  private getPrefs(): Reply {
    const ids = ['FriendlyName', 'ButlerStartHour', 'ButlerEndHour', ...this.tasks().map((t) => `ButlerTask${t.name}`)];
    const Setting = ids.map((id) => {
      if (id === 'FriendlyName') return { id, label: 'Friendly name', summary: '', type: 'text', default: '', value: this.identity.name, hidden: false, advanced: false, group: 'general' };
      const b = this.butlerSetting(id);
      return { id, label: b?.label ?? id, summary: '', type: b?.type ?? 'text', default: b?.def, value: b?.value, hidden: false, advanced: false, group: 'butler' };
    });
    return json({ MediaContainer: { size: Setting.length, Setting } });
  }

  /** PUT /:/prefs?id=value&…: every id must exist and every value fit, or nothing changes (400). */
  private putPrefs(query: string): Reply {
    const params = new URLSearchParams(query);
    const changes: Array<() => void> = [];
    for (const [id, value] of params) {
      if (id === 'FriendlyName') continue;
      const b = this.butlerSetting(id);
      if (!b) return fail(400);
      if (b.type === 'int') {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n > 23) return fail(400);
        changes.push(() => this.prefs.set(id, n));
      } else {
        if (!['0', '1', 'true', 'false'].includes(value)) return fail(400);
        const on = value === '1' || value === 'true';
        const task = this.tasks().find((t) => `ButlerTask${t.name}` === id);
        changes.push(() => {
          if (task) task.enabled = on;
        });
      }
    }
    for (const c of changes) c();
    return { status: 200 };
  }

  private identityReply(): Reply {
    const body = JSON.stringify({
      MediaContainer: { size: 0, claimed: true, machineIdentifier: this.machineId, version: PMS_VERSION },
    });
    return { status: 200, body, type: 'application/json' };
  }

  private list(accept: string | undefined): Reply {
    const tasks = this.tasks();
    if (accept === 'application/json') {
      const fmt = this.options.boolFormat ?? 'bool';
      const b = (v: boolean): boolean | number | string =>
        fmt === 'int' ? (v ? 1 : 0) : fmt === 'string' ? (v ? '1' : '0') : v;
      const list = tasks.map((t) => ({
        name: t.name,
        interval: t.interval,
        scheduleRandomized: b(t.scheduleRandomized),
        enabled: b(t.enabled),
        title: t.title,
        description: t.description,
      }));
      return { status: 200, body: JSON.stringify({ ButlerTasks: { ButlerTask: list } }), type: 'application/json' };
    }
    const rows = tasks.map(
      (t) =>
        `<ButlerTask name="${xmlEscape(t.name)}" interval="${t.interval}" scheduleRandomized="${t.scheduleRandomized ? 1 : 0}"` +
        ` enabled="${t.enabled ? 1 : 0}" title="${xmlEscape(t.title)}" description="${xmlEscape(t.description)}"/>`,
    );
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ButlerTasks>\n${rows.join('\n')}\n</ButlerTasks>\n`;
    return { status: 200, body, type: 'text/xml;charset=utf-8' };
  }
}

function json(data: unknown): Reply {
  return { status: 200, body: JSON.stringify(data), type: 'application/json' };
}

export async function startSimulator(opts?: SimOptions): Promise<ButlerSimulator> {
  const sim = new ButlerSimulator(opts);
  await sim.start();
  return sim;
}
