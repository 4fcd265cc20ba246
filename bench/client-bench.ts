// Section 1: ButlerClient.startTask against a bare node:http keep-alive POST with the same headers.
// Each worker starts its own task (Bench<w>), so no two calls in flight are identical and the
// client's coalescing never merges calls: every call is one HTTP request on both sides.
// Then the same calls against a bare axios instance with the client's own options (same agents,
// headers, responseType, validateStatus, limits): the floor of the HTTP library we build on.
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { bareAxios, int, Line, median, ROOT, section, SectionResult, SimHandle, startSimProcess } from './common';

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

interface Pair {
  ours: Run[];
  bare: Run[];
  /** HTTP requests the simulator answered, over all rounds */
  httpCalls: { ours: number; bare: number };
  calls: number;
}

/** Warm-up, then ROUNDS rounds of both contenders, alternating which goes first. */
async function compare(sim: SimHandle, ours: Call, bare: Call, conc: number): Promise<Pair> {
  const total = CALLS[conc];
  await drive(ours, conc, WARMUP);
  await drive(bare, conc, WARMUP);
  const pair: Pair = { ours: [], bare: [], httpCalls: { ours: 0, bare: 0 }, calls: Math.ceil(total / conc) * conc };
  for (let r = 0; r < ROUNDS; r++) {
    for (const who of r % 2 ? (['bare', 'ours'] as const) : (['ours', 'bare'] as const)) {
      await sim.reset();
      pair[who].push(await drive(who === 'ours' ? ours : bare, conc, total));
      pair.httpCalls[who] += (await sim.stats()).requests;
    }
  }
  return pair;
}

const rate = (xs: Run[]): number => median(xs.map((x) => x.rate));
const cpu = (xs: Run[]): number => median(xs.map((x) => x.cpu));
const mode = (conc: number): string => (conc === 1 ? 'sequential' : `concurrency ${conc}`);

/** One table row and its note, from a side-by-side comparison. */
function row(p: Pair, conc: number, what: string, refName: string, target: number | undefined): { line: Line; note: string } {
  const ratio = rate(p.ours) / rate(p.bare);
  const goal = target === undefined ? { target: '' } : { target: `>= ${target}`, pass: ratio >= target };
  const line: Line = { what: `${what}, ${mode(conc)} (calls/s)`, ours: int(rate(p.ours)), ref: `${int(rate(p.bare))} ${refName}`, ratio, ...goal };
  const note =
    `${what}, ${mode(conc)}: ${ROUNDS} rounds x ${int(p.calls)} calls; calls/s ours ${p.ours.map((x) => int(x.rate)).join(' / ')}, ` +
    `${refName} ${p.bare.map((x) => int(x.rate)).join(' / ')}; CPU per call in the calling process ours ${cpu(p.ours).toFixed(0)} µs, ${refName} ${cpu(p.bare).toFixed(0)} µs ` +
    `(ratio ${(cpu(p.bare) / cpu(p.ours)).toFixed(2)}); HTTP requests seen by the simulator: ours ${int(p.httpCalls.ours)}, ${refName} ${int(p.httpCalls.bare)} (for ${int(ROUNDS * p.calls)} calls each)`;
  return { line, note };
}

/** The headers the client sent last, token added back, minus what the transport sets itself. */
async function sentHeaders(sim: SimHandle, skip: string[]): Promise<Record<string, string>> {
  const seen = (await sim.stats()).lastHeaders;
  const headers: Record<string, string> = { 'X-Plex-Token': sim.token };
  for (const [k, v] of Object.entries(seen)) if (!skip.includes(k)) headers[k] = v;
  return headers;
}

type Client = InstanceType<typeof import('../lib/butler/client').ButlerClient>;

/** ButlerClient.startTask against a bare node:http POST with the same headers. */
async function againstNodeHttp(sim: SimHandle, client: Client, out: SectionResult): Promise<void> {
  const url = new URL(sim.url);
  await sim.reset();
  await client.startTask('Bench0');
  const headers = await sentHeaders(sim, ['host', 'connection']);
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
  out.notes.push(`1. startTask: headers sent by both: ${Object.keys(headers).sort().join(', ')}`);
  for (const conc of [1, 16]) {
    // Information, no target: mostly what axios costs over node:http (issue 19 set the client's target against bare axios).
    const { line, note } = row(await compare(sim, ours, bare, conc), conc, '1. client startTask', 'bare node:http', undefined);
    out.lines.push(line);
    out.notes.push(note);
  }
  agent.destroy();
}

/**
 * ButlerClient.startTask against a bare axios instance made with the client's options: keep-alive
 * agents with the same pool (maxInFlight 4), its headers, responseType text, validateStatus,
 * maxContentLength, no proxy, no redirects. Both POST /butler/Bench<w>: distinct tasks, so the
 * client shares no call and every call is one HTTP request on both sides, at 1 and 16 in flight.
 */
async function againstAxios(sim: SimHandle, client: Client, out: SectionResult): Promise<void> {
  await sim.reset();
  await client.startTask('Bench0');
  const headers = await sentHeaders(sim, ['host', 'connection', 'user-agent', 'accept-encoding']);
  const { ax, destroy } = bareAxios(sim.url, headers);
  const bare: Call = async (task) => {
    const res = await ax.post<string>(`/butler/${task}`);
    if (res.status !== 200 && res.status !== 202) throw new Error(`bare axios: HTTP ${res.status}`);
  };
  const ours: Call = async (task) => {
    const r = await client.startTask(task);
    if (r.result !== 'started' && r.result !== 'already-running') throw new Error(`client: ${r.result}`);
  };
  out.notes.push(`1. startTask vs bare axios: headers sent by both: ${Object.keys(headers).sort().join(', ')}`);
  for (const conc of [1, 16]) {
    const { line, note } = row(await compare(sim, ours, bare, conc), conc, '1. client vs bare axios, startTask', 'bare axios', 0.8);
    out.lines.push(line);
    out.notes.push(note);
  }
  destroy();
}

section(async (): Promise<SectionResult> => {
  const { ButlerClient } = (await import(path.join(ROOT, 'dist', 'lib', 'butler', 'client.js'))) as typeof import('../lib/butler/client');
  const sim = await startSimProcess({ benchTasks: 16, runMs: 1000 });
  // The client as a plex-butler-server node makes it: default pool and in-flight bound (4).
  const client = new ButlerClient({ url: sim.url, token: sim.token, clientId: 'bench' });
  const out: SectionResult = { lines: [], notes: [] };
  await againstNodeHttp(sim, client, out);
  await againstAxios(sim, client, out);
  client.close();
  await sim.close();
  return out;
});
