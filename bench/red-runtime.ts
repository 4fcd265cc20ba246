// An embedded Node-RED runtime for the benchmark: a throw-away userDir with this package linked
// into its node_modules (as `npm install` would put it), started in this process.
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { ROOT, sleep } from './common';

export { ROOT };


/** The few internal runtime calls the benchmark needs (node-red types leave this module opaque). */
interface InternalNodes {
  registerType(set: string, type: string, ctor: (this: Node, def: NodeDef) => void): void;
  createNode(node: Node, def: NodeDef): void;
  getNode(id: string): Node | null;
  getType(type: string): unknown;
}

export interface RedOptions {
  /** link this package into the userDir */
  withPackage: boolean;
  /** start the editor/admin API too, as a normal Node-RED does */
  admin: boolean;
  /** use this node_modules (an installed copy of the package and its deps) instead of linking the checkout */
  nodeModules?: string;
}

export interface Red {
  userDir: string;
  /** deploys a full flow set with credentials and waits until the node `waitFor` exists */
  deploy(flows: object[], credentials: Record<string, object>, waitFor: string): Promise<void>;
  getNode(id: string): Node;
  /** whether a node type is registered */
  hasType(type: string): boolean;
  /** registers a node type whose inputs go to `onInput(nodeId, msg)` */
  registerSink(type: string, onInput: (id: string, msg: NodeMessage) => void): void;
  /** registers a node type of the benchmark's own; `init` wires the created node */
  registerNode(type: string, init: (node: Node, def: NodeDef) => void): void;
  stop(): Promise<void>;
}

export function makeUserDir(withPackage: boolean, nodeModules?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-bench-'));
  if (withPackage && nodeModules) fs.symlinkSync(nodeModules, path.join(dir, 'node_modules'), 'dir');
  else fs.mkdirSync(path.join(dir, 'node_modules'));
  if (withPackage && !nodeModules) fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'node-red-contrib-plex-butler'), 'dir');
  fs.writeFileSync(path.join(dir, 'flows.json'), '[]');
  return dir;
}

export function removeUserDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Resolves at the next "flows:started" event, or fails after 20 s. */
function flowsStarted(events: EventEmitter): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Node-RED flows did not start within 20 s')), 20000);
    events.once('flows:started', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts Node-RED in this process; resolves once the runtime has started (flows empty). */
export async function startRed(opts: RedOptions): Promise<Red> {
  process.env.NODE_RED_DISABLE_TELEMETRY = '1';
  const userDir = makeUserDir(opts.withPackage, opts.nodeModules);
  // also when the run fails or is stopped half-way
  process.once('exit', () => removeUserDir(userDir));
  const RED = (await import('node-red')).default;
  const settings = {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false as const,
    uiHost: '127.0.0.1',
    uiPort: 0,
    httpAdminRoot: opts.admin ? '/' : (false as const),
    httpNodeRoot: false as const,
    // quiet: failures are counted by the benchmark itself
    logging: { console: { level: 'fatal', metrics: false, audit: false } },
    editorTheme: { tours: false },
    telemetry: { enabled: false },
  };
  // The server is never listened on: nothing is exposed, not even on 127.0.0.1.
  RED.init(http.createServer(), settings as unknown as Parameters<typeof RED.init>[1]);
  // start() resolves before the (empty) flows are loaded; a deploy before that would lose its credentials
  const started = flowsStarted(RED.events);
  await RED.start();
  await started;
  const nodes = RED.nodes as unknown as InternalNodes;
  const registerNode = (type: string, init: (node: Node, def: NodeDef) => void): void => {
    nodes.registerType('plex-butler-bench', type, function (this: Node, def: NodeDef) {
      nodes.createNode(this, def);
      init(this, def);
    });
  };
  return {
    userDir,
    async deploy(flows, credentials, waitFor) {
      const running = flowsStarted(RED.events);
      await RED.runtime.flows.setFlows({ flows: { flows, credentials } });
      await running;
      for (let i = 0; i < 200 && !nodes.getNode(waitFor); i++) await sleep(25);
      if (!nodes.getNode(waitFor)) throw new Error(`node ${waitFor} did not start`);
    },
    getNode(id) {
      const n = nodes.getNode(id);
      if (!n) throw new Error(`no node ${id}`);
      return n;
    },
    hasType(type) {
      return typeof nodes.getType(type) === 'function';
    },
    registerSink(type, onInput) {
      registerNode(type, (node, def) =>
        node.on('input', (msg: NodeMessage, _send: unknown, done: () => void) => {
          onInput(def.id, msg);
          done();
        }),
      );
    },
    registerNode,
    async stop() {
      await RED.stop();
      removeUserDir(userDir);
    },
  };
}
