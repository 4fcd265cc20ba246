// The server's notification stream (server-sent events), kept open: named events, a watchdog
// for a silent (half-open) connection, capped and jittered reconnects, one report per outage.
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { ButlerError } from '../common/errors';
import type { ServerHttp, StreamAnswer } from '../butler/transport';
import { isObject } from '../common/json';
import { abortFor } from '../common/abort';
import { backoffWait } from '../common/backoff';
import { describeHtmlPage } from '../common/html';
import { ActivityEvent, toActivityEvents } from './activity';
import { PlayerState, toOffset, toPlayerState } from './sessions';

export type NotificationKind = 'activity' | 'playing';
export type StreamState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** One PlaySessionStateNotification: a player said where it is. */
export interface PlayingNotification {
  sessionKey: string;
  state: PlayerState;
  viewOffset: number;
  ratingKey: string;
  clientIdentifier: string;
}

export interface StreamTiming {
  /** How long to wait for the stream's answer (its headers), ms; never longer than `silenceMs`. */
  connectTimeout: number;
  /**
   * No byte at all (headers, pings, a page's body) for this long, counted from the moment the
   * request is sent, ends the attempt: a dead connection, ms. Default 45000.
   */
  silenceMs: number;
  /** First and longest step between reconnects, ms; each wait is half a step to a whole one. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Largest single event accepted, bytes. Default 256 KiB. */
  maxEventBytes: number;
}

export interface StreamEvents {
  activity: [ActivityEvent];
  playing: [PlayingNotification];
  state: [StreamState, number | undefined];
  /**
   * A lost (or refused) connection, once per outage and cause: a new error code during the same
   * outage is a new report, the same code again is not; after the stream was back, any is.
   */
  problem: [ButlerError];
}

const DEFAULT_TIMING: StreamTiming = { connectTimeout: 10000, silenceMs: 45000, minBackoffMs: 1000, maxBackoffMs: 60000, maxEventBytes: 256 * 1024 };
const EVENT_END = /\r?\n\r?\n/;

/** Splits one event block into its name and data (the SSE field rules). */
function parseEventBlock(block: string): { event: string; data: string } {
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
  return { event, data: data.join('\n') };
}

function toPlaying(raw: unknown): PlayingNotification | undefined {
  if (!isObject(raw) || (typeof raw.sessionKey !== 'string' && typeof raw.sessionKey !== 'number')) return undefined;
  return {
    sessionKey: String(raw.sessionKey),
    state: toPlayerState(raw.state),
    viewOffset: toOffset(raw.viewOffset),
    ratingKey: String(raw.ratingKey ?? ''),
    clientIdentifier: String(raw.clientIdentifier ?? ''),
  };
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/**
 * What one event carries, in the bare SSE shape (`{"PlaySessionStateNotification":{…}}`) or the
 * wrapped websocket shape (`{"NotificationContainer":{…,"PlaySessionStateNotification":[…]}}`).
 */
export function readNotifications(event: string, data: string): { activity: ActivityEvent[]; playing: PlayingNotification[] } {
  const none = { activity: [], playing: [] };
  if (event !== 'activity' && event !== 'playing' && event !== 'message') return none;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return none;
  }
  const body = isObject(parsed) && isObject(parsed.NotificationContainer) ? parsed.NotificationContainer : parsed;
  if (!isObject(body)) return none;
  const activity = event === 'playing' ? [] : toActivityEvents('ActivityNotification' in body ? body.ActivityNotification : event === 'activity' ? body : undefined);
  const playing = event === 'activity' ? [] : asList(body.PlaySessionStateNotification).map(toPlaying).filter((p): p is PlayingNotification => p !== undefined);
  return { activity, playing };
}

/** A short description of a non-event answer: its HTML title, or its type. `heard` is told of every chunk. */
async function describeBody(answer: StreamAnswer, heard: () => void): Promise<string> {
  if (!/html/i.test(answer.contentType)) return answer.contentType ? `"${answer.contentType}"` : 'no content type';
  let head = '';
  for await (const chunk of answer.body as AsyncIterable<Buffer | string>) {
    heard();
    head += chunk.toString();
    if (head.length > 4096 || /<\/title>/i.test(head)) break;
  }
  answer.body.destroy();
  return describeHtmlPage(head);
}

/** What the stream needs of the HTTP stack: `ServerHttp` gives it, a test may give a fake. */
export type StreamTransport = Pick<ServerHttp, 'baseUrl' | 'openStream' | 'statusError' | 'transportFailure'>;

/** The timers the stream uses: the system's, or a test's fake clock. */
export interface StreamClock {
  set(run: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

const SYSTEM_CLOCK: StreamClock = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};

export class NotificationStream extends EventEmitter<StreamEvents> {
  state: StreamState = 'connecting';
  private readonly timing: StreamTiming;
  private readonly route: string;
  private attempt: AbortController | undefined;
  private body: Readable | undefined;
  private retryTimer: unknown;
  private silenceTimer: unknown;
  private failures = 0;
  /** The reported cause of the outage under way; cleared once events flow again. */
  private cause: ButlerError | undefined;
  private closed = false;

  constructor(
    private readonly http: StreamTransport,
    readonly kinds: readonly NotificationKind[],
    timing: Partial<StreamTiming> = {},
    private readonly clock: StreamClock = SYSTEM_CLOCK,
  ) {
    super();
    this.timing = { ...DEFAULT_TIMING, ...timing };
    this.route = `/:/eventsource/notifications?filters=${kinds.join(',')}`;
  }

  /** The cause of the outage under way (reported already), or undefined while the stream is healthy. */
  get outage(): ButlerError | undefined {
    return this.cause;
  }

