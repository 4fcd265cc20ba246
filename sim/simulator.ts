// A stand-in for the Butler part of a Plex Media Server, for tests and local runs.
// Behaviour follows the notes in pms-butler.md; see the report for known gaps.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';

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
}

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

const PMS_VERSION = '1.41.8.9834-0bd4b0fd3';
const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

function randomToken(): string {
  let s = '';
  for (let i = 0; i < 20; i++) s += TOKEN_CHARS[randomInt(TOKEN_CHARS.length)];
  return s;
}

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
  private readonly machineId = randomBytes(20).toString('hex');
  private server: http.Server | undefined;
  private port = 0;
  // task name -> stop timer (undefined: runs until stopped)
  private readonly runs = new Map<string, NodeJS.Timeout | undefined>();
  private readonly waits = new Set<NodeJS.Timeout>();
  private readonly sockets = new Set<Socket>();

  constructor(opts: SimOptions = {}) {
    this.options = {
      ...opts,
      token: opts.token ?? randomToken(),
      tasks: (opts.tasks ?? DEFAULT_TASKS).map((t) => ({ ...t })),
    };
  }

  get url(): string {
    if (!this.server) return '';
    const host = this.options.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  get token(): string {
    return this.options.token ?? '';
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
    this.stopAll();
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

  private tasks(): SimTask[] {
    return this.options.tasks ?? DEFAULT_TASKS;
  }

  private startTask(name: string): void {
    const timer = setTimeout(() => this.runs.delete(name), this.options.runMs ?? 3000);
    timer.unref();
    this.runs.set(name, timer);
  }

  private stopTask(name: string): boolean {
    if (!this.runs.has(name)) return false;
    const timer = this.runs.get(name);
    if (timer) clearTimeout(timer);
    this.runs.delete(name);
    return true;
  }

  private stopAll(): void {
    for (const name of [...this.runs.keys()]) this.stopTask(name);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
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
      return this.identity();
    }

    const given = req.headers['x-plex-token'];
    const owner = this.token !== '' && given === this.token;
    const shared = !owner && this.options.sharedToken !== undefined && given === this.options.sharedToken;
    if (!owner && !shared) return fail(401);

    if (path === '/butler') {
      if (shared) return fail(403);
      if (method === 'GET' || method === 'HEAD') return this.list(req.headers.accept);
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
      if (!this.tasks().some((t) => t.name === name)) return fail(404);
      if (this.runs.has(name)) return { status: 202 };
      this.startTask(name);
      return { status: 200 };
    }
    if (method === 'DELETE') {
      return this.stopTask(name) ? { status: 200 } : fail(404);
    }
    return fail(405, 'POST, DELETE');
  }

  private identity(): Reply {
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

export async function startSimulator(opts?: SimOptions): Promise<ButlerSimulator> {
  const sim = new ButlerSimulator(opts);
  await sim.start();
  return sim;
}
