// Section 5: the quiet-hours check over a busy year, 20,000 views in the simulator's household
// history (its own process): views read and folded per second, the requests it took (history pages,
// metadata batches, the preferences), and the heap it needed at its peak and kept afterwards (run
// with --expose-gc). The client is built as a plex-butler-server node builds it.
import { performance } from 'node:perf_hooks';
import { ButlerClient } from '../lib/butler/client';
import { quietHours, QuietHoursResult } from '../lib/history/quiet-hours';
import { int, Line, mb, median, section, SectionResult, startSimProcess } from './common';

const VIEWS = 20000;
const ROUNDS = 3;
const REQUESTS_PER_100_VIEWS = 1;
const HEAP_LIMIT_MB = 32;

interface Round {
  ms: number;
  requests: number;
  peak: number;
  retained: number;
  result: QuietHoursResult;
}

async function round(client: ButlerClient, sim: Awaited<ReturnType<typeof startSimProcess>>, gc: () => void): Promise<Round> {
  await sim.reset();
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 2);
  const t0 = performance.now();
  const result = await quietHours(client, { days: 365, apply: false, timeZone: 'UTC', minGain: 5 }, {});
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  const { requests } = await sim.stats();
  gc();
  return { ms, requests, peak: peak - base, retained: process.memoryUsage().heapUsed - base, result };
}

section(async (): Promise<SectionResult> => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const sim = await startSimProcess({ benchTasks: 0, runMs: 1000, historyViews: VIEWS });
  const client = new ButlerClient({ url: sim.url, token: sim.token });
  try {
    // the first read makes the simulator build its household: not measured
    await round(client, sim, gc);
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(client, sim, gc));
    const views = rounds[0].result.views;
    const rate = median(rounds.map((r) => (views / r.ms) * 1000));
    const requests = median(rounds.map((r) => r.requests));
    const peak = median(rounds.map((r) => r.peak));
    const retained = median(rounds.map((r) => r.retained));
    const lines: Line[] = [
      { what: `quiet hours: ${int(views)} views read and folded`, ours: `${int(rate)}/s`, ref: `${int(median(rounds.map((r) => r.ms)))} ms a check`, target: 'information', pass: undefined },
      { what: 'quiet hours: requests for those views', ours: int(requests), ref: `${int(views)} views`, target: `<= ${REQUESTS_PER_100_VIEWS} per 100 views`, pass: requests <= (views / 100) * REQUESTS_PER_100_VIEWS },
      { what: 'quiet hours: heap at the peak of a check', ours: mb(peak), ref: `${mb(retained)} kept after`, target: `< ${HEAP_LIMIT_MB} MB`, pass: peak < HEAP_LIMIT_MB * 1048576 },
    ];
    const notes = [
      `quiet hours: ${ROUNDS} rounds of ${int(views)} views (365 days, the simulator's household): ${rounds.map((r) => `${int(r.ms)} ms / ${r.requests} requests / peak ${mb(r.peak)}`).join('; ')}; suggested ${rounds[0].result.suggested?.startHour}–${rounds[0].result.suggested?.endHour} h`,
    ];
    return { lines, notes };
  } finally {
    client.close();
    await sim.close();
  }
});
