import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Node } from 'node-red';
import type { ButlerSimulator } from '../sim/simulator';
import settingsNode from '../nodes/plex-butler-settings';
import activityNode from '../nodes/plex-butler-activity';
import playbackNode from '../nodes/plex-butler-playback';
import { ALL_NODES, core, FlowNode, helper, sleep, useRuntime } from './helpers';
import { usesDashboard } from './browser/nodered';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

const NODES = [
  ...ALL_NODES,
  settingsNode,
  activityNode,
  playbackNode,
  core('common/20-inject'),
  core('common/21-debug'),
  core('common/90-comment'),
  core('function/10-switch'),
  core('function/15-change'),
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
      ['Maintenance dashboard.json'],
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
