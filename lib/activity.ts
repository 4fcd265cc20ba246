import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { ButlerError } from './errors';
import { normaliseUrl } from './validate';
import { networkError, PRODUCT, VERSION } from './net';
import { isObject } from './parse';

/** One activity notification, flattened. */
export interface ActivityEvent {
  event: 'started' | 'updated' | 'ended';
  uuid: string;
  type: string;
  title: string;
  subtitle: string;
  progress: number;
}

export type StreamState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface StreamOptions {
  url: string;
  token: string;
  verifyTls?: boolean;
  clientId?: string;
  /** How long to wait for the stream's answer, ms. Default 10000. */
  timeout?: number;
  /** First and longest wait between reconnects, ms. Defaults 1000 and 60000. */
  minBackoff?: number;
  maxBackoff?: number;
}

const EVENTS = new Set(['started', 'updated', 'ended']);

// Activity types and titles of Butler work. PMS does not document the type strings, so this
// matches both the types seen for maintenance and the task wording in titles.
const MAINTENANCE_TYPE = /^(butler|media\.(generate|analy[sz]e|bif|thumbnails?|intros?|credits?|markers?|loudness|voice)|library\.(update|refresh|scan)|database)/i;
const MAINTENANCE_TEXT = /butler|back(ing)? ?up|optimi[sz]|analy[sz]|thumbnail|marker|intro|credit|loudness|blur ?hash|index files|refresh|garbage|clean old|upgrade media|gracenote|auto ?tags|voice activity/i;

export function isMaintenance(e: ActivityEvent): boolean {
  return MAINTENANCE_TYPE.test(e.type) || MAINTENANCE_TEXT.test(e.title) || MAINTENANCE_TEXT.test(e.subtitle);
}


/** Reads the notifications out of one event's data, whichever wrapper the server used. */
export function parseActivityData(data: string): ActivityEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return [];
  }
  if (isObject(parsed) && isObject(parsed.NotificationContainer)) parsed = parsed.NotificationContainer;
  let notes: unknown = isObject(parsed) && 'ActivityNotification' in parsed ? parsed.ActivityNotification : parsed;
  if (!Array.isArray(notes)) notes = [notes];
  const out: ActivityEvent[] = [];
  for (const n of notes as unknown[]) {
    if (!isObject(n) || typeof n.event !== 'string' || !EVENTS.has(n.event)) continue;
    const a = isObject(n.Activity) ? n.Activity : {};
    const progress = Number(a.progress);
    out.push({
      event: n.event as ActivityEvent['event'],
      uuid: String(n.uuid ?? a.uuid ?? ''),
      type: String(a.type ?? ''),
      title: String(a.title ?? ''),
      subtitle: String(a.subtitle ?? ''),
      progress: Number.isFinite(progress) ? progress : -1,
    });
  }
  return out;
}

/**
 * The server's activity notifications as server-sent events, kept open: reconnects with capped
 * backoff when the stream drops. Emits 'activity' (ActivityEvent), 'state' (StreamState, retry ms)
 * and 'problem' (ButlerError).
 */
interface StreamEvents {
  activity: [ActivityEvent];
  state: [StreamState, number | undefined];
  problem: [ButlerError];
}

export class ActivityStream extends EventEmitter<StreamEvents> {
  private readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly agent: http.Agent;
  private readonly timeout: number;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private req: http.ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  state: StreamState = 'connecting';

  constructor(options: StreamOptions) {
    super();
    this.base = new URL(normaliseUrl(options.url));
    if (!options.token) throw new ButlerError('NOT_CONFIGURED', 'No Plex token is set');
    this.headers = {
      Accept: 'text/event-stream',
      'X-Plex-Token': options.token,
      'X-Plex-Client-Identifier': options.clientId ?? 'node-red-plex-butler-activity',
      'X-Plex-Product': PRODUCT,
      'X-Plex-Version': VERSION,
    };
    const secure = this.base.protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: false, rejectUnauthorized: options.verifyTls !== false }) : new http.Agent({ keepAlive: false });
    this.timeout = options.timeout ?? 10000;
    this.minBackoff = options.minBackoff ?? 1000;
    this.maxBackoff = options.maxBackoff ?? 60000;
  }

  start(): void {
    if (this.closed || this.req || this.timer) return;
    this.connect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.req?.destroy();
    this.req = undefined;
    this.agent.destroy();
    this.setState('closed');
    this.removeAllListeners();
  }

  private setState(state: StreamState, retryMs?: number): void {
    this.state = state;
    this.emit('state', state, retryMs);
  }

  private connect(): void {
    this.timer = undefined;
    const path = `${this.base.pathname.replace(/\/+$/, '')}/:/eventsource/notifications?filters=activity`;
    const lib = this.base.protocol === 'https:' ? https : http;
    const req = lib.request({ hostname: this.base.hostname, port: this.base.port, path, method: 'GET', headers: this.headers, agent: this.agent });
    this.req = req;
    const baseUrl = this.base.origin + this.base.pathname.replace(/\/+$/, '');
    const waiting = setTimeout(() => {
      this.fail(req, new ButlerError('TIMEOUT', `No answer from the Plex event stream at ${baseUrl} within ${this.timeout} ms`));
    }, this.timeout);
    req.on('response', (res) => {
      clearTimeout(waiting);
      if (res.statusCode !== 200) {
        res.resume();
        const status = res.statusCode ?? 0;
        const code = status === 401 || status === 403 ? 'UNAUTHORIZED' : status >= 500 ? 'SERVER_ERROR' : 'BAD_RESPONSE';
        this.fail(req, new ButlerError(code, `Plex event stream refused (${status})`, { statusCode: status }));
        return;
      }
      this.failures = 0;
      this.setState('connected');
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        if (buffer.length > 1024 * 1024) {
          this.fail(req, new ButlerError('BAD_RESPONSE', 'Plex event stream sent an oversized event'));
          return;
        }
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop() ?? '';
        for (const block of blocks) this.read(block);
      });
      res.on('close', () => this.fail(req, new ButlerError('UNREACHABLE', `Plex event stream at ${baseUrl} closed`)));
    });
    req.on('error', (err) => {
      clearTimeout(waiting);
      this.fail(req, networkError(err, baseUrl));
    });
    req.end();
  }

  private read(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0 || (event !== 'activity' && event !== 'message')) return;
    for (const a of parseActivityData(data.join('\n'))) this.emit('activity', a);
  }

  /** Ends the current attempt (once) and plans the next one. */
  private fail(req: http.ClientRequest, err: ButlerError): void {
    if (this.closed || this.req !== req) return;
    this.req = undefined;
    req.destroy();
    this.emit('problem', err);
    const step = Math.min(this.maxBackoff, this.minBackoff * 2 ** this.failures);
    this.failures++;
    const wait = Math.round(step / 2 + Math.random() * (step / 2));
    this.setState('reconnecting', wait);
    this.timer = setTimeout(() => this.connect(), wait);
  }
}
