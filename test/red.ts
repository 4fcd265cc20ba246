// Shared set-up for tests that run our nodes inside Node-RED (node-red-node-test-helper).
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

/** A core node module by path inside @node-red/nodes (they ship no types). */
function core(file: string): NodeInitializer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`@node-red/nodes/core/common/${file}`) as NodeInitializer;
}

/** Every node module of the package plus the core nodes the tests use. */
export const ALL_NODES = [serverNode, tasksNode, startNode, stopNode, allNode, core('25-catch'), core('24-complete'), core('25-status')];

export type FlowNode = Record<string, unknown> & { id: string; type: string };

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

/**
 * Mocha hooks for a suite that runs nodes: the helper's server for the suite, a fresh simulator
 * for each test (handed to `use`), and everything unloaded and closed after each test.
 */
export function useRuntime(options: SimOptions, use: (sim: ButlerSimulator) => void): void {
  let sim: ButlerSimulator | undefined;
  before(async () => {
    await (helper.startServer as unknown as () => Promise<void>)();
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    sim = await startSimulator(options);
    use(sim);
  });
  afterEach(async () => {
    await helper.unload();
    await sim?.close();
  });
}
