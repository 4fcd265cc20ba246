// `npm run bench`: runs each section in its own process, one after the other (so they never share
// the CPU), against the Butler simulator on 127.0.0.1, and prints one table.
// Options: --only client,node,memory,load,reaction,idle (sections by the start of their script
// name); --idle-seconds N (the idle section's window, default 90).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { IDLE_SECONDS, Line, runChild, SectionResult } from './common';

interface Section {
  script: string;
  title: string;
  execArgv: string[];
  limitMs: number;
  args?: string[];
}

const SECTIONS: Section[] = [
  { script: 'client-bench', title: '1. client overhead', execArgv: [], limitMs: 90000 },
  { script: 'node-bench', title: '2. node throughput', execArgv: [], limitMs: 180000 },
  { script: 'memory-bench', title: '3. memory', execArgv: ['--expose-gc'], limitMs: 90000 },
  { script: 'load-bench', title: '4. load time and size', execArgv: [], limitMs: 90000 },
  { script: 'quiet-hours-bench', title: '5. quiet hours', execArgv: ['--expose-gc'], limitMs: 180000 },
  { script: 'reaction-bench', title: '6. reaction to a play', execArgv: [], limitMs: 300000 },
];

/** The command line: which sections, and how long the idle section measures. */
function chosenSections(argv: string[]): Section[] {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const idleSeconds = Number(value('--idle-seconds') ?? IDLE_SECONDS);
  if (!(idleSeconds > 0)) throw new Error('--idle-seconds takes a number of seconds');
  const idle: Section = { script: 'idle-bench', title: '7. idle cost', execArgv: [], limitMs: idleSeconds * 1000 + 120000, args: [String(idleSeconds)] };
  const all = [...SECTIONS, idle];
  const only = value('--only')?.split(',').map((x) => x.trim()).filter(Boolean);
  if (!only) return all;
  const picked = all.filter((s) => only.some((name) => s.script.startsWith(name)));
  if (picked.length !== only.length) throw new Error(`--only: choose from ${all.map((s) => s.script.replace('-bench', '')).join(', ')}`);
  return picked;
}

function ratioText(l: Line): string {
  if (l.ratioText !== undefined) return l.ratioText;
  return l.ratio === undefined ? '' : l.ratio.toFixed(2);
}

function table(lines: Line[]): string {
  const rows = [['measure', 'ours', 'reference', 'ratio', 'target', 'result']];
  for (const l of lines) rows.push([l.what, l.ours, l.ref, ratioText(l), l.target, l.pass === undefined ? '-' : l.pass ? 'PASS' : 'MISS']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(fmt)].join('\n');
}

async function main(): Promise<void> {
  let sections: Section[];
  try {
    sections = chosenSections(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
    return;
  }
  const t0 = performance.now();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`node-red-contrib-plex-butler benchmark: node ${process.version}, ${os.cpus().length} CPUs (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
  console.log('Simulator on 127.0.0.1 in its own process, answering at once. Medians of alternated rounds.');
  const load0 = os.loadavg()[0];
  console.log(`load average at start ${load0.toFixed(2)}${load0 > os.cpus().length ? ' (busy machine: expect noisy figures; ratios are measured side by side, rates are not comparable between runs)' : ''}\n`);
  const lines: Line[] = [];
  const notes: string[] = [];
  let broken = 0;
  for (const s of sections) {
    const started = performance.now();
    process.stdout.write(`running ${s.title} ... `);
    try {
      const r = await runChild<SectionResult>(s.script, s.args ?? [], s.execArgv, s.limitMs);
      lines.push(...r.lines);
      notes.push(...r.notes);
      console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      broken++;
      const message = err instanceof Error ? err.message : String(err);
      console.log(`failed: ${message}`);
      lines.push({ what: s.title, ours: 'ERROR', ref: message, target: '', pass: false });
    }
  }
  console.log(`\n${table(lines)}\n`);
  for (const n of notes) console.log(`- ${n}`);
  const pass = lines.filter((l) => l.pass === true).length;
  const miss = lines.filter((l) => l.pass === false).length;
  console.log(`\n${pass} PASS, ${miss} MISS; total ${((performance.now() - t0) / 1000).toFixed(0)} s; load average at end ${os.loadavg()[0].toFixed(2)}`);
  // A MISS is a finding, not a failure of the run; a section that could not run is.
  process.exitCode = broken ? 1 : 0;
}

void main();
