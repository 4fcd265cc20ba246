// When a failed read is tried again, and after how long. One function decides, from data.
// (A call lost on a kept-alive socket the server had closed is sent again below this decision, by
// ServerHttp.send: the server never saw it, so it is not a retry of what the server answered.)
import { ButlerError } from '../common/errors';

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
  const base = Math.min(options.maxBackoffMs, options.backoffMs * 2 ** attempt);
  const wait = retryAfterMs(failure.retryAfter, now) ?? base + Math.floor(Math.random() * base);
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
