// Flooding and lifecycle (issue 4): a flapping sensor, the in-flight and queue bounds, and
// redeploy / node removal / shutdown with requests in flight. Every msg must get exactly one
// done(), nothing may be left running (timers, sockets), and no promise may reject unhandled.
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Node, NodeMessage } from 'node-red';
import type { ButlerClient } from '../lib/butler/client';
import type { ServerNode } from '../nodes/server-link';
import { startSimulator, ButlerSimulator } from '../sim/simulator';
import { switchServer, SwitchServer } from './fault-servers';
import { ALL_NODES, eventually, FlowNode, helper, Inbox, sleep, startHelperServer, stopHelperServer } from './helpers';

type Msg = NodeMessage & Record<string, unknown>;

interface CompleteEvent {
  msg: Msg;
  error?: unknown;
  node: { id: string };
}

interface Hooks {
  add(id: string, fn: (event: CompleteEvent) => void): void;
  remove(id: string): void;
}

interface RuntimeEvents {
  once(event: string, fn: () => void): void;
  off(event: string, fn: () => void): void;
}

/** The runtime's own @node-red/util: its hooks (onComplete sees every done()) and events. */
function runtimeUtil(): { hooks: Hooks; events: RuntimeEvents } {
  const where = require.resolve('@node-red/util', { paths: [path.dirname(require.resolve('node-red'))] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(where) as { hooks: Hooks; events: RuntimeEvents };
}

function runtimeHooks(): Hooks {
  return runtimeUtil().hooks;
}

/**
 * Deploys like the editor does and waits until the flows have started. helper.setFlows listens
 * for 'flows:started' only after the deploy call returns and gives up after 300 ms, which can
 * miss the event; this listener is in place before the deploy.
 */
async function deploy(flow: FlowNode[], type: 'full' | 'nodes', credentials: Record<string, { token: string }>): Promise<void> {
  const { events } = runtimeUtil();
  let onStarted = (): void => undefined;
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('flows did not start within 5 s')), 5000);
    onStarted = () => {
      clearTimeout(timer);
      resolve();
    };
    events.once('flows:started', onStarted);
  });
  try {
    await helper.setFlows(flow, type, credentials).catch((err: unknown) => {
      if (!String(err).includes('timeout waiting event')) throw err;
    });
    await started;
  } finally {
    events.off('flows:started', onStarted);
  }
}

/** Counts done() calls per msg id, for the nodes under test. */
class DoneLog {
  readonly byMsg = new Map<string, number>();
  readonly errors: unknown[] = [];
  private readonly hooks = runtimeHooks();

  constructor(private readonly nodes: string[]) {
    this.hooks.add('onComplete.lifecycle-test', (e) => {
      if (!this.nodes.includes(e.node.id)) return;
      this.byMsg.set(String(e.msg._msgid), (this.byMsg.get(String(e.msg._msgid)) ?? 0) + 1);
      if (e.error) this.errors.push(e.error);
    });
  }

  get total(): number {
    let n = 0;
    for (const c of this.byMsg.values()) n += c;
    return n;
  }

  remove(): void {
    this.hooks.remove('*.lifecycle-test');
  }
}

/** Counts of the resources that keep the process alive, by type. */
function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function clientOf(id: string): ButlerClient {
  return (helper.getNode(id) as ServerNode).getClient();
}

