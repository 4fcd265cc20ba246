// At most N calls on the wire at once per server; the rest wait in a bounded queue.
import { ButlerError } from '../common/errors';

interface Waiter {
  go: () => void;
  fail: (err: unknown) => void;
}

export class Slots {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly max: number,
    private readonly maxQueue: number,
  ) {}

  /** Resolves when a slot is free; an abort of `signal` leaves the queue with the signal's reason. */
  acquire(signal: AbortSignal): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(new ButlerError('QUEUE_FULL', `Too many Plex requests waiting (${this.maxQueue}): this message was refused`));
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        go: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Hands the slot to the next in the queue, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next.go();
    else this.active--;
  }

  /** Ends every wait in the queue with `err`. */
  rejectAll(err: unknown): void {
    for (const w of this.waiting.splice(0)) w.fail(err);
  }

  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}
