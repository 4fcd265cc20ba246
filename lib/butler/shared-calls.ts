// Identical calls in flight at the same time share one run of the work.
import { ButlerError } from '../common/errors';
import { abortFor } from '../common/abort';

export interface JoinOptions {
  /** Ends this caller's wait (not the shared run, unless it was the last caller) with ABORTED. */
  signal?: AbortSignal;
  /** This caller's own deadline: past it the caller stops waiting (the run goes on for others). */
  deadline: number;
  /** The error for a caller whose deadline passes before the run noted a failure. */
  timeout: () => ButlerError;
}

/**
 * Abort listeners by signal: one listener on a signal however many waits it may end. A flow node's
 * one close signal can have a thousand msgs waiting on it, and every add or remove of a listener
 * walks the ones already there. The listener goes when the last wait on it does.
 */
class AbortWaits {
  private readonly bySignal = new Map<AbortSignal, { waits: Set<() => void>; fire: () => void }>();

  /** Calls `onAbort` when `signal` aborts, unless the function it returns was called first. */
  add(signal: AbortSignal, onAbort: () => void): () => void {
    let entry = this.bySignal.get(signal);
    if (!entry) {
      const waits = new Set<() => void>();
      const fire = (): void => {
        this.bySignal.delete(signal);
        for (const f of [...waits]) f();
      };
      entry = { waits, fire };
      this.bySignal.set(signal, entry);
      signal.addEventListener('abort', fire, { once: true });
    }
    const { waits, fire } = entry;
    waits.add(onAbort);
    return () => {
      if (!waits.delete(onAbort) || waits.size > 0 || this.bySignal.get(signal)?.waits !== waits) return;
      this.bySignal.delete(signal);
      signal.removeEventListener('abort', fire);
    };
  }
}

/** What the work of a shared run gets: the run's controller, its deadline and where to note a failure. */
export interface Run {
  readonly ctrl: AbortController;
  /** The deadline of the caller that started the run; retries that would end past it are not begun. */
  readonly deadline: number;
  /** A failure the run tries past: a caller whose deadline comes first gets it instead of TIMEOUT. */
  failed(error: ButlerError): void;
}

class SharedRun implements Run {
  lastFailure?: ButlerError;
  readonly ctrl = new AbortController();

  constructor(readonly deadline: number) {}

  failed(error: ButlerError): void {
    this.lastFailure = error;
  }
}

interface Flight<T> {
  run: SharedRun;
  promise: Promise<T>;
  callers: number;
}

/**
 * Shares one run per key among the callers that arrive while it runs, and holds each caller's
 * deadline: the one place a call's time runs out. Each caller stops waiting on its own (its signal,
 * its deadline); when the last one has gone, the run's controller is aborted ('all-callers-left')
 * and the key is free again, so later callers start afresh instead of joining a cancelled run. The
 * work gets the controller to abort for reasons of its own (a close).
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();
  private readonly aborts = new AbortWaits();

  /** Runs `work` for `key`, or joins the run already under way, and waits for it within this caller's deadline. */
  join(key: string, options: JoinOptions, work: (run: Run) => Promise<T>): Promise<T> {
    const flight = this.flights.get(key) ?? this.start(key, options.deadline, work);
    flight.callers++;
    return this.wait(key, flight, options);
  }

  /** Runs in flight now. */
  get size(): number {
    return this.flights.size;
  }

  private start(key: string, deadline: number, work: (run: Run) => Promise<T>): Flight<T> {
    const run = new SharedRun(deadline);
    const flight: Flight<T> = { run, promise: work(run), callers: 0 };
    const forget = (): void => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.promise.then(forget, forget);
    this.flights.set(key, flight);
    return flight;
  }

  private leave(key: string, flight: Flight<T>): void {
    if (--flight.callers > 0) return;
    if (this.flights.get(key) === flight) this.flights.delete(key);
    if (!flight.run.ctrl.signal.aborted) abortFor(flight.run.ctrl, 'all-callers-left');
  }

  /** One caller's wait, ended early by its signal or its deadline (then with the run's last failure, or TIMEOUT). */
  private wait(key: string, flight: Flight<T>, options: JoinOptions): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) {
      this.leave(key, flight);
      return Promise.reject(new ButlerError('ABORTED', 'Request cancelled'));
    }
    return new Promise<T>((resolve, reject) => {
      const stop = (err: ButlerError): void => {
        cleanup();
        this.leave(key, flight);
        reject(err);
      };
      const onAbort = (): void => stop(new ButlerError('ABORTED', 'Request cancelled: the node was closed'));
      const timer = setTimeout(() => stop(flight.run.lastFailure ?? options.timeout()), Math.max(0, options.deadline - Date.now()));
      const forget = signal ? this.aborts.add(signal, onAbort) : undefined;
      const cleanup = (): void => {
        forget?.();
        clearTimeout(timer);
      };
      flight.promise.then(
        (value) => {
          cleanup();
          resolve(value);
        },
        (err: unknown) => {
          cleanup();
          reject(err);
        },
      );
    });
  }
}
