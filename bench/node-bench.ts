// Section 2: msgs/s through plex-butler-start against the core `http request` node doing the same
// POST /butler/{task} with the same Plex headers, both in one embedded Node-RED runtime.
import { performance } from 'node:perf_hooks';
import type { Node, NodeMessage } from 'node-red';
import { DEFAULT_TASKS } from '../sim/simulator';
import { bareAxios, int, Line, median, section, SectionResult, SimHandle, startSimProcess } from './common';
import { Red, startRed } from './red-runtime';

const N = 5000;
const ROUNDS = 5;
const DISTINCT = 1000;
const WAIT_MS = 60000;

/** Counts what reaches the sink nodes behind one contender. */
class Tally {
  arrived = 0;
  ok = 0;
  readonly bad = new Map<string, number>();
  private want = Infinity;
  private wake: (() => void) | undefined;

  hit(good: boolean, why: string): void {
    this.arrived++;
    if (good) this.ok++;
    else this.bad.set(why, (this.bad.get(why) ?? 0) + 1);
    if (this.arrived >= this.want && this.wake) {
      const w = this.wake;
      this.wake = undefined;
      w();
    }
  }

  /** Resolves once `n` msgs in total have arrived; fails after WAIT_MS. */
  until(n: number): Promise<void> {
    if (this.arrived >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.arrived} of ${n} msgs arrived within ${WAIT_MS} ms`)), WAIT_MS);
      this.want = n;
      this.wake = () => {
        clearTimeout(timer);
        this.want = Infinity;
        resolve();
      };
    });
  }

  zero(): void {
    this.arrived = 0;
    this.ok = 0;
    this.bad.clear();
  }

  faults(): string {
    return [...this.bad].map(([k, v]) => `${v} ${k}`).join(', ');
  }
}

type Name = 'ours' | 'core' | 'floor';

interface Contender {
  name: Name;
  node: Node;
  tally: Tally;
  msg: (task: string) => NodeMessage;
}

interface Run {
  rate: number;
  /** CPU time of this process (Node-RED) per msg, µs */
  cpu: number;
  failed: number;
  faults: string;
  requests: number;
  connections: number;
}

/** Sends `tasks.length` msgs (all at once, or each after the previous one arrived) and times them. */
async function drive(c: Contender, sim: SimHandle, tasks: string[], burst: boolean): Promise<Run> {
  await sim.reset();
  c.tally.zero();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  if (burst) {
    const all = c.tally.until(tasks.length);
    for (const t of tasks) c.node.receive(c.msg(t));
    await all;
  } else {
    for (let i = 0; i < tasks.length; i++) {
      const next = c.tally.until(i + 1);
      c.node.receive(c.msg(tasks[i]));
      await next;
    }
  }
  const rate = tasks.length / ((performance.now() - t0) / 1000);
  const used = process.cpuUsage(c0);
  if (c.tally.arrived !== tasks.length) throw new Error(`${c.name}: ${c.tally.arrived} of ${tasks.length} msgs arrived`);
  const s = await sim.stats();
  return { rate, cpu: (used.user + used.system) / tasks.length, failed: tasks.length - c.tally.ok, faults: c.tally.faults(), requests: s.requests, connections: s.accepted };
}

interface Mode {
  label: string;
  tasks: string[];
  burst: boolean;
  target: string;
  meets: (ratio: number) => boolean;
  /** also run the bare axios node: only where nothing is shared, so it does the same requests */
  floor: boolean;
}

/**
 * The floor of any node built on axios: a node that only POSTs /butler/{msg.task} through a bare
 * axios instance with the client's options and headers, then sends the msg on. No checks, no
 * status, no queue bound, no sharing.
 */
function registerFloorNode(red: Red, url: string, headers: () => Record<string, string>): void {
  red.registerNode('bench-axios-start', (node) => {
    const { ax, destroy } = bareAxios(url, headers());
    node.on('input', (msg: NodeMessage & { task?: string; statusCode?: number }, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      ax.post<string>(`/butler/${msg.task}`).then(
        (res) => {
          msg.statusCode = res.status;
          send(msg);
          done();
        },
        (err: Error) => done(err),
      );
    });
    node.on('close', destroy);
  });
}

function sinks(red: Red, tallies: Record<Name, Tally>): void {
  red.registerSink('bench-sink', (id, msg) => {
    const m = msg as NodeMessage & { statusCode?: unknown; error?: { code?: string } };
    if (id === 'ok-ours') {
      const r = (m.payload as { result?: string } | undefined)?.result;
      tallies.ours.hit(r === 'started' || r === 'already-running', `result ${r}`);
    } else if (id === 'err-ours') tallies.ours.hit(false, m.error?.code ?? 'error');
    else tallies[id === 'ok-floor' ? 'floor' : 'core'].hit(m.statusCode === 200 || m.statusCode === 202, `status ${String(m.statusCode)}`);
  });
}

function flows(sim: SimHandle, headers: object[]): object[] {
  return [
    { id: 't1', type: 'tab', label: 'bench' },
    { id: 's1', type: 'plex-butler-server', name: 'sim', url: sim.url, timeout: 10000, verifyTls: true },
    { id: 'ours', type: 'plex-butler-start', z: 't1', name: '', server: 's1', task: '', wires: [['ok-ours'], ['err-ours']] },
    // The core node as a user would set it up: URL from msg.url, headers typed into the node.
    { id: 'core', type: 'http request', z: 't1', name: '', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: '', tls: '', persist: false, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers, wires: [['ok-core']] },
    { id: 'floor', type: 'bench-axios-start', z: 't1', wires: [['ok-floor']] },
    { id: 'ok-ours', type: 'bench-sink', z: 't1', wires: [] },
    { id: 'err-ours', type: 'bench-sink', z: 't1', wires: [] },
    { id: 'ok-core', type: 'bench-sink', z: 't1', wires: [] },
    { id: 'ok-floor', type: 'bench-sink', z: 't1', wires: [] },
  ];
}

/** Deploys the three contenders; the core and floor nodes get exactly the Plex headers our node sends. */
async function contenders(red: Red, sim: SimHandle): Promise<Contender[]> {
  const tallies: Record<Name, Tally> = { ours: new Tally(), core: new Tally(), floor: new Tally() };
  sinks(red, tallies);
  let plex: Record<string, string> = {};
  registerFloorNode(red, sim.url, () => ({ 'X-Plex-Token': sim.token, ...plex }));
  const creds = { s1: { token: sim.token } };
  await red.deploy(flows(sim, []), creds, 'ours');
  await sim.reset();
  const probe = tallies.ours.until(1);
  red.getNode('ours').receive({ task: 'Bench0' } as NodeMessage);
  await probe;
  tallies.ours.zero();
  plex = Object.fromEntries(Object.entries((await sim.stats()).lastHeaders).filter(([k]) => k === 'accept' || k.startsWith('x-plex-')));
  const typed = Object.entries({ 'X-Plex-Token': sim.token, ...plex }).map(([k, v]) => ({ keyType: 'other', keyValue: k, valueType: 'other', valueValue: v }));
  await red.deploy(flows(sim, typed), creds, 'floor');
  const byTask = (task: string): NodeMessage => ({ task }) as NodeMessage;
  return [
    { name: 'ours', node: red.getNode('ours'), tally: tallies.ours, msg: byTask },
    { name: 'core', node: red.getNode('core'), tally: tallies.core, msg: (task) => ({ url: `${sim.url}/butler/${task}` }) as NodeMessage },
    { name: 'floor', node: red.getNode('floor'), tally: tallies.floor, msg: byTask },
  ];
}

function modes(): Mode[] {
  const named = Array.from({ length: N }, (_, i) => DEFAULT_TASKS[i % DEFAULT_TASKS.length].name);
  // Target (issue 19): ahead of the core node in every mode.
  const ahead = { target: '> 1 (ahead)', meets: (r: number) => r > 1 };
  return [
    { label: `5,000 at once, ${DEFAULT_TASKS.length} task names`, tasks: named, burst: true, ...ahead, floor: false },
    { label: '5,000 one by one', tasks: distinct(N), burst: false, ...ahead, floor: true },
    { label: `${int(DISTINCT)} at once, all names distinct`, tasks: distinct(DISTINCT), burst: true, ...ahead, floor: true },
  ];
}

function distinct(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `Bench${i}`);
}

function roundsText(who: Name, x: Run[]): string {
  const failed = x.filter((r) => r.failed > 0).map((r) => r.faults);
  return (
    `${who} ${x.map((r) => int(r.rate)).join(' / ')} msgs/s, CPU ${median(x.map((r) => r.cpu)).toFixed(0)} µs/msg, ${x.map((r) => int(r.requests)).join(' / ')} HTTP requests on ` +
    `${x.map((r) => int(r.connections)).join(' / ')} new connections, ${failed.length ? `failures: ${failed.join('; ')}` : 'no failures'}`
  );
}

/** ROUNDS rounds of one mode, the contenders' order turning each round; the rows and a note. */
async function measure(mode: Mode, all: Contender[], sim: SimHandle): Promise<{ lines: Line[]; note: string }> {
  const field = all.filter((c) => mode.floor || c.name !== 'floor');
  const runs: Partial<Record<Name, Run[]>> = {};
  for (let r = 0; r < ROUNDS; r++) {
    const order = [...field.slice(r % field.length), ...field.slice(0, r % field.length)];
    for (const c of r % 2 ? order.reverse() : order) (runs[c.name] ??= []).push(await drive(c, sim, mode.tasks, mode.burst));
  }
  const rate = (who: Name): number => median((runs[who] ?? []).map((x) => x.rate));
  const ratio = rate('ours') / rate('core');
  const oursFailed = (runs.ours ?? []).some((x) => x.failed > 0);
  const lines: Line[] = [{ what: `2. node msgs/s, ${mode.label}`, ours: int(rate('ours')), ref: `${int(rate('core'))} core http request`, ratio, target: mode.target, pass: mode.meets(ratio) && !oursFailed }];
  let note = `2. ${mode.label}, ${ROUNDS} rounds, every msg arrived: ${roundsText('ours', runs.ours ?? [])}; ${roundsText('core', runs.core ?? [])}`;
  if (runs.floor) {
    const toFloor = rate('ours') / rate('floor');
    // Information, no target: how much of the node's own time is axios's floor.
    lines.push({ what: `2. node vs a bare axios node, ${mode.label}`, ours: int(rate('ours')), ref: `${int(rate('floor'))} bare axios node`, ratio: toFloor, target: '' });
    note += `; ${roundsText('floor', runs.floor)}; the bare axios node against core: ${(rate('floor') / rate('core')).toFixed(2)}`;
  }
  return { lines, note };
}

section(async (): Promise<SectionResult> => {
  const sim = await startSimProcess({ benchTasks: Math.max(DISTINCT, N), runMs: 2000 });
  const red: Red = await startRed({ withPackage: true, admin: false });
  const all = await contenders(red, sim);
  for (const c of all) {
    // warm-up: the JIT has settled before the first measured round
    await drive(c, sim, distinct(1000), false);
    await drive(c, sim, distinct(300), true);
  }
  const lines: Line[] = [];
  const notes: string[] = [];
  for (const mode of modes()) {
    const m = await measure(mode, all, sim);
    lines.push(...m.lines);
    notes.push(m.note);
  }

  // Beyond the in-flight bound plus the queue (4 + 1000) distinct calls are refused, not lost.
  const ours = all[0];
  await sim.reset();
  ours.tally.zero();
  const arrived = ours.tally.until(N);
  for (const t of distinct(N)) ours.node.receive({ task: t } as NodeMessage);
  await arrived;
  notes.push(`2. 5,000 at once with all names distinct (ours only): ${int(ours.tally.arrived)} msgs arrived: ${int(ours.tally.ok)} ok, ${ours.tally.faults() || 'no errors'} (on output 2)`);

  await red.stop();
  await sim.close();
  return { lines, notes };
});
