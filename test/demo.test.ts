// `npm start`'s pieces without a browser: the demo flow, the simulator's kept port and token, one
// simulator identity in /identity, the fake plex.tv and the fake GDM, and the tests' screenshots
// kept out of the clone. test/browser/demo.test.ts runs the whole stack in Chromium.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ButlerClient } from '../lib/butler/client';
import { discoverServers } from '../lib/setup/gdm';
import { PlexTvClient } from '../lib/setup/plextv';
import { startSimulator } from '../sim/simulator';
import { DASHBOARD_EXAMPLE, dashboardTab, DEMO_MARK, DEMO_SERVER, demoFlow, FlowNode, replacesFlows } from '../scripts/demo-flow';
import { startSetupFakes } from '../scripts/setup-fakes';
import { DEFAULT_SIM_PORT, settingsText, simPort, simulatorKeys } from '../scripts/start';
import { shotPath, SHOTS } from './browser/harness';

const ROOT = path.join(__dirname, '..', '..');

describe('npm start: the demo', () => {
  const flow = demoFlow(true, dashboardTab(ROOT));
  const onTab = flow.filter((n) => n.z === 'demo-tab');

  it('names every inject button by what it does: no two alike', () => {
    const names = onTab.filter((n) => n.type === 'inject').map((n) => String(n.name));
    assert.ok(names.includes('start BackupDatabase') && names.includes('stop BackupDatabase'), names.join(', '));
    assert.equal(new Set(names).size, names.length, names.join(', '));
  });

  it('the "result" debug node shows msg.payload ("started", "already-running") without a click', () => {
    const result = onTab.find((n) => n.type === 'debug' && n.name === 'result');
    assert.deepEqual({ complete: result?.complete, targetType: result?.targetType }, { complete: 'payload', targetType: 'msg' });
  });

  it('reads left to right: every wire goes to a node further right', () => {
    const byId = new Map(onTab.map((n) => [n.id, n]));
    for (const n of onTab) {
      for (const out of (n.wires as string[][] | undefined) ?? []) {
        for (const to of out) assert.ok(Number(byId.get(to)?.x) > Number(n.x), `${String(n.id)} → ${to}`);
      }
    }
  });

  it('the dashboard example on a tab of its own, its nodes on the demo server, every id once', () => {
    const example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', DASHBOARD_EXAMPLE), 'utf8')) as FlowNode[];
    const dash = dashboardTab(ROOT);
    assert.equal(dash.length, example.length, 'the example less its server node, plus the tab');
    assert.ok(!dash.some((n) => n.type === 'plex-butler-server'));
    const users = dash.filter((n) => 'server' in n);
    assert.ok(users.length >= 5);
    for (const n of users) assert.equal(n.server, DEMO_SERVER, String(n.id));
    const ids = flow.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(example.some((n) => n.type === 'comment' && /needs .*Dashboard 2\.0|needs @flowfuse\/node-red-dashboard/.test(String(n.name))));
  });

  it('replaces a missing flow or an older demo, never a flow of the user or the current demo', () => {
    assert.equal(replacesFlows(''), true);
    assert.equal(replacesFlows(JSON.stringify([{ id: 'demo-tab', type: 'tab' }, { id: 'demo-playback' }])), true);
    assert.equal(replacesFlows(JSON.stringify(flow)), false);
    assert.equal(replacesFlows(JSON.stringify([{ id: 'mine', type: 'tab' }])), false);
    assert.ok(flow.some((n) => n.id === DEMO_MARK));
  });

  it("settings.js: the palette manager loads no remote catalogue (Node-RED's default is catalogue.nodered.org)", () => {
    const text = settingsText(1880);
    assert.match(text, /palette: \{ catalogues: \[\] \}/);
    assert.doesNotMatch(text, /https?:\/\//);
  });
});

describe('npm start: the simulator keeps its address and token', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-keys-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a fixed port unless SIM_PORT says otherwise', () => {
    assert.equal(simPort({}), DEFAULT_SIM_PORT);
    assert.equal(simPort({ SIM_PORT: '' }), DEFAULT_SIM_PORT);
    assert.equal(simPort({ SIM_PORT: '40123' }), 40123);
    for (const bad of ['0', 'abc', '70000', '12.5']) assert.throws(() => simPort({ SIM_PORT: bad }), /SIM_PORT/);
  });

  it('the token and machine identifier are made once, kept private in the user folder, and made anew when the file is damaged', () => {
    const first = simulatorKeys(dir);
    assert.match(first.token, /^[\w-]{20}$/);
    assert.match(first.machineIdentifier, /^[0-9a-f]{40}$/);
    assert.deepEqual(simulatorKeys(dir), first);
    assert.equal(fs.statSync(path.join(dir, 'simulator.json')).mode & 0o077, 0);
    fs.writeFileSync(path.join(dir, 'simulator.json'), '{"token": 1}');
    const again = simulatorKeys(dir);
    assert.notEqual(again.token, first.token);
    assert.deepEqual(simulatorKeys(dir), again);
  });

  it('one identity: /identity, the fake plex.tv and the fake GDM give the same name, version and machine identifier at the same address', async () => {
    const sim = await startSimulator({ ...simulatorKeys(dir) });
    const fakes = await startSetupFakes(sim);
    try {
      const identity = await new ButlerClient({ url: sim.url, token: sim.token, retries: 0 }).identity();
      assert.deepEqual({ version: identity.version, machineIdentifier: identity.machineIdentifier }, { version: sim.identity.version, machineIdentifier: simulatorKeys(dir).machineIdentifier });
      const servers = await new PlexTvClient({ baseUrl: fakes.settings.plexTvUrl, clientId: 'demo-test' }).servers(fakes.plexTv.accountToken);
      const owned = servers.filter((s) => s.owned);
      assert.equal(owned.length, 1);
      assert.deepEqual({ name: owned[0].name, version: owned[0].version, id: owned[0].clientIdentifier, token: owned[0].accessToken }, { name: sim.identity.name, version: identity.version, id: identity.machineIdentifier, token: sim.token });
      assert.ok(owned[0].connections.some((c) => c.uri === sim.url));
      const found = await discoverServers({ address: '127.0.0.1', port: fakes.settings.gdmPort });
      const simulated = found.servers.filter((s) => s.url === sim.url);
      assert.deepEqual(simulated.map((s) => [s.name, s.version, s.resourceIdentifier]), [[sim.identity.name, identity.version, identity.machineIdentifier]]);
    } finally {
      await fakes.close();
      await sim.close();
    }
  });
});

describe('tests leave the clone as they found it', () => {
  it('a screenshot goes to docs/images only with PLEX_BUTLER_SCREENSHOTS=1 (npm run screenshots), else to a temporary folder', () => {
    const normal = shotPath('palette.png', {});
    assert.ok(path.relative(ROOT, normal).startsWith('..'), `${normal} is inside the clone`);
    assert.equal(shotPath('palette.png', { PLEX_BUTLER_SCREENSHOTS: '1' }), path.join(SHOTS, 'palette.png'));
  });

  it('the browser tests name docs/images only through shotPath', () => {
    const dir = path.join(ROOT, 'test', 'browser');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'harness.ts')) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      assert.doesNotMatch(text, /docs['/, ]+images|SHOTS\b/, file);
    }
  });
});
