// The soak's printed table: events injected per kind, checks, violations, heap and handles per day.
import type { SoakResult } from './run';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function soakTable(r: SoakResult, seed: number): string[] {
  const lines: string[] = [];
  lines.push(`seed ${seed}: ${r.days.length} simulated day(s) of ${(r.dayMs / 1000).toFixed(1)} s; state bound ${r.bound} ms`);
  lines.push('');
  lines.push('events injected');
  for (const [kind, n] of [...r.events.entries()].sort((a, b) => a[0].localeCompare(b[0]))) lines.push(`  ${pad(kind, 34)} ${String(n).padStart(6)}`);
  lines.push('');
  lines.push(`  ${pad('day', 5)}${pad('checks', 10)}${pad('violations', 12)}${pad('heap MB', 10)}${pad('stalls (longest ms)', 21)}handles at the redeploy (timers, sockets, servers, listeners)   episodes`);
  for (const d of r.days) {
    const h = d.handles;
    const handles = `${h.Timeout ?? 0} timers, ${h.TCPSocketWrap ?? 0} sockets, ${h.TCPServerWrap ?? 0} servers, ${h.listeners ?? 0} listeners`;
    lines.push(`  ${pad(String(d.day), 5)}${pad(String(d.checks), 10)}${pad(String(d.violations), 12)}${pad(d.heapMB.toFixed(1), 10)}${pad(`${d.stalls} (${d.maxStallMs})`, 21)}${pad(handles, 62)}${d.episodes.join(', ')}`);
  }
  if (r.days.length > 1) lines.push(`  heap from day 1 to day ${r.days.length}: ${r.heapGrowthMB >= 0 ? '+' : ''}${r.heapGrowthMB.toFixed(1)} MB (bound ${r.heapBoundMB} MB)`);
  lines.push('');
  lines.push(`${r.checks} checks, ${r.violations} violations`);
  return lines;
}
