// The one module of shared test helpers: Node-RED's test helper and the node modules under test,
// mocha hooks that start it (and a simulator per test), a one-node rig with its outputs and
// status calls recorded, and the polling, sleeping and free-port helpers the suites share.
import assert from 'node:assert/strict';
import net from 'node:net';
import helper from 'node-red-node-test-helper';
import { startSimulator, ButlerSimulator, SimOptions } from '../sim/simulator';
import type { Node, NodeInitializer, NodeMessage } from 'node-red';

helper.init(require.resolve('node-red'));

export { helper };

import serverNode from '../nodes/plex-butler-server';
import tasksNode from '../nodes/plex-butler-tasks';
import startNode from '../nodes/plex-butler-start';
import stopNode from '../nodes/plex-butler-stop';
import allNode from '../nodes/plex-butler-all';

/** A core node module by path inside @node-red/nodes/core, e.g. `common/25-catch` (they ship no types). */
export function core(file: string): NodeInitializer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`@node-red/nodes/core/${file}`) as NodeInitializer;
}

/** Every node module of the package plus the core nodes the tests use. */
export const ALL_NODES = [serverNode, tasksNode, startNode, stopNode, allNode, core('common/25-catch'), core('common/24-complete'), core('common/25-status')];

export type FlowNode = Record<string, unknown> & { id: string; type: string };
export type Status = Record<string, unknown>;

/** Collects what arrives at a helper node. */
export class Inbox {
  readonly msgs: NodeMessage[] = [];
  private waiters: Array<() => void> = [];

  constructor(node: Node) {
    node.on('input', (msg: NodeMessage) => {
      this.msgs.push(msg);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves with the nth message (0-based) once it has arrived. */
  async nth(n: number, ms = 5000): Promise<NodeMessage> {
    const deadline = Date.now() + ms;
    while (this.msgs.length <= n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`message ${n} did not arrive within ${ms} ms (got ${this.msgs.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.msgs[n];
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `every` ms until it passes or `ms` runs out; returns the last failure message, if any. */
export async function eventually(check: () => string | undefined, ms = 2000, every = 10): Promise<string | undefined> {
  const end = Date.now() + ms;
  let why = check();
  while (why !== undefined && Date.now() < end) {
    await sleep(every);
    why = check();
  }
  return why;
}

/** Polls `check` every 20 ms; throws when it has not passed within `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  if ((await eventually(() => (check() ? undefined : 'no'), ms, 20)) !== undefined) throw new Error('condition not met in time');
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Records every status() call of `node` into `into` (and still shows it); returns `into`. */
export function spyStatus<S = Status>(node: Node, into: S[] = []): S[] {
  const n = node as unknown as { status: (s: S) => void };
  const orig = n.status.bind(n);
  n.status = (s: S) => {
    into.push(s);
    orig(s);
  };
  return into;
}

/** The test helper's server (the runtime with its admin API), started and stopped outside mocha hooks. */
export async function startHelperServer(): Promise<void> {
  await (helper.startServer as unknown as () => Promise<void>)();
}

export function stopHelperServer(): Promise<void> {
  return new Promise<void>((resolve) => helper.stopServer(() => resolve()));
}

/** Mocha hooks: the helper's server for the suite, and every flow unloaded after each test. */
export function useHelperServer(): void {
  before(startHelperServer);
  after(stopHelperServer);
  afterEach(async () => {
    await helper.unload();
  });
}

/**
 * Mocha hooks for a suite that runs nodes: the helper's server for the suite, a fresh simulator
 * for each test (handed to `use`), and everything unloaded and closed after each test.
 */
export function useRuntime(options: SimOptions, use: (sim: ButlerSimulator) => void): void {
  let sim: ButlerSimulator | undefined;
  useHelperServer();
  beforeEach(async () => {
    sim = await startSimulator(options);
    use(sim);
  });
  afterEach(async () => {
    await sim?.close();
  });
}

/** A status as it reads without the " · HH:MM" a request node's final status ends with (the time of the answer). */
export function untimed(status: { text?: unknown; fill?: unknown; shape?: unknown } | undefined): Record<string, unknown> {
  if (!status || status.text === undefined) return { ...status };
  const text = String(status.text);
  assert.match(text, / · \d\d:\d\d$/, `${text}: the time of the answer`);
  return { ...status, text: text.replace(/ · \d\d:\d\d$/, '') };
}

/** One node under test, what reaches its two outputs, and its status calls. */
export interface Rig {
  node: Node;
  ok: Inbox;
  err: Inbox;
  statuses: Status[];
}

export interface RigOptions {
  /** The server config node's properties (url, timeout, verifyTls, …); id `s1`, name `Plex`. */
  server: Record<string, unknown> & { url: string };
  token: string;
  /** Properties of the node under test (id `n1`). */
  props?: Record<string, unknown>;
  /** Wire output 2 to `err` (default true). */
  errorWired?: boolean;
  /** Add a catch node scoped to `n1` that feeds the helper node `caught`. */
  catchNode?: boolean;
}

/** Loads one node of `type` with output 1 wired to helper `ok` and output 2 to helper `err`. */
export async function loadRig(type: string, o: RigOptions): Promise<Rig> {
  const flow: FlowNode[] = [
    { id: 'f1', type: 'tab' },
    { id: 's1', type: 'plex-butler-server', name: 'Plex', ...o.server },
    { id: 'n1', z: 'f1', type, name: '', server: 's1', ...o.props, wires: [['ok'], (o.errorWired ?? true) ? ['err'] : []] },
    { id: 'ok', z: 'f1', type: 'helper' },
    { id: 'err', z: 'f1', type: 'helper' },
  ];
  if (o.catchNode) flow.push({ id: 'c1', z: 'f1', type: 'catch', scope: ['n1'], uncaught: false, wires: [['caught']] }, { id: 'caught', z: 'f1', type: 'helper' });
  await helper.load(ALL_NODES, flow, { s1: { token: o.token } });
  const node = helper.getNode('n1');
  return { node, ok: new Inbox(helper.getNode('ok')), err: new Inbox(helper.getNode('err')), statuses: spyStatus(node) };
}
