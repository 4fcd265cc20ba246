// Setting up a server without digging for a token, in a real browser: Sign in with Plex against a
// fake plex.tv and its auth page, Find servers against a fake GDM responder, and ${PLEX_URL} flows.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, Page, Request, Route } from 'playwright-core';
import { ButlerSimulator, DEFAULT_TASKS, startSimulator } from '../../sim/simulator';
import { FakePlexTv, startFakePlexTv } from '../../sim/plextv';
import { FakeGdm, startFakeGdm } from '../../sim/gdm';
import { freePort } from '../../scripts/compat/proc';
import { api, deploy, importExample, installPacked, launchBrowser, needChromium, NodeRed, openNode, shotPath, startNodeRed, until, newPage, screenshotFailures } from './harness';

interface EditorNode {
  id: string;
  type: string;
  url?: string;
}
declare const RED: {
  nodes: { node(id: string): EditorNode | null; eachConfig(cb: (n: EditorNode) => void): void };
  workspaces: { show(id: string): void };
};

/** Deployed before the editor opens: (a) an inject wired to a start node without a server; (b) a ${PLEX_URL} server. */
function initialFlow(): Array<Record<string, unknown>> {
  return [
    { id: 'a-tab', type: 'tab', label: 'sign in' },
    { id: 'a-inject', type: 'inject', z: 'a-tab', name: 'go', props: [{ p: 'payload' }], payload: '', payloadType: 'str', repeat: '', once: false, x: 140, y: 100, wires: [['a-start']] },
    { id: 'a-start', type: 'plex-butler-start', z: 'a-tab', name: '', server: '', task: 'BackupDatabase', x: 340, y: 100, wires: [[], []] },
    { id: 'b-tab', type: 'tab', label: 'env' },
    { id: 'b-server', type: 'plex-butler-server', name: 'From env', url: '${PLEX_URL}', timeout: 5000, verifyTls: true, credentials: { token: '${PLEX_TOKEN}' } },
    { id: 'b-start', type: 'plex-butler-start', z: 'b-tab', name: '', server: 'b-server', task: 'BackupDatabase', x: 340, y: 100, wires: [[], []] },
  ];
}

