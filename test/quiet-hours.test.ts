// Quiet hours, the pure parts: watched minutes per local hour of the week (zones ahead of and
// behind UTC, half-hour zones, a week across each daylight-saving change), window shares with
// wrapping past midnight, the quietest window and its ties, and when a suggestion is written.
import assert from 'node:assert/strict';
import { checkTimeZone, WatchGrid } from '../lib/history/watch-grid';
import { keepReason, quietestWindow, scoreWindow, windowLength } from '../lib/history/quiet-window';

const at = (iso: string): number => Date.parse(iso) / 1000;
const MON = 0;
const SAT = 5;
const SUN = 6;

/** The (day, hour, minutes) cells of a grid that are not zero. */
function cells(g: WatchGrid): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  g.grid().forEach((row, d) => row.forEach((m, h) => m > 0 && out.push([d, h, m])));
  return out;
}

describe('quiet hours: watched minutes per hour of the week', () => {
  it('a zone ahead of UTC: Tokyo (+9) puts 00:30–01:30 UTC on Monday at 09:30–10:30', () => {
    const g = new WatchGrid('Asia/Tokyo');
    g.add(at('2026-01-05T01:30:00Z'), 60);
    assert.deepEqual(cells(g), [[MON, 9, 30], [MON, 10, 30]]);
    assert.equal(g.minutes, 60);
  });

  it('a zone behind UTC: New York (-5) puts Monday 01:00–03:00 UTC on Sunday evening', () => {
    const g = new WatchGrid('America/New_York');
    g.add(at('2026-01-05T03:00:00Z'), 120);
    assert.deepEqual(cells(g), [[SUN, 20, 60], [SUN, 21, 60]]);
  });

  it('a half-hour zone: Kolkata (+5:30) splits a UTC hour over two local hours', () => {
    const g = new WatchGrid('Asia/Kolkata');
    g.add(at('2026-01-05T01:00:00Z'), 60);
    assert.deepEqual(cells(g), [[MON, 5, 30], [MON, 6, 30]]);
  });

  it('a week across the spring change (Berlin, 29 March 2026): the same UTC hour moves one local hour later', () => {
    const g = new WatchGrid('Europe/Berlin');
    for (let day = 23; day <= 30; day++) g.add(at(`2026-03-${day}T20:00:00Z`), 60);
    // Mon 23 … Sat 28 in CET (+1): 20:00; Sun 29 and Mon 30 in CEST (+2): 21:00
    const want: Array<[number, number, number]> = [[MON, 20, 60], [MON, 21, 60], [1, 20, 60], [2, 20, 60], [3, 20, 60], [4, 20, 60], [SAT, 20, 60], [SUN, 21, 60]];
    assert.deepEqual(cells(g), want);
  });

  it('a view across the skipped hour (02:00–03:00 does not exist on 29 March in Berlin)', () => {
    const g = new WatchGrid('Europe/Berlin');
    g.add(at('2026-03-29T01:30:00Z'), 60);
    assert.deepEqual(cells(g), [[SUN, 1, 30], [SUN, 3, 30]]);
  });

  it('a view across the repeated hour (02:00–03:00 twice on 25 October in Berlin) counts both', () => {
    const g = new WatchGrid('Europe/Berlin');
    g.add(at('2026-10-25T02:00:00Z'), 120);
    assert.deepEqual(cells(g), [[SUN, 2, 120]]);
  });

  it('viewedAt is the end: the minutes run before it, both ends to the nearest minute, one minute at least', () => {
    const g = new WatchGrid('UTC');
    g.add(at('2026-01-05T10:03:36Z'), 3.6);
    g.add(at('2026-01-05T12:00:10Z'), 0.1);
    assert.deepEqual(cells(g), [[MON, 10, 4], [MON, 11, 1]]);
    assert.deepEqual(g.hours().filter((m) => m > 0), [4, 1]);
  });

  it('takes an IANA name, gives Node-RED\'s own zone for empty, and refuses anything else', () => {
    assert.equal(checkTimeZone('Asia/Tokyo'), 'Asia/Tokyo');
    assert.equal(checkTimeZone(''), Intl.DateTimeFormat().resolvedOptions().timeZone);
    for (const bad of ['Mars/Olympus', 'Europe/../etc', 42]) assert.throws(() => checkTimeZone(bad), { code: 'INVALID_SETTING' });
  });
});

describe('quiet hours: windows', () => {
  const flat = (overrides: Record<number, number>, base = 10): number[] => Array.from({ length: 24 }, (_, h) => overrides[h] ?? base);

  it('a window wrapping midnight counts the hours before and after 0:00', () => {
    const hours = flat({ 22: 0, 23: 30, 0: 20, 1: 10, 2: 0 }, 0);
    assert.equal(windowLength({ startHour: 23, endHour: 2 }), 3);
    assert.equal(scoreWindow(hours, { startHour: 23, endHour: 2 }).share, 1);
    assert.equal(scoreWindow(hours, { startHour: 0, endHour: 1 }).share, 20 / 60);
    assert.equal(windowLength({ startHour: 5, endHour: 5 }), 24);
  });

  it('suggests the window with the fewest minutes, wrapping midnight when that is quietest', () => {
    const hours = flat({ 23: 1, 0: 0, 1: 0 });
    assert.deepEqual(quietestWindow(hours, 3, 2), { startHour: 23, endHour: 2, share: 1 / (21 * 10 + 1) });
  });

  it('of equal windows, the one whose start is nearest the current start, round the clock', () => {
    const hours = flat({ 4: 0, 5: 0, 14: 0, 15: 0 });
    assert.equal(quietestWindow(hours, 2, 10).startHour, 14);
    assert.equal(quietestWindow(hours, 2, 7).startHour, 4);
    const wrap = flat({ 1: 0, 2: 0, 20: 0, 21: 0 });
    assert.equal(quietestWindow(wrap, 2, 23).startHour, 1);
  });

  it('of equal windows equally near, the earliest', () => {
    const hours = flat({ 4: 0, 5: 0, 14: 0, 15: 0 });
    assert.equal(quietestWindow(hours, 2, 9).startHour, 4);
  });

  it('writes only with apply on, another window, and a gain of at least minGain points', () => {
    const current = { startHour: 2, endHour: 5, share: 0.1 };
    const better = { startHour: 4, endHour: 7, share: 0.05 };
    assert.equal(keepReason(current, better, true, 5), undefined);
    assert.equal(keepReason(current, better, true, 5.01), 'gain-below-minimum');
    assert.equal(keepReason(current, better, false, 0), 'apply-off');
    assert.equal(keepReason(current, { ...current }, true, 0), 'same-window');
    assert.equal(keepReason(current, null, true, 0), 'no-history');
  });
});