  start(): void {
    if (this.closed || this.attempt || this.retryTimer) return;
    void this.connect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.clear(this.retryTimer);
    this.retryTimer = undefined;
    this.endAttempt();
    this.setState('closed');
    this.removeAllListeners();
  }

  private setState(state: StreamState, retryMs?: number): void {
    this.state = state;
    this.emit('state', state, retryMs);
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    const ctrl = new AbortController();
    this.attempt = ctrl;
    // One watchdog from the moment the request is sent, re-armed by every byte (headers included).
    const answerMs = Math.min(this.timing.connectTimeout, this.timing.silenceMs);
    this.watchSilence(ctrl, answerMs, () => new ButlerError('TIMEOUT', `No answer from the Plex event stream at ${this.http.baseUrl} within ${answerMs} ms`));
    let answer: StreamAnswer;
    try {
      answer = await this.http.openStream(this.route, ctrl.signal);
    } catch (err) {
      this.fail(ctrl, err instanceof ButlerError ? err : new ButlerError('UNREACHABLE', `Plex event stream at ${this.http.baseUrl} failed`));
      return;
    }
    if (this.attempt !== ctrl) {
      answer.body.destroy();
      return;
    }
    this.body = answer.body;
    this.watchSilence(ctrl, this.timing.silenceMs, () => this.silent());
    const refusal = await this.refusal(answer, ctrl);
    if (refusal) return this.fail(ctrl, refusal);
    if (this.attempt !== ctrl) return;
    this.setState('connected');
    this.listen(answer.body, ctrl);
  }

  /** Why an answer is not an event stream, or undefined when it is one. */
  private async refusal(answer: StreamAnswer, ctrl: AbortController): Promise<ButlerError | undefined> {
    if (answer.status !== 200) {
      answer.body.destroy();
      const known = this.http.statusError(answer.status);
      return known ?? new ButlerError('BAD_RESPONSE', `No Plex event stream at ${this.http.baseUrl} (${answer.status})`, { statusCode: answer.status });
    }
    if (/^text\/event-stream/i.test(answer.contentType)) return undefined;
    const notEvents = (what: string): ButlerError =>
      new ButlerError('BAD_RESPONSE', `${this.http.baseUrl} answered the event stream with ${what}, not events: check the URL (a proxy login page?)`, { statusCode: 200 });
    // A page that stalls half-way is ended by the watchdog, like any other silence.
    const stalled = (): ButlerError => notEvents(`an HTML page that stopped for ${this.timing.silenceMs} ms`);
    const what = await describeBody(answer, () => this.watchSilence(ctrl, this.timing.silenceMs, stalled)).catch(() => 'an unreadable answer');
    return notEvents(what);
  }

  private silent(): ButlerError {
    const ms = this.timing.silenceMs;
    return new ButlerError('UNREACHABLE', `Plex event stream at ${this.http.baseUrl} sent nothing for ${Math.round(ms / 1000)} s: the connection is presumed dead`);
  }

  private listen(body: Readable, ctrl: AbortController): void {
    body.setEncoding('utf8');
    let pending = '';
    body.on('data', (chunk: string) => {
      if (this.attempt !== ctrl) return;
      // Restored only once bytes flow: a server that accepts and then says nothing is still out.
      this.failures = 0;
      this.cause = undefined;
      this.watchSilence(ctrl, this.timing.silenceMs, () => this.silent());
      const blocks = (pending + chunk).split(EVENT_END);
      pending = blocks.pop() ?? '';
      if (pending.length > this.timing.maxEventBytes || blocks.some((b) => b.length > this.timing.maxEventBytes)) {
        this.fail(ctrl, new ButlerError('BAD_RESPONSE', `Plex event stream sent an event over ${this.timing.maxEventBytes} bytes`));
        return;
      }
      for (const block of blocks) this.dispatch(block);
    });
    body.on('error', (err: unknown) => this.fail(ctrl, err instanceof ButlerError ? err : this.http.transportFailure(err).error));
    body.on('close', () => this.fail(ctrl, new ButlerError('UNREACHABLE', `Plex event stream at ${this.http.baseUrl} closed`)));
  }

  private dispatch(block: string): void {
    const { event, data } = parseEventBlock(block);
    if (data === '') return;
    const found = readNotifications(event, data);
    for (const a of found.activity) this.emit('activity', a);
    for (const p of found.playing) this.emit('playing', p);
  }

  /** (Re)arms the watchdog of the current attempt: no byte for `ms` ends it with `error()`. */
  private watchSilence(ctrl: AbortController, ms: number, error: () => ButlerError): void {
    if (this.attempt !== ctrl) return;
    this.clock.clear(this.silenceTimer);
    this.silenceTimer = this.clock.set(() => this.fail(ctrl, error()), ms);
  }

  private endAttempt(): void {
    const { attempt, body } = this;
    // Cleared first: aborting makes the body emit errors synchronously, which must find no attempt.
    this.attempt = undefined;
    this.body = undefined;
    this.clock.clear(this.silenceTimer);
    this.silenceTimer = undefined;
    if (attempt) abortFor(attempt, 'attempt-ended');
    body?.destroy();
  }

  /**
   * Ends the current attempt (once), reports a failure whose cause (code) differs from the one
   * reported for this outage, and plans the next try.
   */
  private fail(ctrl: AbortController, err: ButlerError): void {
    if (this.closed || this.attempt !== ctrl) return;
    this.endAttempt();
    if (this.cause?.code !== err.code) {
      this.cause = err;
      this.emit('problem', err);
      if (this.closed) return;
    }
    const wait = backoffWait({ firstMs: this.timing.minBackoffMs, maxMs: this.timing.maxBackoffMs, low: 0.5, high: 1 }, this.failures);
    this.failures++;
    this.setState('reconnecting', wait);
    this.retryTimer = this.clock.set(() => void this.connect(), wait);
  }
}
