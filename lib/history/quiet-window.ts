// The maintenance window against watched minutes per hour: its share, the quietest window of a
// length, and whether moving there is worth it. Pure: no I/O.
import { ButlerError } from '../common/errors';

/** A window runs from startHour:00 up to endHour:00, wrapping past midnight when endHour < startHour. */
export interface HourWindow {
  startHour: number;
  endHour: number;
}

export interface ScoredWindow extends HourWindow {
  /** Part (0–1) of all watched minutes that falls inside the window; 0 with no minutes at all. */
  share: number;
}

/** Hours in a window; a window that starts where it ends covers the whole day. */
export function windowLength(w: HourWindow): number {
  return (w.endHour - w.startHour + 24) % 24 || 24;
}

/** Watched minutes inside the window of `length` hours starting at `start`. */
function minutesIn(hours: readonly number[], start: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += hours[(start + i) % 24];
  return sum;
}

function total(hours: readonly number[]): number {
  return hours.reduce((a, b) => a + b, 0);
}

/** The window with its share of the watched minutes in `hours` (24 entries). */
export function scoreWindow(hours: readonly number[], w: HourWindow): ScoredWindow {
  const all = total(hours);
  const inside = minutesIn(hours, w.startHour, windowLength(w));
  return { startHour: w.startHour, endHour: w.endHour, share: all > 0 ? inside / all : 0 };
}

/** Hours between two starts, the shorter way round the clock. */
function circularDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 24;
  return Math.min(d, 24 - d);
}

/**
 * The window of `length` hours (1–24) with the fewest watched minutes; of equals, the one whose
 * start is nearest `currentStart` (round the clock), then the earliest start.
 */
export function quietestWindow(hours: readonly number[], length: number, currentStart: number): ScoredWindow {
  let best = { start: 0, minutes: Infinity, distance: Infinity };
  for (let start = 0; start < 24; start++) {
    const minutes = minutesIn(hours, start, length);
    const distance = circularDistance(start, currentStart);
    if (minutes < best.minutes || (minutes === best.minutes && distance < best.distance)) best = { start, minutes, distance };
  }
  return scoreWindow(hours, { startHour: best.start, endHour: (best.start + length) % 24 });
}

/** Why a suggestion was not written. */
export type KeepReason = 'no-history' | 'apply-off' | 'same-window' | 'gain-below-minimum';

/**
 * Whether to write the suggestion: only with apply on, a window that differs, and a share at least
 * `minGain` percentage points below the current one.
 */
export function keepReason(current: ScoredWindow, suggested: ScoredWindow | null, apply: boolean, minGain: number): KeepReason | undefined {
  if (!suggested) return 'no-history';
  if (!apply) return 'apply-off';
  if (suggested.startHour === current.startHour && suggested.endHour === current.endHour) return 'same-window';
  // Rounded to a millionth of a point so that float noise does not decide a boundary case.
  const gain = Math.round((current.share - suggested.share) * 1e8) / 1e6;
  return gain >= minGain ? undefined : 'gain-below-minimum';
}

/** Checks a whole number within [min, max] from a property or msg (digits in a string are accepted). */
export function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ButlerError('INVALID_SETTING', `${name} must be a whole number from ${min} to ${max}`);
  }
  return n;
}
