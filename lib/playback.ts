// Whether anyone watches: "busy" from the first confirmed playback, "idle" only after a grace
// period without any. Fed by playing notifications, confirmed by reads of /status/sessions.
import { EventEmitter } from 'node:events';
import { ButlerError } from './errors';
import type { PlayingNotification } from './notifications';
import type { PlaybackSession } from './sessions';

export type WatchState = 'busy' | 'idle';

export interface PlaybackSnapshot {
  state: WatchState;
  /** Sessions that count as watching. */
  sessions: number;
  playing: number;
  paused: number;
  /** When the state last changed (ISO time). */
  since: string;
}

export interface PlaybackOptions {
  /** Sessions must be 0 on two reads this far apart before "idle", ms. */
  idleGraceMs: number;
  /** A paused session counts as watching. */
  countPaused: boolean;
  /** Reads of the sessions at most this often, ms. Default 1000. */
  minReadGapMs?: number;
  /** While busy, read at least this often, ms. Default 60000. */
  busyPollMs?: number;
  /** A session silent and unmoving this long is a client that quit without a stop, ms. Default 300000. */
  lingerMs?: number;
}

interface PlaybackEvents {
  change: [PlaybackSnapshot, boolean];
  /** A failed read, once until a read succeeds again. */
  problem: [ButlerError];
}

/** What is remembered of one session between reads. */
interface Trace {
  lastNote: number;
  offset: number;
  movedAt: number;
}

export type SessionReader = () => Promise<PlaybackSession[]>;

export class PlaybackWatch extends EventEmitter<PlaybackEvents> {
  private readonly options: Required<PlaybackOptions>;
  private readonly traces = new Map<string, Trace>();
  private snapshot: PlaybackSnapshot | undefined;
  private reading: Promise<PlaybackSnapshot> | undefined;
  private readAgain = false;
  private lastReadAt = 0;
  private readTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private failed = false;
  private closed = false;

  constructor(
    private readonly readSessions: SessionReader,
    options: PlaybackOptions,
  ) {
    super();
    this.options = { minReadGapMs: 1000, busyPollMs: 60000, lingerMs: 300000, ...options };
  }

  /** The state as last known, if any. */
  get current(): PlaybackSnapshot | undefined {
    return this.snapshot;
  }

  /** A playing notification: remember it; a start, pause or stop is confirmed by a read. */
  notify(note: PlayingNotification): void {
    if (this.closed) return;
    this.trace(note.sessionKey, note.viewOffset, true);
    // Buffering alone does not start a session; unknown states say nothing either.
    if (note.state === 'playing' || note.state === 'paused' || note.state === 'stopped') this.scheduleRead();
  }

  /** After a reconnect (or a server restart) nothing remembered holds: read again at once. */
  reset(): void {
    this.traces.clear();
    this.scheduleRead();
  }

  /** Reads now (joining a read under way) and answers with the resulting state. */
  async refresh(): Promise<PlaybackSnapshot> {
    return this.read();
  }

  close(): void {
    this.closed = true;
    for (const t of [this.readTimer, this.graceTimer, this.pollTimer]) clearTimeout(t);
    this.removeAllListeners();
  }

  /** At most one read per minReadGapMs however many notifications arrive. */
  private scheduleRead(): void {
    if (this.closed || this.readTimer) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    const wait = Math.max(0, this.lastReadAt + this.options.minReadGapMs - Date.now());
    this.readTimer = setTimeout(() => {
      this.readTimer = undefined;
      this.read().catch(() => undefined);
    }, wait);
  }

  private read(): Promise<PlaybackSnapshot> {
    if (this.reading) return this.reading;
    this.lastReadAt = Date.now();
    const reading = this.readSessions()
      .then((sessions) => this.judge(sessions))
      .catch((err: unknown) => {
        this.reportOnce(err);
        throw err;
      })
      .finally(() => {
        this.reading = undefined;
        if (this.readAgain) {
          this.readAgain = false;
          this.scheduleRead();
        }
      });
    this.reading = reading;
    return reading;
  }

  private reportOnce(err: unknown): void {
    if (this.closed || this.failed) return;
    this.failed = true;
    this.emit('problem', err instanceof ButlerError ? err : new ButlerError('INTERNAL', String(err)));
  }

  /** Updates what is remembered of a session; returns whether it lingers (silent and unmoving). */
  private trace(key: string, offset: number, fromNote: boolean): boolean {
    const now = Date.now();
    const known = this.traces.get(key);
    const t: Trace = known ?? { lastNote: now, offset, movedAt: now };
    if (known && offset !== known.offset) {
      t.offset = offset;
      t.movedAt = now;
    }
    if (fromNote) t.lastNote = now;
    this.traces.set(key, t);
    const limit = this.options.lingerMs;
    return now - t.lastNote >= limit && now - t.movedAt >= limit;
  }

  /** Counts the sessions of one read and moves the state on. */
  private judge(sessions: PlaybackSession[]): PlaybackSnapshot {
    this.failed = false;
    const live = sessions.filter((s) => !this.trace(s.sessionKey, s.viewOffset, false));
    const keys = new Set(sessions.map((s) => s.sessionKey));
    for (const key of this.traces.keys()) if (!keys.has(key)) this.traces.delete(key);
    const paused = live.filter((s) => s.state === 'paused').length;
    const counted = this.options.countPaused ? live.length : live.length - paused;
    const counts = { sessions: counted, playing: live.length - paused, paused };
    this.advance(counts);
    return this.snapshot as PlaybackSnapshot;
  }

  private advance(counts: Omit<PlaybackSnapshot, 'state' | 'since'>): void {
    const before = this.snapshot;
    if (counts.sessions > 0) {
      clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
      this.pollWhileBusy();
      this.set('busy', counts, before);
    } else if (!before || before.state === 'idle' || this.options.idleGraceMs <= 0) {
      this.set('idle', counts, before);
    } else if (this.graceTimer) {
      // The second read of the grace period found nobody either.
      this.snapshot = { ...before, ...counts };
    } else {
      this.snapshot = { ...before, ...counts };
      this.graceTimer = setTimeout(() => this.endGrace(), this.options.idleGraceMs);
    }
  }

  private endGrace(): void {
    this.read()
      .then((snap) => {
        if (snap.sessions === 0 && this.snapshot?.state === 'busy') this.set('idle', snap, this.snapshot);
      })
      .catch(() => undefined)
      .finally(() => {
        this.graceTimer = undefined;
      });
  }

  private pollWhileBusy(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      if (this.snapshot?.state === 'busy') this.read().catch(() => undefined);
    }, this.options.busyPollMs);
  }

  private set(state: WatchState, counts: Omit<PlaybackSnapshot, 'state' | 'since'>, before: PlaybackSnapshot | undefined): void {
    const changed = before?.state !== state;
    const since = changed ? new Date().toISOString() : (before?.since ?? new Date().toISOString());
    this.snapshot = { state, sessions: counts.sessions, playing: counts.playing, paused: counts.paused, since };
    if (state === 'idle') clearTimeout(this.pollTimer);
    if (changed && !this.closed) this.emit('change', this.snapshot, before === undefined);
  }
}
