// Whether anyone watches: "busy" from the first confirmed playback, "idle" only after a grace
// period without any. Fed by playing notifications, confirmed by reads of /status/sessions.
//
// Never stuck: after every read, a read is planned whenever the state may be wrong: while busy
// (a re-read every busyPollMs, or the read that ends the grace period) and after a failed read
// (retried after minReadGapMs, doubling up to busyPollMs). Only "idle" after a successful read
// waits for a notification (or reset() after a reconnect).
import { EventEmitter } from 'node:events';
import { ButlerError } from '../common/errors';
import { backoffStep } from '../common/backoff';
import { abortFor } from '../common/abort';
import type { PlayingNotification, StreamState } from './stream';
import type { PlaybackSession } from './sessions';
import { judgeSessions, SessionTraces, WatchCounts } from './watching';

export type WatchState = 'busy' | 'idle';

export interface PlaybackSnapshot extends WatchCounts {
  state: WatchState;
  /** When the state last changed (ISO time). */
  since: string;
}

export interface PlaybackOptions {
  /** Sessions must be 0 on two reads this far apart before "idle", ms. */
  idleGraceMs: number;
  /** A paused session counts as watching. */
  countPaused: boolean;
  /** Reads of the sessions at most this often, ms; also the first retry after a failed read. Default 1000. */
  minReadGapMs?: number;
  /** While busy, read at least this often, ms; also the longest wait between retries. Default 60000. */
  busyPollMs?: number;
  /** A session silent and unmoving this long is a client that quit without a stop, ms. Default 300000. */
  lingerMs?: number;
}

/** Time and timers, replaceable by a fake clock in tests. */
export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

interface PlaybackEvents {
  change: [PlaybackSnapshot, boolean];
  /** A failed read, once until a read succeeds again, unless the stream is lost then. */
  problem: [ButlerError];
}

/** Reads the sessions; the signal is aborted when the watch is closed. */
export type SessionReader = (signal: AbortSignal) => Promise<PlaybackSession[]>;

export const PLAYBACK_DEFAULTS = { minReadGapMs: 1000, busyPollMs: 60000, lingerMs: 300000 } as const;

export class PlaybackWatch extends EventEmitter<PlaybackEvents> {
  /** What the stream and the reads saw of each session (shared with Only when idle). */
  readonly traces = new SessionTraces();
  private readonly options: Required<PlaybackOptions>;
  private readonly closing = new AbortController();
  private snapshot: PlaybackSnapshot | undefined;
  private reading: Promise<PlaybackSnapshot> | undefined;
  private readAgain = false;
  private lastReadAt = -Infinity;
  /** Failed reads in a row. */
  private failures = 0;
  /** Start of the first read of the current run of empty reads while busy. */
  private emptySince: number | undefined;
  private timer: unknown;
  private timerAt = Infinity;
  /** Whether the notification stream is up, as streamState() last said (up until told otherwise). */
  private up = true;

  constructor(
    private readonly readSessions: SessionReader,
    options: PlaybackOptions,
    private readonly clock: Clock = systemClock,
  ) {
    super();
    this.options = { ...PLAYBACK_DEFAULTS, ...options };
  }

  /** The state as last known, if any. */
  get current(): PlaybackSnapshot | undefined {
    return this.snapshot;
  }

  private get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** A playing notification: remember it; a start, pause or stop is confirmed by a read. */
  notify(note: PlayingNotification): void {
    if (this.closed) return;
    this.traces.noted(note.sessionKey, note.viewOffset, this.clock.now());
    // Buffering alone does not start a session; unknown states say nothing either.
    if (note.state === 'playing' || note.state === 'paused' || note.state === 'stopped') this.scheduleRead();
  }

  /** After a reconnect (or a server restart) nothing remembered holds: read again at once. */
  reset(): void {
    if (this.closed) return;
    this.traces.clear();
    this.scheduleRead();
  }

  /** Whether the notification stream is up; while it is not, failed reads are not reported. */
  get streamUp(): boolean {
    return this.up;
  }

  /**
   * The notification stream's state. Lost (connecting again after a loss counts as lost): a failed
   * read says nothing new, the lost stream was reported already. Back after an outage: sessionKeys
   * may have been reset (PMS restarted), so nothing remembered holds: read afresh.
   */
  streamState(state: StreamState): void {
    const wasUp = this.up;
    this.up = state === 'connected' || (wasUp && state === 'connecting');
    if (state === 'connected' && !wasUp) this.reset();
  }

