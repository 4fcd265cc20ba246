// Section 1: ButlerClient.startTask against a bare node:http keep-alive POST with the same headers.
// Each worker starts its own task (Bench<w>), so no two calls in flight are identical and the
// client's coalescing never merges calls: every call is one HTTP request on both sides.
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { int, Line, median, ROOT, section, SectionResult, startSimProcess } from './common';

const ROUNDS = 5;
const WARMUP = 500;
/** calls per round, by concurrency */
const CALLS: Record<number, number> = { 1: 1200, 16: 2400 };

type Call = (task: string) => Promise<void>;

interface Run {
  rate: number;
  /** CPU time of this process per call, in µs: less sensitive to other load on the machine */
  cpu: number;
}

/** `concurrency` workers, each doing `total / concurrency` calls one after the other. */
async function drive(call: Call, concurrency: number, total: number): Promise<Run> {
  const each = Math.ceil(total / concurrency);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const workers: Promise<void>[] = [];
  for (let w = 0; w < concurrency; w++) {
    const task = `Bench${w}`;
    workers.push(
      (async () => {
        for (let i = 0; i < each; i++) await call(task);
      })(),
    );
  }
  await Promise.all(workers);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { rate: (each * concurrency) / (wall / 1000), cpu: (c.user + c.system) / (each * concurrency) };
}

section(async (): Promise<SectionResult> => {
  const { ButlerClient } = (await import(path.join(ROOT, 'dist', 'lib', 'client.js'))) as typeof import('../lib/client');
  const sim = await startSimProcess({ benchTasks: 16, runMs: 1000 });
  const url = new URL(sim.url);
  // The client as a plex-butler-server node makes it: default pool and in-flight bound (4).
  const client = new ButlerClient({ url: sim.url, token: sim.token, clientId: 'bench' });

  // Copy the exact headers the client sends, so the bare request sends the same ones.
  await sim.reset();
  await client.startTask('Bench0');
  const seen = (await sim.stats()).lastHeaders;
  const headers: Record<string, string> = { 'X-Plex-Token': sim.token };
  for (const [k, v] of Object.entries(seen)) if (k !== 'host' && k !== 'connection') headers[k] = v;

  const agent = new http.Agent({ keepAlive: true });
  const bare: Call = (task) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: `/butler/${task}`, agent, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 || res.statusCode === 202 ? resolve() : reject(new Error(`bare: HTTP ${res.statusCode} ${body}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  const ours: Call = async (task) => {
    const r = await client.startTask(task);
    if (r.result !== 'started' && r.result !== 'already-running') throw new Error(`client: ${r.result}`);
  };

  const lines: Line[] = [];
  const notes: string[] = [`headers sent by both: ${Object.keys(headers).sort().join(', ')}`];
  for (const conc of [1, 16]) {
    const total = CALLS[conc];
    const calls = Math.ceil(total / conc) * conc;
    await drive(ours, conc, WARMUP);
    await drive(bare, conc, WARMUP);
    const a: Run[] = [];
    const b: Run[] = [];
    const httpCalls = { ours: 0, bare: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      // alternate which contender goes first
      for (const who of r % 2 ? (['bare', 'ours'] as const) : (['ours', 'bare'] as const)) {
        await sim.reset();
        (who === 'ours' ? a : b).push(await drive(who === 'ours' ? ours : bare, conc, total));
        httpCalls[who] += (await sim.stats()).requests;
      }
    }
    const rate = (xs: Run[]): number => median(xs.map((x) => x.rate));
    const cpu = (xs: Run[]): number => median(xs.map((x) => x.cpu));
    const ratio = rate(a) / rate(b);
    lines.push({
      what: `1. client startTask, ${conc === 1 ? 'sequential' : `concurrency ${conc}`} (calls/s)`,
      ours: int(rate(a)),
      ref: `${int(rate(b))} bare node:http`,
      ratio,
      target: '>= 0.85',
      pass: ratio >= 0.85,
    });
    notes.push(
      `1. ${conc === 1 ? 'sequential' : `concurrency ${conc}`}: ${ROUNDS} rounds x ${int(calls)} calls; calls/s ours ${a.map((x) => int(x.rate)).join(' / ')}, ` +
        `bare ${b.map((x) => int(x.rate)).join(' / ')}; CPU per call in the calling process ours ${cpu(a).toFixed(0)} µs, bare ${cpu(b).toFixed(0)} µs ` +
        `(ratio ${(cpu(b) / cpu(a)).toFixed(2)}); HTTP requests seen by the simulator: ours ${int(httpCalls.ours)}, bare ${int(httpCalls.bare)} (for ${int(ROUNDS * calls)} calls each)`,
    );
  }
  client.close();
  agent.destroy();
  await sim.close();
  return { lines, notes };
});