describe('server set-up in a real browser: Sign in with Plex, Find servers, ${PLEX_URL}', function () {
  let tmp = '';
  let sim: ButlerSimulator;
  let friend: ButlerSimulator;
  let plexTv: FakePlexTv;
  let gdm: FakeGdm;
  let red: NodeRed | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  let dead = '';

  before(async function () {
    this.timeout(150_000);
    needChromium(this);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-setup-'));
    const userDir = await installPacked(tmp);
    sim = await startSimulator();
    friend = await startSimulator({ sharedToken: 'friend-shared-token-0001' });
    const port = new URL(sim.url).port;
    dead = `http://127.0.0.1:${await freePort()}`;
    plexTv = await startFakePlexTv({
      servers: [
        {
          name: 'Living room',
          owned: true,
          accessToken: sim.token,
          connections: [
            { uri: `http://localhost:${port}`, local: false, relay: true },
            { uri: dead, local: false },
            { uri: sim.url, local: true },
            { uri: `https://127.0.0.1:${port}`, local: true }, // TLS to a plain-HTTP port
          ],
        },
        { name: "Friend's server", owned: false, accessToken: 'friend-shared-token-0001', connections: [{ uri: friend.url, local: false }] },
      ],
    });
    gdm = await startFakeGdm({ servers: [{ name: 'Living room', port: Number(port), resourceIdentifier: 'lr-1' }, { name: 'Attic', port: 32400, resourceIdentifier: 'attic-1' }], copies: 2, garbage: true });
    const plexButler = { plexTvUrl: plexTv.url, authUrl: plexTv.authUrl, gdmAddress: '127.0.0.1', gdmPort: gdm.port };
    red = await startNodeRed(tmp, userDir, { plexButler }, { PLEX_URL: sim.url, PLEX_TOKEN: sim.token });
    const deployed = await api(red.base, 'POST', 'flows', initialFlow());
    assert.ok(deployed.status === 204 || deployed.status === 200, JSON.stringify(deployed.json));

    browser = await launchBrowser();
    page = await newPage(browser, pageErrors, 1000);
    await page.goto(red.base);
    await page.waitForSelector('g[id="a-start"]', { timeout: 30_000 });
  });

  screenshotFailures('setup', () => (browser ? page : undefined));

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await red?.stop();
    await Promise.all([sim?.close(), friend?.close(), plexTv?.close(), gdm?.close()]);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function showTab(id: string): Promise<void> {
    await page.evaluate((z) => RED.workspaces.show(z), id);
  }

  /** From the start node's dialog, the dialog of a new server. */
  async function addServer(startId: string): Promise<void> {
    await openNode(page, startId);
    await page.click('#node-input-btn-server-add');
    await page.waitForSelector('#node-config-input-url', { state: 'visible' });
  }

  it('Sign in with Plex → Allow → pick a server → URL and token filled, tested, deployed, a start node works', async function () {
    this.timeout(60_000);
    await showTab('a-tab');
    await addServer('a-start');
    const popupOpened = page.waitForEvent('popup');
    await page.click('#node-config-plex-butler-signin');
    const popup = await popupOpened;
    await until(() => popup.url().startsWith(`${plexTv.authUrl}#?`), 10_000, 'the auth page in the popup');
    assert.match(popup.url(), /clientID=[^&]+&code=[0-9a-f]+&context%5Bdevice%5D%5Bproduct%5D=node-red-contrib-plex-butler/);
    assert.ok(await page.isVisible('#node-config-plex-butler-authlink'), 'the link for a blocked popup');
    assert.equal(await page.getAttribute('#node-config-plex-butler-authlink', 'href'), popup.url());
    await popup.click('#allow');
    const allowedAt = Date.now();
    await page.waitForSelector('.plex-butler-server-choice', { timeout: 20_000 });
    const listedMs = Date.now() - allowedAt;
    console.log(`      (servers listed ${listedMs} ms after Allow)`);
    await until(() => popup.isClosed(), 5000, 'the editor to close the popup');

    const boxes = page.locator('.plex-butler-server-choice');
    assert.equal(await boxes.count(), 2);
    assert.deepEqual(await boxes.locator('.plex-butler-server-name').allInnerTexts(), ['Living room', "Friend's server"]);
    const home = boxes.nth(0).locator('.plex-butler-conn');
    const port = new URL(sim.url).port;
    assert.deepEqual(await home.evaluateAll((els) => els.map((e) => [e.getAttribute('data-uri'), e.getAttribute('data-reachable')])), [
      [`https://127.0.0.1:${port}`, 'false'],
      [sim.url, 'true'],
      [dead, 'false'],
      [`http://localhost:${port}`, 'true'],
    ]);
    assert.equal(await boxes.nth(1).locator('.plex-butler-conn').isDisabled(), true, 'a shared server cannot be picked');
    assert.doesNotMatch(await page.locator('.red-ui-tray').last().innerText(), /plex-butler-server\.setup\./);
    await page.locator('.red-ui-tray').last().screenshot({ path: shotPath('signin-servers.png') });

    await home.nth(1).click();
    assert.equal(await page.inputValue('#node-config-input-url'), sim.url);
    assert.equal(await page.inputValue('#node-config-input-token'), sim.token);
    await page.waitForSelector('#node-config-plex-butler-result[data-state="ok"]', { timeout: 20_000 });
    assert.ok((await page.innerText('#node-config-plex-butler-result')).includes(`${DEFAULT_TASKS.length} Butler tasks`));
    // The pick says what it did; the test's own line says how the test went (no "testing…" left above it).
    assert.equal(await page.innerText('#node-config-plex-butler-setup-state'), 'Living room: URL and token filled in.');
    await page.fill('#node-config-input-name', 'Signed in');
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#plex-butler-start-source[data-state="ok"]', { timeout: 20_000 });
    await page.click('#node-dialog-ok');
    await deploy(page);

    sim.requests.length = 0;
    await page.locator('g[id="a-inject"] .red-ui-flow-node-button').click();
    await until(() => sim.requests.some((r) => r.method === 'POST' && r.url === '/butler/BackupDatabase' && r.headers['x-plex-token'] === sim.token), 8000, 'the start node to start the task');
    assert.ok(red && !red.log.includes(sim.token) && !red.log.includes(plexTv.accountToken), 'a token in the Node-RED log');
    assert.equal(plexTv.openPins, 1, 'the allowed PIN is left to expire at plex.tv');
  });

  it('Find servers → pick one → URL filled, and the result of a test made for the old URL is gone', async function () {
    this.timeout(30_000);
    await addServer('a-start');
    await page.fill('#node-config-input-url', dead);
    await page.fill('#node-config-input-token', 'some-token');
    await page.click('#node-config-plex-butler-test');
    await page.waitForSelector('#node-config-plex-butler-result[data-state="error"]', { timeout: 10_000 });
    assert.match(await page.innerText('#node-config-plex-butler-result'), /Cannot reach Plex/);
    const started = Date.now();
    await page.click('#node-config-plex-butler-find');
    await page.waitForSelector('#node-config-plex-butler-choices[data-kind="gdm"] .plex-butler-conn', { timeout: 10_000 });
    await page.waitForSelector('#node-config-plex-butler-setup-state[data-state="ok"]');
    console.log(`      (Find servers answered in ${Date.now() - started} ms)`);
    const found = page.locator('#node-config-plex-butler-choices .plex-butler-conn');
    assert.deepEqual(await found.evaluateAll((els) => els.map((e) => e.getAttribute('data-uri'))), [sim.url, 'http://127.0.0.1:32400']);
    await page.locator('.red-ui-tray').last().screenshot({ path: shotPath('find-servers.png') });
    await found.first().click();
    assert.equal(await page.inputValue('#node-config-input-url'), sim.url);
    assert.equal(await page.inputValue('#node-config-input-token'), 'some-token');
    assert.equal(await page.innerText('#node-config-plex-butler-result'), '', 'the old result under the new URL');
    assert.equal(await page.getAttribute('#node-config-plex-butler-result', 'data-state'), null);

    // An answer that comes after the URL changed is not shown under the new one.
    sim.options.latencyMs = 1500;
    try {
      await page.fill('#node-config-input-token', sim.token);
      sim.requests.length = 0;
      await page.click('#node-config-plex-butler-test');
      await page.waitForSelector('#node-config-plex-butler-result[data-state="loading"]');
      await page.fill('#node-config-input-url', dead);
      await until(() => sim.requests.some((r) => r.url === '/butler'), 5000, 'the test to reach the simulator');
      await page.waitForSelector('#node-config-plex-butler-test:enabled', { timeout: 10_000 });
      assert.equal(await page.innerText('#node-config-plex-butler-result'), '');
    } finally {
      sim.options.latencyMs = 0;
    }
    await page.click('#node-config-dialog-cancel');
    await page.click('#node-dialog-cancel');
  });

  it('cancel and a closed popup end the sign-in, and plex.tv is no longer asked', async function () {
    this.timeout(30_000);
    await addServer('a-start');
    const polls = (): number => plexTv.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/api/v2/pins/')).length;
    let popupOpened = page.waitForEvent('popup');
    await page.click('#node-config-plex-butler-signin');
    let popup = await popupOpened;
    await page.waitForSelector('#node-config-plex-butler-cancel:visible');
    await page.click('#node-config-plex-butler-cancel');
    await until(() => popup.isClosed(), 5000, 'the popup to close on cancel');
    assert.equal(await page.getAttribute('#node-config-plex-butler-setup-state', 'data-state'), 'warning');

    popupOpened = page.waitForEvent('popup');
    await page.click('#node-config-plex-butler-signin');
    popup = await popupOpened;
    await until(() => popup.url().includes('#?'), 5000, 'the auth page');
    await popup.close();
    await until(async () => /closed/.test(await page.innerText('#node-config-plex-butler-setup-state')), 10_000, 'the closed-popup message');
    await new Promise((r) => setTimeout(r, 300));
    const before = polls();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(polls(), before, 'plex.tv still polled after the sign-in ended');
    await page.click('#node-config-dialog-cancel');
    await page.click('#node-dialog-cancel');
  });

  it('Cancel, or closing the dialog, while the PIN is being created: popup closed, no PIN kept, no polling', async function () {
    this.timeout(40_000);
    const statusPolls: string[] = [];
    const onRequest = (r: Request): void => {
      if (r.url().includes('/plex-butler/signin/status')) statusPolls.push(r.url());
    };
    // The start of each sign-in is held 1.5 s on its way to the runtime: the PIN is "being created".
    const hold = async (route: Route): Promise<void> => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue().catch(() => undefined); // the editor aborted it meanwhile
    };
    const pinsCreated = (): number => plexTv.requests.filter((r) => r.method === 'POST' && r.url.startsWith('/api/v2/pins')).length;
    const pinsBefore = pinsCreated();
    page.on('request', onRequest);
    await page.route('**/plex-butler/signin', hold);
    try {
      for (const how of ['the Cancel button', 'closing the dialog'] as const) {
        await addServer('a-start');
        const popupOpened = page.waitForEvent('popup');
        await page.click('#node-config-plex-butler-signin');
        const popup = await popupOpened;
        await page.waitForSelector('#node-config-plex-butler-cancel:visible');
        if (how === 'the Cancel button') {
          await page.click('#node-config-plex-butler-cancel');
          await until(() => popup.isClosed(), 5000, `the blank popup to close on ${how}`);
          assert.equal(await page.isVisible('#node-config-plex-butler-cancel'), false);
          assert.equal(await page.isEnabled('#node-config-plex-butler-signin'), true);
        }
        await page.click('#node-config-dialog-cancel');
        await until(() => popup.isClosed(), 5000, `the blank popup to close on ${how}`);
        await page.click('#node-dialog-cancel');
      }
      // Past the held starts, and two polls' worth of time after them.
      await new Promise((r) => setTimeout(r, 1500 + 2500));
      assert.deepEqual(statusPolls, [], 'the editor polled a sign-in it had cancelled');
      assert.equal(pinsCreated(), pinsBefore, 'a PIN was created for a sign-in cancelled before it came');
    } finally {
      page.off('request', onRequest);
      await page.unroute('**/plex-butler/signin', hold);
    }
  });

  it('a blocked popup: the dialog says so and offers the link to the sign-in page', async function () {
    this.timeout(30_000);
    await addServer('a-start');
    await page.evaluate(() => {
      (window as unknown as { open: () => null }).open = () => null;
    });
    await page.click('#node-config-plex-butler-signin');
    await page.waitForSelector('#node-config-plex-butler-setup-state[data-state="warning"]');
    assert.match(await page.innerText('#node-config-plex-butler-setup-state'), /blocked/);
    const href = (await page.getAttribute('#node-config-plex-butler-authlink', 'href')) ?? '';
    assert.ok(href.startsWith(`${plexTv.authUrl}#?clientID=`), href);
    await page.click('#node-config-plex-butler-cancel');
    await page.click('#node-config-dialog-cancel');
    await page.click('#node-dialog-cancel');
    await page.reload(); // the real window.open back
    await page.waitForSelector('g[id="a-start"], g[id="b-start"]', { timeout: 30_000, state: 'attached' });
  });

  it('${PLEX_URL}: the start node lists the tasks and Test connection succeeds with ${PLEX_URL} in the field', async function () {
    this.timeout(30_000);
    await showTab('b-tab');
    await openNode(page, 'b-start');
    await page.waitForSelector('#plex-butler-start-source[data-state="ok"]', { timeout: 20_000 });
    assert.match(await page.innerText('#plex-butler-start-source'), new RegExp(`^${DEFAULT_TASKS.length} tasks`));
    await page.click('#node-input-btn-server-edit');
    await page.waitForSelector('#node-config-input-url', { state: 'visible' });
    assert.equal(await page.inputValue('#node-config-input-url'), '${PLEX_URL}');
    await page.click('#node-config-plex-butler-test');
    await page.waitForSelector('#node-config-plex-butler-result[data-state="ok"]', { timeout: 20_000 });
    await page.click('#node-config-dialog-cancel');
    await page.click('#node-dialog-cancel');
  });

  it('${PLEX_URL} in an imported example: after ${PLEX_TOKEN} is entered and deployed, the task list loads', async function () {
    this.timeout(60_000);
    const label = 'Nightly database backup';
    const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', `${label}.json`), 'utf8')) as EditorNode[];
    await importExample(page, label, example.filter((n) => n.type !== 'plex-butler-server').length);
    const startId = example.find((n) => n.type === 'plex-butler-start')?.id ?? '';
    const serverId = example.find((n) => n.type === 'plex-butler-server')?.id ?? '';
    await openNode(page, startId);
    await page.click('#node-input-btn-server-edit');
    await page.waitForSelector('#node-config-input-url', { state: 'visible' });
    assert.equal(await page.inputValue('#node-config-input-url'), '${PLEX_URL}');
    await page.fill('#node-config-input-token', '${PLEX_TOKEN}');
    await page.click('#node-config-dialog-ok');
    await page.click('#node-dialog-ok');
    await deploy(page);
    assert.equal(await page.evaluate((id) => RED.nodes.node(id)?.url, serverId), '${PLEX_URL}');

    await page.reload();
    await page.waitForSelector(`g[id="${startId}"]`, { timeout: 30_000, state: 'attached' });
    await page.evaluate((id) => {
      const z = (RED.nodes.node(id) as unknown as { z: string }).z;
      RED.workspaces.show(z);
    }, startId);
    await openNode(page, startId);
    await page.waitForSelector('#plex-butler-start-source[data-state="ok"]', { timeout: 20_000 });
    await page.click('#node-input-btn-server-edit');
    await page.waitForSelector('#node-config-input-url', { state: 'visible' });
    await page.click('#node-config-plex-butler-test');
    await page.waitForSelector('#node-config-plex-butler-result[data-state="ok"]', { timeout: 20_000 });
    await page.click('#node-config-dialog-cancel');
    await page.click('#node-dialog-cancel');
    assert.deepEqual(red?.problems(), []);
    assert.deepEqual(pageErrors, []);
  });
});
