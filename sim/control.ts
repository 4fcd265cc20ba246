// HTTP test controls of the simulator, under /__sim/ (not a Plex path, no token needed).
// Parameters come from the query string and/or the body (JSON object or form encoded).
import type http from 'node:http';
import type { PlayOptions } from './playback';
import { parseFault, type Fault, type FaultRoute } from './faults';

export const CONTROL_PREFIX = '/__sim/';

/** The simulator methods the control routes call. */
export interface ControlApi {
  play(o?: PlayOptions): string;
  pause(key: string): boolean;
  resume(key: string): boolean;
  stopPlayback(key: string): boolean;
  buffer(key?: string): string;
  linger(key: string): boolean;
  phantom(ms: number, o?: PlayOptions): string;
  restart(): void;
  silence(on?: boolean): void;
  playbackKeys(): string[];
  addMedia(o?: { title?: string }): Array<{ uuid: string }>;
  setFault(route: FaultRoute, fault: Fault | undefined): void;
}

export interface ControlReply {
  status: number;
  data: unknown;
}

/** Usage lines for the CLI. */
export const CONTROL_USAGE = [
  'POST /__sim/play     {user?, player?, title?, type?}  -> {"sessionKey":"1"}',
  'POST /__sim/pause    [?sessionKey=K]  (all sessions without one) -> {"sessionKeys":[...]}',
  'POST /__sim/resume   [?sessionKey=K]',
  'POST /__sim/stop     [?sessionKey=K]',
  'POST /__sim/linger   [?sessionKey=K]',
  'POST /__sim/buffer   [?sessionKey=K]  -> {"sessionKey":"K"}',
  'POST /__sim/phantom  ?ms=5000          -> {"sessionKey":"K"}',
  'POST /__sim/silence  [?on=0|1]',
  'POST /__sim/restart',
  'POST /__sim/media    {title?}  (analysis of added media) -> {"uuids":[...]}',
  'POST /__sim/fault    ?route=stream|sessions|butler|all&kind=none|slow|fail|unauthorized|reset|halfOpen|html|htmlStalled[&delayMs=N]',
];

/** Reads up to 64 KiB of body and merges it over the query parameters. */
export function readParams(req: http.IncomingMessage, query: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 65536) chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const params: Record<string, string> = Object.fromEntries(new URLSearchParams(query));
      resolve({ ...params, ...bodyParams(Buffer.concat(chunks).toString('utf8')) });
    });
  });
}

function bodyParams(text: string): Record<string, string> {
  const t = text.trim();
  if (t === '') return {};
  if (!t.startsWith('{')) return Object.fromEntries(new URLSearchParams(t));
  try {
    const o: unknown = JSON.parse(t);
    if (typeof o !== 'object' || o === null) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    return out;
  } catch {
    return {};
  }
}

function playOptions(p: Record<string, string>): PlayOptions {
  const o: PlayOptions = { user: p.user, player: p.player, title: p.title, type: p.type };
  if (p.durationMs !== undefined && Number.isFinite(Number(p.durationMs))) o.durationMs = Number(p.durationMs);
  return o;
}

/** Applies fn to the given sessionKey, or to every listed session without one. */
function each(api: ControlApi, p: Record<string, string>, fn: (key: string) => boolean): ControlReply {
  if (p.sessionKey !== undefined) {
    return fn(p.sessionKey) ? { status: 200, data: { sessionKeys: [p.sessionKey] } } : { status: 404, data: { error: `no session ${p.sessionKey}` } };
  }
  return { status: 200, data: { sessionKeys: api.playbackKeys().filter(fn) } };
}

/** Runs one control route; name is the path after /__sim/. */
export function control(api: ControlApi, method: string, name: string, p: Record<string, string>): ControlReply {
  if (method !== 'POST') return { status: 405, data: { error: 'POST only' } };
  switch (name) {
    case 'play':
      return { status: 200, data: { sessionKey: api.play(playOptions(p)) } };
    case 'pause':
      return each(api, p, (k) => api.pause(k));
    case 'resume':
      return each(api, p, (k) => api.resume(k));
    case 'stop':
      return each(api, p, (k) => api.stopPlayback(k));
    case 'linger':
      return each(api, p, (k) => api.linger(k));
    case 'buffer':
      return { status: 200, data: { sessionKey: api.buffer(p.sessionKey) } };
    case 'phantom': {
      const ms = Number(p.ms ?? 5000);
      if (!Number.isFinite(ms) || ms < 0) return { status: 400, data: { error: 'ms must be a number >= 0' } };
      return { status: 200, data: { sessionKey: api.phantom(ms, playOptions(p)) } };
    }
    case 'silence':
      api.silence(!['0', 'false', 'off'].includes(p.on ?? '1'));
      return { status: 200, data: {} };
    case 'restart':
      api.restart();
      return { status: 200, data: {} };
    case 'media':
      return { status: 200, data: { uuids: api.addMedia({ title: p.title }).map((a) => a.uuid) } };
    case 'fault': {
      const parsed = parseFault(p);
      if (typeof parsed === 'string') return { status: 400, data: { error: parsed } };
      api.setFault(parsed.route, parsed.fault);
      return { status: 200, data: { route: parsed.route, kind: parsed.fault?.kind ?? 'none' } };
    }
    default:
      return { status: 404, data: { error: `unknown control ${name}` } };
  }
}
