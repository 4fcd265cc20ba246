// Why this package aborted one of its own controllers: set with `abortFor`, read with `abortCause`,
// by type (a caller's own signal carries whatever its owner gave it, and reads as undefined here).

/** What ended a controller of ours. */
export type AbortCause =
  /** The client or the playback watch was closed: a redeploy or a shutdown. */
  | 'closed'
  /** Every caller waiting on a shared call stopped waiting, so the call is no longer needed. */
  | 'all-callers-left'
  /** The stream ended one connection attempt (to try again, or for good). */
  | 'attempt-ended';

export class AbortReason {
  constructor(readonly cause: AbortCause) {}
}

/** Aborts `ctrl` saying why. */
export function abortFor(ctrl: AbortController, cause: AbortCause): void {
  ctrl.abort(new AbortReason(cause));
}

/** Why `signal` was aborted, when one of ours aborted it; undefined when not aborted or aborted by others. */
export function abortCause(signal: AbortSignal): AbortCause | undefined {
  return signal.aborted && signal.reason instanceof AbortReason ? signal.reason.cause : undefined;
}
