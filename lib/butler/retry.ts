// Whether a call is tried again, in one module: the retry of a failed read (after a wait, when the
// failure is likely to pass), and the resend of any call lost on a kept-alive socket the server
// had closed (at once, below the retry loop: the server never saw it, so it is not a retry of what
// the server answered). Both decide from data; the call pipeline (call.ts) acts on them.
import { isAxiosError } from 'axios';
import { ButlerError } from '../common/errors';
import { backoffWait } from '../common/backoff';

export interface RetryOptions {
  /** Extra tries after the first. */
  limit: number;
  /** Statuses that are likely to pass (a proxy or a restarting server). */
  statuses: readonly number[];
  /** Error codes of ours whose cause is likely to pass. */
  codes: readonly string[];
  /** First wait in ms; it doubles each try up to `maxBackoffMs`, plus up to as much again at random. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const defaultRetryOptions: RetryOptions = {
  limit: 3,
  statuses: [502, 503, 504],
  codes: ['UNREACHABLE'],
  backoffMs: 100,
  maxBackoffMs: 1000,
};

/** A failure of one try, as the retry decision sees it. */
export interface Failure {
  error: ButlerError;
  /** The server's Retry-After header, if it sent one. */
  retryAfter?: string;
  /** Set when the failure is not a passing one whatever its code (e.g. a host name not found). */
  lasting?: boolean;
}

/**
 * How long to wait before try `attempt + 1`, or undefined to give up and report `failure`:
 * not retryable, out of tries, or the wait would not end before `deadline`.
 */
export function retryDelay(options: RetryOptions, attempt: number, failure: Failure, deadline: number, now = Date.now()): number | undefined {
  const { error } = failure;
  const passing = error.statusCode !== undefined ? options.statuses.includes(error.statusCode) : options.codes.includes(error.code) && !failure.lasting;
  if (!passing || attempt >= options.limit) return undefined;
  const policy = { firstMs: options.backoffMs, maxMs: options.maxBackoffMs, low: 1, high: 2 };
  const wait = retryAfterMs(failure.retryAfter, now) ?? backoffWait(policy, attempt);
  return now + wait < deadline ? wait : undefined;
}

/** Retry-After as seconds or an HTTP date, in ms from now. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Whether a call that failed with `err` is sent once more on a new socket: it died, with no
 * answer, on a socket the agent had kept alive from an earlier call (Node's documentation advises
 * this, `request.reusedSocket`), and the caller has not given up. Every call of ours is idempotent.
 */
export function resendOnNewSocket(err: unknown, signal: AbortSignal): boolean {
  if (signal.aborted || !isAxiosError(err) || err.response !== undefined || !STALE_SOCKET_CODES.has(err.code ?? '')) return false;
  const req: unknown = err.request;
  return typeof req === 'object' && req !== null && 'reusedSocket' in req && req.reusedSocket === true;
}
