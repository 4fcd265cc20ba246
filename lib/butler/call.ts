// One call to the server, top to bottom, in reading order: join an identical call in flight (and
// wait for it within this caller's deadline), wait for a slot, try and retry when retry.ts says
// so, send on the wire (once more after a stale kept-alive socket, retry.ts again), and name the
// answer. The client (client.ts) says what each route means; this file says how any call goes.
import { setTimeout as sleep } from 'node:timers/promises';
import { isCancel } from 'axios';
import { ButlerError } from '../common/errors';
import { abortCause, abortFor } from '../common/abort';
import type { Answer, NotFoundMeaning, ServerHttp } from './transport';
import { Failure, resendOnNewSocket, retryDelay, RetryOptions } from './retry';
import { Run, SingleFlight } from './shared-calls';
import { Slots } from './slots';

/** One call as the client's methods describe it. */
export interface CallSpec {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  route: string;
  /** Reads are retried when the failure is likely to pass; writes never are. */
  retry: boolean;
  /** What a 404 means on this route. */
  notFound: NotFoundMeaning;
  /** The task the call is about: named on any error it ends with. */
  task?: string;
  signal?: AbortSignal;
  /** When the whole call must be over; default now + timeout. */
  deadline?: number;
}

export interface PipelineOptions {
  /** Whole-call budget in ms. */
  timeout: number;
  maxInFlight: number;
  maxQueue: number;
  retry: RetryOptions;
}

export class CallPipeline {
  private readonly flights = new SingleFlight<Answer>();
  private readonly slots: Slots;
  /** The controllers of the runs under way, for close(). */
  private readonly running = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly http: ServerHttp,
    private readonly options: PipelineOptions,
  ) {
    this.slots = new Slots(options.maxInFlight, options.maxQueue);
  }

  /** The call, shared with an identical one in flight, answered (or failed) within this caller's deadline. */
  call(spec: CallSpec): Promise<Answer> {
    if (this.closed) return Promise.reject(closedError());
    const deadline = spec.deadline ?? Date.now() + this.options.timeout;
    const caller = { signal: spec.signal, deadline, timeout: () => this.timeoutError() };
    const answer = this.flights.join(`${spec.method} ${spec.route}`, caller, (run) => this.run(spec, run));
    return spec.task === undefined ? answer : answer.catch(namingTask(spec.task));
  }

  /** Waits for a slot, tries, frees the slot; whatever ended the run is named. */
  private async run(spec: CallSpec, run: Run): Promise<Answer> {
    const { signal } = run.ctrl;
    this.running.add(run.ctrl);
    try {
      await this.slots.acquire(signal);
      try {
        return await this.tries(spec, run);
      } finally {
        this.slots.release();
      }
    } catch (err) {
      throw explain(err, signal);
    } finally {
      this.running.delete(run.ctrl);
    }
  }

  /** Tries until an answer, a failure not worth retrying, or no time for another try. */
  private async tries(spec: CallSpec, run: Run): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(spec, run.ctrl.signal);
      if ('answer' in outcome) return outcome.answer;
      const wait = spec.retry ? retryDelay(this.options.retry, attempt, outcome, run.deadline) : undefined;
      if (wait === undefined) throw outcome.error;
      run.failed(outcome.error);
      await sleep(wait, undefined, { signal: run.ctrl.signal });
    }
  }

  /** One try: the answer, or the failure it names (a status by the route's meaning, or the network's). */
  private async attempt(spec: CallSpec, signal: AbortSignal): Promise<{ answer: Answer } | Failure> {
    let answer: Answer;
    try {
      answer = await this.send(spec, signal);
    } catch (err) {
      if (signal.aborted || isCancel(err)) throw err;
      return this.http.transportFailure(err);
    }
    const { retryAfter } = answer;
    const error = this.http.statusError(answer.status, { notFound: spec.notFound, task: spec.task, retryAfter });
    return error ? { error, retryAfter } : { answer };
  }

  /** On the wire; a call lost on a stale kept-alive socket goes once more on a new one. */
  private async send(spec: CallSpec, signal: AbortSignal): Promise<Answer> {
    try {
      return await this.http.request(spec.method, spec.route, signal);
    } catch (err) {
      if (!resendOnNewSocket(err, signal)) throw err;
      return this.http.request(spec.method, spec.route, signal);
    }
  }

  /** Requests on the wire and waiting. */
  get load(): { active: number; waiting: number } {
    return this.slots.load;
  }

  /** Ends every run under way or queued with ABORTED; later calls fail at once. */
  close(): void {
    this.closed = true;
    for (const ctrl of this.running) abortFor(ctrl, 'closed');
    this.slots.rejectAll(closedError());
  }

  private timeoutError(): ButlerError {
    return new ButlerError('TIMEOUT', `No answer from Plex at ${this.http.baseUrl} within ${this.options.timeout} ms`);
  }
}

/** Turns whatever ended a run into a ButlerError; an abort of ours says why by its typed reason. */
function explain(err: unknown, signal: AbortSignal): ButlerError {
  if (!signal.aborted) return err instanceof ButlerError ? err : new ButlerError('INTERNAL', `Unexpected failure: ${String(err)}`);
  if (abortCause(signal) === 'closed') return closedError();
  return new ButlerError('ABORTED', 'Request cancelled');
}

function closedError(): ButlerError {
  return new ButlerError('ABORTED', 'Request cancelled: the Plex server node was closed (redeploy or shutdown)');
}

/** Names the task on an error of a task call, the one place where the task is known. */
function namingTask(task: string): (err: unknown) => never {
  return (err) => {
    throw err instanceof ButlerError && err.task === undefined ? err.withTask(task) : err;
  };
}
