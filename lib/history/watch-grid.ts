// Watched minutes per hour of the week, in one IANA time zone (daylight-saving changes included).
// Pure: no I/O. The history reader (history.ts) folds views into it page by page.
import { ButlerError } from '../common/errors';

/** Days of the week (0 Monday … 6 Sunday) times hours. */
export const WEEK_SLOTS = 7 * 24;
const MINUTE_MS = 60000;
/**
 * The local hour of a minute is looked up per UTC quarter hour: every time zone in use is offset
 * from UTC by a multiple of 15 minutes (India +5:30, Nepal +5:45), and offset changes fall on
 * quarter hours, so all minutes of one UTC quarter hour share a local hour.
 */
const QUARTER_MINUTES = 15;
/** A view longer than this (a bad duration) is counted as this long. */
export const LONGEST_VIEW_MINUTES = 24 * 60;

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/**
 * Minutes a view is counted for when its item has no duration (deleted since, or an answer
 * without one), by the `type` of the history entry: typical lengths, not measurements.
 */
export const FALLBACK_MINUTES: Readonly<Record<string, number>> = { movie: 110, episode: 40, track: 4, clip: 5 };
/** Minutes for a type not listed in FALLBACK_MINUTES. */
export const FALLBACK_OTHER_MINUTES = 30;

export function fallbackMinutes(type: string): number {
  return Object.prototype.hasOwnProperty.call(FALLBACK_MINUTES, type) ? FALLBACK_MINUTES[type] : FALLBACK_OTHER_MINUTES;
}

/** Node-RED's own time zone: the one this process runs in. */
export function processTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Checks an IANA time zone name; empty gives the process's own. Returns the canonical name. */
export function checkTimeZone(value: unknown): string {
  if (value === undefined || value === null || value === '') return processTimeZone();
  if (typeof value !== 'string' || value.length > 64) throw badZone(value);
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value.trim() }).resolvedOptions().timeZone;
  } catch {
    throw badZone(value);
  }
}

function badZone(value: unknown): ButlerError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
  return new ButlerError('INVALID_SETTING', `Unknown time zone ${shown}: use an IANA name such as Europe/Berlin, or leave it empty`);
}

/** Maps instants to the local hour of the week in one time zone, remembering each UTC quarter hour. */
export class LocalWeek {
  readonly timeZone: string;
  private readonly format: Intl.DateTimeFormat;
  private readonly slots = new Map<number, number>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  }

  /** The slot (day * 24 + hour, day 0 Monday) of the UTC quarter hour `quarter` (minutes since 1970 / 15). */
  slotOfQuarter(quarter: number): number {
    let slot = this.slots.get(quarter);
    if (slot === undefined) {
      slot = this.compute(quarter * QUARTER_MINUTES * MINUTE_MS);
      this.slots.set(quarter, slot);
    }
    return slot;
  }

  private compute(ms: number): number {
    let day = 0;
    let hour = 0;
    for (const part of this.format.formatToParts(ms)) {
      if (part.type === 'weekday') day = WEEKDAYS[part.value] ?? 0;
      else if (part.type === 'hour') hour = Number(part.value) % 24;
    }
    return day * 24 + hour;
  }
}

/** Watched minutes per hour of the week, folded in one view at a time. */
export class WatchGrid {
  readonly week: LocalWeek;
  /** Minutes per slot (day * 24 + hour). */
  readonly slots = new Float64Array(WEEK_SLOTS);
  views = 0;
  minutes = 0;

  constructor(timeZone: string) {
    this.week = new LocalWeek(timeZone);
  }

  /**
   * Counts one view that ended at `endSeconds` (Unix seconds, the history's `viewedAt`) and lasted
   * `lengthMinutes`: each minute it ran goes to the local hour of the week it fell in.
   */
  add(endSeconds: number, lengthMinutes: number): void {
    const lengthSeconds = Math.min(LONGEST_VIEW_MINUTES * 60, Math.round(lengthMinutes * 60));
    // Both ends to the nearest minute; a view counts for one minute at least.
    const end = Math.round(endSeconds / 60);
    let minute = Math.min(end - 1, Math.round((endSeconds - lengthSeconds) / 60));
    const length = end - minute;
    while (minute < end) {
      const quarter = Math.floor(minute / QUARTER_MINUTES);
      const next = Math.min(end, (quarter + 1) * QUARTER_MINUTES);
      this.slots[this.week.slotOfQuarter(quarter)] += next - minute;
      minute = next;
    }
    this.views++;
    this.minutes += length;
  }

  /** grid[d][h]: watched minutes on day d (0 Monday) at hour h. */
  grid(): number[][] {
    return Array.from({ length: 7 }, (_, d) => Array.from(this.slots.subarray(d * 24, d * 24 + 24)));
  }

  /** hours[h]: watched minutes at hour h, all days together. */
  hours(): number[] {
    const out = new Array<number>(24).fill(0);
    for (let s = 0; s < WEEK_SLOTS; s++) out[s % 24] += this.slots[s];
    return out;
  }
}
