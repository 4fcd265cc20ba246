// One contender of section 6, in its own process: an embedded Node-RED with the demo flow of
// `npm start` deployed (with the plex nodes, or without them and without this package). It says
// "ready" once deployed, and on "go" measures its own CPU time and RSS for the seconds given.
import { performance } from 'node:perf_hooks';
import { demoFlow } from '../scripts/demo-flow';
import { median, report, sleep } from './common';
import { startRed } from './red-runtime';

export interface IdleSetup {
  withPlex: boolean;
  url: string;
  token: string;
}

export interface IdleResult {
  /** CPU time (user + system, every thread of the process) per minute of the window, ms */
  cpuMsPerMin: number;
  /** RSS sampled once a second over the window: median and highest, bytes */
  rssMedian: number;
  rssMax: number;
  seconds: number;
}

type FlowNode = Record<string, unknown> & { id: string; type: string; wires?: string[][] };

/** The demo flow; without plex, every plex node and every wire to one is left out. */
function flow(withPlex: boolean): FlowNode[] {
  const all = demoFlow(true) as FlowNode[];
  if (withPlex) return all;
  const kept = all.filter((n) => !n.type.startsWith('plex-butler-'));
  const ids = new Set(kept.map((n) => n.id));
  return kept.map((n) => (n.wires ? { ...n, wires: n.wires.map((port) => port.filter((id) => ids.has(id))) } : n));
}

async function measure(seconds: number): Promise<IdleResult> {
  const rss: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    rss.push(process.memoryUsage.rss());
  }
  const used = process.cpuUsage(cpu0);
  const minutes = (performance.now() - t0) / 60000;
  return { cpuMsPerMin: (used.user + used.system) / 1000 / minutes, rssMedian: median(rss), rssMax: Math.max(...rss), seconds };
}

async function main(): Promise<void> {
  const setup = JSON.parse(process.argv[2] ?? '{}') as IdleSetup;
  process.env.PLEX_URL = setup.url;
  // The editor and admin API are on, as in a user's Node-RED (never listened on here).
  const red = await startRed({ withPackage: setup.withPlex, admin: true });
  await red.deploy(flow(setup.withPlex), setup.withPlex ? { 'demo-server': { token: setup.token } } : {}, 'demo-ok');
  process.once('message', (m: unknown) => {
    const seconds = (m as { seconds?: number }).seconds ?? 60;
    measure(seconds).then(report, (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
  process.send?.({ type: 'ready' });
}

process.once('SIGTERM', () => process.exit(143));
main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
