import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Node } from 'node-red';
import type { ButlerSimulator } from '../sim/simulator';
import settingsNode from '../nodes/plex-butler-settings';
import activityNode from '../nodes/plex-butler-activity';
import playbackNode from '../nodes/plex-butler-playback';
import quietHoursNode from '../nodes/plex-butler-quiet-hours';
import reportNode from '../nodes/plex-butler-report';
import { ALL_NODES, core, FlowNode, helper, sleep, useRuntime } from './helpers';
import { usesDashboard } from './browser/harness';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

const NODES = [
  ...ALL_NODES,
  settingsNode,
  activityNode,
  playbackNode,
  quietHoursNode,
  reportNode,
  core('common/20-inject'),
  core('common/21-debug'),
  core('common/90-comment'),
  core('function/10-switch'),
  core('function/15-change'),
  core('function/10-function'),
  core('function/80-template'),
  core('function/89-delay'),
  core('network/21-httpin'),
];

interface LogEntry {
  level: number;
  type?: string;
  msg?: unknown;
}

describe('examples', function () {
  let sim: ButlerSimulator;
  useRuntime({ runMs: 200 }, (s) => {
    sim = s;
    process.env.PLEX_URL = s.url;
  });
  after(() => {
    delete process.env.PLEX_URL;
  });

  const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

  it('there are examples for every node type', () => {
    const types = new Set(files.flatMap((f) => (JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')) as FlowNode[]).map((n) => n.type)));
    for (const t of ['plex-butler-tasks', 'plex-butler-start', 'plex-butler-stop', 'plex-butler-all', 'plex-butler-settings', 'plex-butler-activity']) {
      assert.ok(types.has(t), `${t} is in no example`);
    }
  });

  // The dashboard's ui-* nodes need its socket.io server and HTTP routes, which the test helper's
  // bare runtime does not give them: test/browser/dashboard.test.ts deploys that example in a
  // real Node-RED with the dashboard installed and drives it in Chromium instead.
  const plain = files.filter((f) => !usesDashboard(JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')) as FlowNode[]));

  it('runs every example here except those for FlowFuse Dashboard 2.0', () => {
    assert.deepEqual(
      files.filter((f) => !plain.includes(f)),
      ['Maintenance dashboard (needs Dashboard 2.0).json'],
    );
  });

  for (const file of plain) {
    it(`"${file}" deploys, has a comment, carries no token, and its injects reach the server without errors`, async () => {
      const text = fs.readFileSync(path.join(EXAMPLES, file), 'utf8');
      const nodes = JSON.parse(text) as FlowNode[];
      assert.ok(!/"token"|credentials/.test(text), 'no credentials in an example');
      assert.ok(nodes.some((n) => n.type === 'comment' && String(n.info ?? '').length > 40), 'an explaining comment');
      const servers = nodes.filter((n) => n.type === 'plex-butler-server');
      assert.ok(servers.length >= 1);
      const flow = [{ id: 'tab', type: 'tab' }, ...nodes.map((n) => (n.type === 'plex-butler-server' ? n : { ...n, z: 'tab' }))];
      const creds = Object.fromEntries(servers.map((s) => [s.id, { token: sim.token }]));
      await helper.load(NODES, flow, creds);
      for (const n of nodes) assert.ok(helper.getNode(n.id), `${n.type} ${n.id} was created`);
      const log = helper.log() as unknown as { args: LogEntry[][] };
      // whatever arrives behind an error output (output 2 of our nodes) is a failure here
      const failures: unknown[] = [];
      const errorTargets = new Set(nodes.filter((n) => n.type.startsWith('plex-butler-') && Array.isArray(n.wires)).flatMap((n) => (n.wires as string[][])[1] ?? []));
      for (const id of errorTargets) (helper.getNode(id) as unknown as NodeJS.EventEmitter).on('input', (msg: { error?: unknown }) => failures.push(msg.error));
      for (const n of nodes.filter((x) => x.type === 'inject')) (helper.getNode(n.id) as Node).receive({});
      await sleep(400);
      const errors = log.args.map((a) => a[0]).filter((e) => e.level <= 20 && String(e.type).startsWith('plex-butler'));
      assert.deepEqual(errors, []);
      assert.deepEqual(failures, []);
      const injects = nodes.filter((x) => x.type === 'inject').length;
      if (injects > 0) assert.ok(sim.requests.length > 0, 'the injects reached the simulator');
    });
  }
});

/** A node's label as the editor draws it: its name, else the default label of its type. */
function label(n: FlowNode): string {
  if (typeof n.name === 'string' && n.name !== '') return n.name;
  const task = typeof n.task === 'string' && n.task !== '' ? n.task : 'task';
  if (n.type === 'plex-butler-start') return `start ${task}`;
  if (n.type === 'plex-butler-stop') return `stop ${task}`;
  if (n.type === 'plex-butler-all') return n.action === 'msg' ? 'all tasks: msg.action' : `${n.action === 'stop' ? 'stop' : 'start'} all tasks`;
  const fixed: Record<string, string> = { 'plex-butler-tasks': 'list butler tasks', 'plex-butler-activity': 'butler activity', 'plex-butler-settings': 'maintenance window', debug: 'msg.payload' };
  return fixed[n.type] ?? n.type;
}

interface Box {
  id: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The area a node covers on the canvas: ~7 px a label character plus icon and padding, 30 px high, with the inject and debug buttons. */
function box(n: FlowNode): Box {
  const x = Number(n.x);
  const y = Number(n.y);
  const half = Math.max(100, 50 + 7 * label(n).length) / 2;
  return {
    id: `${n.type} "${label(n)}"`,
    left: x - half - (n.type === 'inject' ? 25 : 0),
    right: x + half + (n.type === 'debug' ? 25 : 0),
    top: y - 15,
    bottom: y + 15,
  };
}

describe('examples side by side', () => {
  const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
  const parsed = files.map((file) => ({ file, nodes: JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as FlowNode[] }));

  it('no two nodes of an example overlap (at least 10 px apart)', () => {
    for (const { file, nodes } of parsed) {
      const boxes = nodes.filter((n) => typeof n.x === 'number' && typeof n.y === 'number').map(box);
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i], boxes[j]];
          const apart = Math.max(b.left - a.right, a.left - b.right, b.top - a.bottom, a.top - b.bottom);
          assert.ok(apart >= 10, `${file}: ${a.id} and ${b.id} are ${apart} px apart`);
        }
      }
    }
  });

  it('all examples share one server node, identical in each, so importing a second adds none', () => {
    const servers = parsed.flatMap(({ nodes }) => nodes.filter((n) => n.type === 'plex-butler-server'));
    assert.equal(servers.length, files.length, 'one server node per example');
    for (const s of servers) assert.deepEqual(s, servers[0]);
    assert.equal(servers[0].url, '${PLEX_URL}');
    assert.equal(servers[0].z, undefined, 'a global config node, not scoped to a tab');
    for (const { file, nodes } of parsed) {
      for (const n of nodes.filter((x) => 'server' in x)) assert.equal(n.server, servers[0].id, `${file}: ${n.type} ${n.id}`);
    }
  });
});
