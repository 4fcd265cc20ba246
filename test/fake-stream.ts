// A fake clock and a fake transport for model-based tests of the notification stream: the test
// decides when time passes and what the "server" does with each attempt; nothing touches a socket.
import { PassThrough } from 'node:stream';
import { ButlerError, ButlerErrorCode } from '../lib/common/errors';
import { ServerHttp } from '../lib/butler/transport';
import type { StreamAnswer } from '../lib/butler/transport';
import type { StreamClock, StreamTransport } from '../lib/events/stream';

interface FakeTimer {
  at: number;
  run: () => void;
}

/** Lets stream events, promise callbacks and `for await` loops run to rest. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Timers that fire only when the test moves time on, each at its exact time. */
export class FakeClock implements StreamClock {
  now = 0;
  private next = 1;
  private readonly timers = new Map<number, FakeTimer>();

  set(run: () => void, ms: number): number {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, run });
    return id;
  }

  clear(timer: unknown): void {
    if (typeof timer === 'number') this.timers.delete(timer);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, firing each timer due on the way at its time; `check` runs after each. */
  async advance(ms: number, check: () => void = () => undefined): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].run();
      await settle();
      check();
    }
    this.now = end;
    check();
  }
}

/** How the fake server answered an attempt. */
export type FakeAnswer = 'events' | 'page' | 'stalled-page' | 401 | 500;

/** One request of the stream, as the fake server sees it. */
export interface FakeAttempt {
  signal: AbortSignal;
  /** When the request was sent, and when the last byte of it came. */
  sentAt: number;
  lastByteAt: number;
  answer?: FakeAnswer;
  body?: PassThrough;
  /** Event bytes reached the stream on it (the outage is over). */
  gotEvents: boolean;
  /** The cause the server gave for the end (reset, close, an error answer), if it gave one. */
  serverCause?: ButlerErrorCode;
  /** When it ended (aborted by the stream), and whether that was the stream being stopped. */
  endedAt?: number;
  endedByStop: boolean;
  failed: boolean;
  resolve?: (answer: StreamAnswer) => void;
  fail?: (err: ButlerError) => void;
}

const PAGE = '<!DOCTYPE html><html><head><title>Proxy login</title></head><body>Sign in</body></html>';

/** The stream's transport: each openStream is an attempt the test answers with the methods below. */
export class FakeTransport implements StreamTransport {
  readonly baseUrl = 'http://127.0.0.1:9';
  readonly attempts: FakeAttempt[] = [];
  /** Set once the test stops the stream: attempts that end from now on end by the stop. */
  stopping = false;
  private readonly http = new ServerHttp({ url: this.baseUrl, token: 'fake-token', maxSockets: 1, maxBodyBytes: 1024 });

  constructor(private readonly clock: FakeClock) {}

  openStream(_route: string, signal: AbortSignal): Promise<StreamAnswer> {
    return new Promise((resolve, reject) => {
      const now = this.clock.now;
      const attempt: FakeAttempt = { signal, sentAt: now, lastByteAt: now, gotEvents: false, endedByStop: false, failed: false };
      attempt.fail = (err) => {
        attempt.failed = true;
        reject(err);
      };
      this.attempts.push(attempt);
      signal.addEventListener('abort', () => {
        attempt.endedAt = this.clock.now;
        attempt.endedByStop = this.stopping;
        if (!attempt.answer) attempt.fail?.(new ButlerError('ABORTED', 'canceled'));
      });
      attempt.resolve = resolve;
    });
  }

  statusError(...args: Parameters<ServerHttp['statusError']>): ButlerError | undefined {
    return this.http.statusError(...args);
  }

  transportFailure(err: unknown): ReturnType<ServerHttp['transportFailure']> {
    return this.http.transportFailure(err);
  }

  /** The attempt under way: sent, not ended by either side. */
  get current(): FakeAttempt | undefined {
    const last = this.attempts.at(-1);
    return last && this.isOpen(last) ? last : undefined;
  }

  isOpen(a: FakeAttempt): boolean {
    return !a.signal.aborted && !a.failed && !(a.body?.destroyed ?? false);
  }

  get openCount(): number {
    return this.attempts.filter((a) => this.isOpen(a)).length;
  }

  /** Answers the current attempt, if it waits for an answer. */
  answer(how: FakeAnswer): void {
    const a = this.current;
    if (!a || a.answer) return;
    a.answer = how;
    a.lastByteAt = this.clock.now;
    const body = new PassThrough();
    a.body = body;
    if (how === 401 || how === 500) {
      a.serverCause = how === 401 ? 'UNAUTHORIZED' : 'SERVER_ERROR';
      body.end(PAGE);
    } else if (how === 'page') {
      a.serverCause = 'BAD_RESPONSE';
      body.end(PAGE);
    } else if (how === 'stalled-page') {
      body.write(PAGE.slice(0, 40));
    }
    const type = how === 'events' ? 'text/event-stream' : 'text/html';
    a.resolve?.({ status: typeof how === 'number' ? how : 200, contentType: type, body });
  }

  /** Sends event bytes (a ping, or an activity notification) on an answered event stream. */
  send(text: string): boolean {
    const a = this.current;
    if (!a?.body || a.answer !== 'events') return false;
    a.gotEvents = true;
    a.lastByteAt = this.clock.now;
    a.body.write(text);
    return true;
  }

  /** The connection is reset (before or after the answer) or, with `clean`, closed by the server. */
  drop(clean: boolean): void {
    const a = this.current;
    if (!a) return;
    // A page cut short is still a page, not events.
    a.serverCause = a.answer === 'stalled-page' ? 'BAD_RESPONSE' : 'UNREACHABLE';
    const err = Object.assign(new Error(clean ? 'socket hang up' : 'read ECONNRESET'), { code: 'ECONNRESET' });
    if (!a.answer) a.fail?.(this.transportFailure(err).error);
    else if (clean) a.body?.end();
    else a.body?.destroy(err);
  }

  /** The code the stream must give for the end of `a`, when it ended by a fault. */
  static causeOf(a: FakeAttempt): ButlerErrorCode {
    if (a.serverCause) return a.serverCause;
    if (!a.answer) return 'TIMEOUT';
    return a.answer === 'stalled-page' ? 'BAD_RESPONSE' : 'UNREACHABLE';
  }

  close(): void {
    this.http.destroy();
  }
}
