// The quiet-hours check as a whole: the server's window, its history folded into watched minutes,
// the quietest window, and the write when asked and worth it.
import type { ButlerClient, CallOptions } from '../butler/client';
import { readHistory } from './reader';
import { keepReason, KeepReason, quietestWindow, ScoredWindow, scoreWindow, windowLength } from './quiet-window';

/** What one msg asks for, checked before anything is sent. */
export interface QuietHoursInput {
  days: number;
  apply: boolean;
  windowHours?: number;
  timeZone: string;
  minGain: number;
}

export interface QuietHoursResult {
  days: number;
  from: string;
  to: string;
  timeZone: string;
  views: number;
  minutes: number;
  hours: number[];
  grid: number[][];
  current: ScoredWindow;
  suggested: ScoredWindow | null;
  applied: boolean;
  reason?: KeepReason;
}

const DAY_SECONDS = 86400;

const rounded = (w: ScoredWindow): ScoredWindow => ({ ...w, share: Math.round(w.share * 1e4) / 1e4 });

/** Reads the window and the history, suggests the quietest window, and writes it when asked and worth it. */
export async function quietHours(client: ButlerClient, input: QuietHoursInput, call: CallOptions): Promise<QuietHoursResult> {
  const settings = await client.getSettings(call);
  const to = Math.floor(Date.now() / 1000);
  const since = to - input.days * DAY_SECONDS;
  const { grid } = await readHistory(client, { since, timeZone: input.timeZone, call });
  const hours = grid.hours();
  const current = scoreWindow(hours, settings);
  const length = input.windowHours ?? windowLength(settings);
  const suggested = grid.views > 0 ? quietestWindow(hours, length, settings.startHour) : null;
  const reason = keepReason(current, suggested, input.apply, input.minGain);
  if (suggested && reason === undefined) await client.putSettings({ startHour: suggested.startHour, endHour: suggested.endHour }, call);
  const result: QuietHoursResult = {
    days: input.days,
    from: new Date(since * 1000).toISOString(),
    to: new Date(to * 1000).toISOString(),
    timeZone: input.timeZone,
    views: grid.views,
    minutes: grid.minutes,
    hours,
    grid: grid.grid(),
    current: rounded(current),
    suggested: suggested && rounded(suggested),
    applied: reason === undefined,
  };
  if (reason !== undefined) result.reason = reason;
  return result;
}