describe('flooding and lifecycle', function () {
  this.timeout(20000);
  let sim: ButlerSimulator;
  let server: SwitchServer;
  let done: DoneLog | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  before(startHelperServer);
  after(stopHelperServer);
  beforeEach(async () => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
    sim = await startSimulator({ runMs: 60000 });
    server = await switchServer(sim.url);
  });
  afterEach(async () => {
    done?.remove();
    done = undefined;
    await helper.unload();
    await server.stop();
    await sim.close();
    process.off('unhandledRejection', onUnhandled);
  });

  function flow(url: string, timeout = 10000, withNodes = true): FlowNode[] {
    const nodes: FlowNode[] = withNodes
      ? [
          { id: 'start', z: 'f1', type: 'plex-butler-start', name: '', server: 's1', task: '', wires: [['ok'], ['err']] },
          { id: 'tasks', z: 'f1', type: 'plex-butler-tasks', name: '', server: 's1', wires: [['ok'], ['err']] },
          { id: 'all', z: 'f1', type: 'plex-butler-all', name: '', server: 's1', action: 'msg', wires: [['ok'], ['err']] },
        ]
      : [];
    return [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'plex-butler-server', name: 'Plex', url, timeout, verifyTls: true },
      ...nodes,
      { id: 'ok', z: 'f1', type: 'helper' },
      { id: 'err', z: 'f1', type: 'helper' },
    ];
  }

  async function load(url: string, timeout = 10000): Promise<{ ok: Inbox; err: Inbox }> {
    await helper.load(ALL_NODES, flow(url, timeout), { s1: { token: sim.token } });
    done = new DoneLog(['start', 'tasks', 'all']);
    return { ok: new Inbox(helper.getNode('ok')), err: new Inbox(helper.getNode('err')) };
  }

  const send = (id: string, msg: Record<string, unknown>): void => (helper.getNode(id) as Node).receive(msg as Msg);

  /** Every id in `ids` arrived exactly once across both inboxes. */
  function answeredOnce(ids: string[], ok: Inbox, err: Inbox): void {
    const seen = [...ok.msgs, ...err.msgs].map((m) => String(m._msgid));
    assert.equal(seen.length, ids.length, `${seen.length} answers for ${ids.length} msgs`);
    assert.deepEqual([...seen].sort(), [...ids].sort());
  }

  describe('a flapping sensor', () => {
    it('500 starts of one task at once: one request, 500 answers on output 1, 500 done', async () => {
      sim.options.latencyMs = 100;
      const { ok, err } = await load(server.url);
      const ids = Array.from({ length: 500 }, (_, i) => `flap-${i}`);
      for (const id of ids) send('start', { _msgid: id, task: 'BackupDatabase' });
      await ok.nth(499, 10000);
      answeredOnce(ids, ok, err);
      assert.ok(server.requests.length <= 3, `${server.requests.length} requests`);
      assert.ok(ok.msgs.every((m) => (m.payload as { result: string }).result === 'started'));
      assert.equal(await eventually(() => (done?.total === 500 ? undefined : `${done?.total} done`)), undefined);
      assert.ok([...(done?.byMsg.values() ?? [])].every((c) => c === 1));
    });

    it('50 starts spread over half a second: a handful of requests, later ones "already-running"', async () => {
      sim.options.latencyMs = 100;
      const { ok, err } = await load(server.url);
      const ids = Array.from({ length: 50 }, (_, i) => `spread-${i}`);
      for (const id of ids) {
        send('start', { _msgid: id, task: 'BackupDatabase' });
        await sleep(10);
      }
      await ok.nth(49, 10000);
      answeredOnce(ids, ok, err);
      const posts = server.requests.filter((r) => r.method === 'POST').length;
      assert.ok(posts >= 2 && posts <= 8, `${posts} requests for 50 msgs`);
      const results = new Set(ok.msgs.map((m) => (m.payload as { result: string }).result));
      assert.deepEqual([...results].sort(), ['already-running', 'started']);
    });

    it('1100 different tasks at once: never more than 4 in flight, 96 QUEUE_FULL on output 2, 1100 answers', async () => {
      // PMS's 404 page, straight from the port: the point is the bound, not the simulator.
      await server.set({ kind: 'canned', answer: { status: 404, body: '<html><head><title>Not Found</title></head><body><h1>404 Not Found</h1></body></html>' } });
      // A long budget: on a loaded machine the queue may take seconds to drain, and this test is
      // about the bound, not speed.
      const { ok, err } = await load(server.url, 60000);
      const ids = Array.from({ length: 1100 }, (_, i) => `q-${i}`);
      // The node's one close signal has a listener per pending msg: no leak warning for that.
      const warnings: string[] = [];
      const onWarning = (w: Error): void => {
        warnings.push(`${w.name}: ${w.message}`);
      };
      process.on('warning', onWarning);
      ids.forEach((id, i) => send('start', { _msgid: id, task: `Flap${i}` }));
      await err.nth(1099, 60000).finally(() => process.off('warning', onWarning));
      assert.deepEqual(warnings, []);
      answeredOnce(ids, ok, err);
      const codes = new Map<string, number>();
      for (const m of err.msgs) {
        const code = (m.error as { code: string }).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      assert.equal(codes.get('QUEUE_FULL'), 96);
      assert.equal(codes.get('UNKNOWN_TASK'), 1004);
      assert.ok(server.maxOpen <= 4, `${server.maxOpen} requests open at once`);
      assert.equal(server.requests.length, 1004);
      assert.equal(await eventually(() => (done?.total === 1100 ? undefined : `${done?.total} done`)), undefined);
    }).timeout(90000);
  });

  describe('requests in flight when the flow stops', () => {
    let base: Record<string, number>;

    /** Sends 12 msgs that make 9 HTTP calls (3 list msgs share one): 4 on the wire, 5 queued. */
    async function busy(): Promise<string[]> {
      await server.set({ kind: 'hang' });
      // Taken inside the test: mocha's own test timer is running by now.
      base = resources();
      await load(server.url);
      const ids: string[] = [];
      const go = (node: string, msg: Record<string, unknown>): void => {
        const id = `${node}-${ids.length}`;
        ids.push(id);
        send(node, { _msgid: id, ...msg });
      };
      for (let i = 0; i < 3; i++) go('tasks', {});
      for (const task of ['BackupDatabase', 'BackupDatabase', 'OptimizeDatabase', 'CleanOldBundles', 'RefreshLibraries', 'GarbageCollectBlobs', 'CleanOldCacheFiles', 'LoudnessAnalysis']) go('start', { task });
      go('all', { action: 'start' });
      const why = await eventually(() => {
        const load = clientOf('s1').load;
        return load.active === 4 && load.waiting === 5 && server.connections === 4 ? undefined : `load ${JSON.stringify(load)}, ${server.connections} connections`;
      });
      assert.equal(why, undefined);
      return ids;
    }

    /** Each msg got one plain done(), nothing was sent, no rejection went unhandled. */
    async function allDone(ids: string[]): Promise<void> {
      const why = await eventually(() => (done?.total === ids.length ? undefined : `${done?.total} of ${ids.length} msgs done`));
      assert.equal(why, undefined);
      assert.deepEqual([...(done?.byMsg.keys() ?? [])].sort(), [...ids].sort());
      assert.ok([...(done?.byMsg.values() ?? [])].every((c) => c === 1), 'one done per msg');
      assert.deepEqual(done?.errors, []);
      await sleep(50);
      assert.deepEqual(unhandled, []);
    }

    /** No socket is open on the server and no timer or socket is left in this process. */
    async function nothingLeft(): Promise<void> {
      const why = await eventually(() => {
        const now = resources();
        if (server.openConnections > 0) return `${server.openConnections} connections still open`;
        for (const type of ['Timeout', 'TCPSocketWrap']) {
          if ((now[type] ?? 0) > (base[type] ?? 0)) return `${type}: ${now[type]} now, ${base[type] ?? 0} before`;
        }
        return undefined;
      });
      assert.equal(why, undefined);
    }

    it('redeploy (full): every pending msg is done, nothing is left, the new nodes work', async () => {
      const ids = await busy();
      await deploy(flow(server.url), 'full', { s1: { token: sim.token } });
      await allDone(ids);
      await nothingLeft();
      await server.set({ kind: 'healthy' });
      const ok = new Inbox(helper.getNode('ok'));
      send('tasks', { _msgid: 'after' });
      assert.ok(Array.isArray((await ok.nth(0)).payload));
    });

    it('node removal: pending msgs are done and their calls leave the shared client at once', async () => {
      const ids = await busy();
      const client = clientOf('s1');
      await deploy(flow(server.url, 10000, false), 'nodes', { s1: { token: sim.token } });
      assert.equal(clientOf('s1'), client, 'the server node was not restarted');
      await allDone(ids);
      assert.equal(await eventually(() => (client.load.active + client.load.waiting === 0 ? undefined : JSON.stringify(client.load)), 500), undefined);
      await nothingLeft();
    });

    it('shutdown: every pending msg is done and nothing is left', async () => {
      const ids = await busy();
      await helper.unload();
      await allDone(ids);
      await nothingLeft();
    });
  });
});
