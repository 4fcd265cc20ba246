// The one backoff: a step that doubles from `firstMs` up to `maxMs`, and a wait drawn within a
// band of that step. Retries of a call, reconnects of the stream and re-reads of the sessions
// after a failure all wait this way, each with its own numbers.

export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
  /** The wait lies between step * low and step * high (high excluded unless equal to low). */
  low: number;
  high: number;
}

/** The step before try `n + 1` (n from 0): firstMs * 2^n, at most maxMs. */
export function backoffStep(policy: BackoffPolicy, n: number): number {
  return Math.min(policy.maxMs, policy.firstMs * 2 ** Math.min(Math.max(0, n), 30));
}

/** How long to wait before try `n + 1`, whole ms, jittered within the policy's band. */
export function backoffWait(policy: BackoffPolicy, n: number, random: () => number = Math.random): number {
  const step = backoffStep(policy, n);
  return Math.floor(step * (policy.low + random() * (policy.high - policy.low)));
}
