// Identical calls in flight at the same time share one run of the work.
import { ButlerError } from '../common/errors';

/** Why a shared run's controller was aborted: every caller left. */
const ALL_CALLERS_LEFT = 'cancelled';

interface Flight<T> {
  promise: Promise<T>;
  ctrl: AbortController;
  deadline: number;
  callers: number;
}

export interface JoinOptions {
  /** Ends this caller's wait (not the shared run, unless it was the last caller) with ABORTED. */
  signal?: AbortSignal;
  /** This caller's own deadline; a caller who must stop before the run's gets its own TIMEOUT. */
  deadline: number;
  /** The error for a caller whose deadline passes first. */
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

/**
 * Shares one run per key among the callers that arrive while it runs. Each caller may stop
 * waiting on its own; when the last one has gone, the run's controller is aborted (reason
 * ALL_CALLERS_LEFT) and the key is free again, so later callers start afresh instead of joining a
 * cancelled run. The work gets the controller to abort for reasons of its own (a deadline, a close).
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();
  private readonly aborts = new AbortWaits();

  /** Runs `work` for `key`, or joins the run already under way. */
  run(key: string, options: JoinOptions, work: (ctrl: AbortController, deadline: number) => Promise<T>): Promise<T> {
    const flight = this.flights.get(key) ?? this.start(key, options.deadline, work);
    flight.callers++;
    const early = options.deadline < flight.deadline;
    if (!options.signal && !early) return flight.promise;
    return this.wait(key, flight, options, early);
  }

  /** Runs in flight now. */
  get size(): number {
    return this.flights.size;
  }

  private start(key: string, deadline: number, work: (ctrl: AbortController, deadline: number) => Promise<T>): Flight<T> {
    const ctrl = new AbortController();
    const flight: Flight<T> = { promise: work(ctrl, deadline), ctrl, deadline, callers: 0 };
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
    if (!flight.ctrl.signal.aborted) flight.ctrl.abort(ALL_CALLERS_LEFT);
  }

  /** One caller's wait, ended early by its signal or its own deadline. */
  private wait(key: string, flight: Flight<T>, options: JoinOptions, early: boolean): Promise<T> {
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
      const timer = early ? setTimeout(() => stop(options.timeout()), Math.max(0, options.deadline - Date.now())) : undefined;
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