  /** Reads now (joining a read under way) and answers with the resulting state. */
  async refresh(): Promise<PlaybackSnapshot> {
    return this.read();
  }

  /** Stops for good: no timer left, the read under way is aborted, nothing more is emitted. */
  close(): void {
    abortFor(this.closing, 'closed');
    this.clearTimer();
    this.removeAllListeners();
  }

  /** A read as soon as the read limit allows, joining one under way. */
  private scheduleRead(): void {
    if (this.reading) this.readAgain = true;
    else this.readAt(this.clock.now());
  }

  /** Arms the one read timer for `at` (or the read limit), unless one is armed sooner. */
  private readAt(at: number): void {
    if (this.closed) return;
    const when = Math.max(at, this.lastReadAt + this.options.minReadGapMs);
    if (when >= this.timerAt) return;
    this.clearTimer();
    this.timerAt = when;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      // A refresh() may have read meanwhile: keep to the read limit.
      const due = this.lastReadAt + this.options.minReadGapMs;
      if (this.clock.now() < due && !this.reading) this.readAt(due);
      else this.read().catch(() => undefined);
    }, Math.max(0, when - this.clock.now()));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private read(): Promise<PlaybackSnapshot> {
    if (this.reading) return this.reading;
    if (this.closed) return Promise.reject(new ButlerError('ABORTED', 'The playback node was closed'));
    const startedAt = this.clock.now();
    this.lastReadAt = startedAt;
    const reading = this.readSessions(this.closing.signal)
      .then((sessions) => this.judge(sessions, startedAt))
      .catch((err: unknown) => {
        this.failures += 1;
        this.reportOnce(err);
        throw err;
      })
      .finally(() => {
        this.reading = undefined;
        this.planNext();
      });
    this.reading = reading;
    return reading;
  }

  /** After every read: the read a notification asked for meanwhile, and the read that keeps the state true. */
  private planNext(): void {
    if (this.closed) return;
    if (this.readAgain) {
      this.readAgain = false;
      this.readAt(this.clock.now());
    }
    const { minReadGapMs, busyPollMs, idleGraceMs } = this.options;
    if (this.failures > 0) {
      const wait = backoffStep({ firstMs: Math.max(1, minReadGapMs), maxMs: busyPollMs, low: 1, high: 1 }, this.failures - 1);
      this.readAt(this.clock.now() + wait);
    } else if (this.snapshot?.state === 'busy') {
      this.readAt(this.emptySince === undefined ? this.lastReadAt + busyPollMs : this.emptySince + idleGraceMs);
    }
  }

  private reportOnce(err: unknown): void {
    if (this.closed || this.failures > 1 || !this.up) return;
    this.emit('problem', err instanceof ButlerError ? err : new ButlerError('INTERNAL', String(err)));
  }

  /** Counts the sessions of one read (started at `startedAt`) and moves the state on. */
  private judge(sessions: PlaybackSession[], startedAt: number): PlaybackSnapshot {
    if (this.closed) throw new ButlerError('ABORTED', 'The playback node was closed');
    this.failures = 0;
    const now = this.clock.now();
    this.traces.read(sessions, now);
    const counts = judgeSessions(sessions, this.traces, this.options, now);
    const before = this.snapshot;
    if (counts.sessions > 0) {
      this.emptySince = undefined;
      this.set('busy', counts, before);
    } else if (!before || before.state === 'idle' || this.options.idleGraceMs <= 0) {
      this.set('idle', counts, before);
    } else {
      // Busy, nobody now: idle once two empty reads lie the grace period apart.
      this.emptySince ??= startedAt;
      if (startedAt - this.emptySince >= this.options.idleGraceMs) this.set('idle', counts, before);
      else this.snapshot = { ...before, ...counts };
    }
    return this.snapshot as PlaybackSnapshot;
  }

  private set(state: WatchState, counts: WatchCounts, before: PlaybackSnapshot | undefined): void {
    const changed = before?.state !== state;
    const since = changed || !before ? new Date(this.clock.now()).toISOString() : before.since;
    this.snapshot = { state, sessions: counts.sessions, playing: counts.playing, paused: counts.paused, since };
    if (state === 'idle') this.emptySince = undefined;
    if (changed) this.emit('change', this.snapshot, before === undefined);
  }
}
