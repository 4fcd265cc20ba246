// A fake clock for PlaybackWatch (its Clock interface): time moves only when a test says so, and
// every timer it holds can be counted.
import type { Clock } from '../lib/events/playback';

interface Pending {
  at: number;
  seq: number;
  run: () => void;
}

/** Lets every promise callback queued so far run (the reads' then/catch/finally chains). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.time + Math.max(0, ms), seq: id, run });
    return id;
  }

  clearTimeout(timer: unknown): void {
    this.pending.delete(timer as number);
  }

  /** Timers armed and not yet run or cleared. */
  get timers(): number {
    return this.pending.size;
  }

  /** Moves time on by ms, running each timer at its time (in order) and the promise work it starts. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flush();
    for (;;) {
      const next = [...this.pending.values()].filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending.delete(next.seq);
      this.time = next.at;
      next.run();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

/** A view of a clock that counts only the timers armed through it (one owner's timers). */
export class CountingClock implements Clock {
  private readonly own = new Set<unknown>();

  constructor(private readonly base: FakeClock) {}

  now(): number {
    return this.base.now();
  }

  setTimeout(run: () => void, ms: number): unknown {
    const timer = this.base.setTimeout(() => {
      this.own.delete(timer);
      run();
    }, ms);
    this.own.add(timer);
    return timer;
  }

  clearTimeout(timer: unknown): void {
    this.own.delete(timer);
    this.base.clearTimeout(timer);
  }

  get timers(): number {
    return this.own.size;
  }
}
