// `npm start` as a new user meets it: the script's whole stack (simulator, fake plex.tv, fake GDM,
// Node-RED with the demo flow) in a temporary user folder, on free ports the test picks, driven in
// headless Chromium at 1600 × 1000: the layout of the demo, nothing fetched from the internet, the
// dashboard ready to open, and a server set up with Sign in with Plex that still works after a restart.
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, Page } from 'playwright-core';
import { DEFAULT_TASKS } from '../../sim/simulator';
import { freePort } from '../../scripts/compat/proc';
import { childEnv, deploy, launchBrowser, needChromium, openNode, ROOT, screenshotFailures, until } from './harness';

const WIDTH = 1600;
const HEIGHT = 1000;

declare const RED: {
  nodes: { node(id: string): { server?: string; type: string } | null };
};

/** `node dist/scripts/start.js` (what `npm start` runs after the build), its output kept. */
class DemoStack {
  log = '';
  private exited = false;
  private readonly proc: ChildProcess;

  constructor(env: NodeJS.ProcessEnv) {
    this.proc = spawn(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'start.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      this.log += chunk.toString('utf8');
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.proc.on('exit', () => {
      this.exited = true;
    });
  }

  async ready(): Promise<void> {
    await until(() => this.exited || /Node-RED editor: http/.test(this.log), 90_000, 'npm start to be up');
    if (this.exited) throw new Error(`npm start exited:\n${this.log}`);
    await until(() => this.exited || /Started flows/.test(this.log), 30_000, 'the flows to start');
  }

  /** Ctrl-C, as a user stops it: Node-RED, the simulator and the fakes end, then the script. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.proc.kill('SIGINT');
    try {
      await until(() => this.exited, 20_000, 'npm start to stop');
    } catch {
      this.proc.kill('SIGKILL');
    }
  }
}

/** A node's box on the page, and its id. */
interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe('npm start in a real browser: the demo, its dashboard, and a restart', function () {
  let tmp = '';
  let env: NodeJS.ProcessEnv = {};
  let stack: DemoStack | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let base = '';
  let simUrl = '';
  const pageErrors: string[] = [];
  const hosts = new Set<string>();

  before(async function () {
    this.timeout(150_000);
    needChromium(this);
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'scripts', 'start.js')), 'build first: npm run build');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-demo-'));
    // Free ports picked here (tests never use fixed ports); kept for the restart, as SIM_PORT is.
    const [uiPort, simPort] = [await freePort(), await freePort()];
    env = { ...childEnv(), PORT: String(uiPort), SIM_PORT: String(simPort), PLEX_BUTLER_DEMO_DIR: path.join(tmp, 'user') };
    delete env.PLEX_URL;
    delete env.PLEX_TOKEN;
    base = `http://127.0.0.1:${uiPort}/`;
    simUrl = `http://127.0.0.1:${simPort}`;
    stack = new DemoStack(env);
    await stack.ready();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (req) => hosts.add(new URL(req.url()).hostname));
  });

  screenshotFailures('demo', () => (browser ? page : undefined));

  after(async function () {
    this.timeout(40_000);
    await browser?.close();
    await stack?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the demo tab fits 1600 × 1000 at the default zoom, no two nodes overlap, and the editor asks nothing of the internet', async function () {
    this.timeout(60_000);
    assert.match(stack?.log ?? '', new RegExp(`Plex Butler simulator on ${simUrl}`));
    await page.goto(base);
    await page.waitForSelector('g[id="demo-tasks"]', { timeout: 30_000 });
    await page.waitForTimeout(1500); // the palette manager loads its catalogues after the flows
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    assert.ok(chart);
    const boxes = await page.locator('#red-ui-workspace-chart g.red-ui-flow-node-group').evaluateAll((els) =>
      els.map((g) => {
        const body = g.querySelector('rect.red-ui-flow-node')?.getBoundingClientRect();
        const all = g.getBoundingClientRect();
        return { id: g.id, body: { x: body?.x ?? 0, y: body?.y ?? 0, width: body?.width ?? 0, height: body?.height ?? 0 }, all: { x: all.x, y: all.y, width: all.width, height: all.height } };
      }),
    );
    assert.ok(boxes.length >= 20, `${boxes.length} nodes on the demo tab`);
    // The chart's own scroll bars are not part of what is seen.
    const seen = { x: chart.x, y: chart.y, right: chart.x + chart.width - 12, bottom: chart.y + chart.height - 12 };
    const outside = boxes.filter(({ all }) => all.x < seen.x || all.y < seen.y || all.x + all.width > seen.right || all.y + all.height > seen.bottom);
    assert.deepEqual(outside.map((b) => b.id), [], `nodes outside the ${Math.round(chart.width)} × ${Math.round(chart.height)} workspace in a ${WIDTH} × ${HEIGHT} window`);
    const overlapping: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        if (overlap({ id: boxes[i].id, ...boxes[i].body }, { id: boxes[j].id, ...boxes[j].body })) overlapping.push(`${boxes[i].id} × ${boxes[j].id}`);
      }
    }
    assert.deepEqual(overlapping, []);
    assert.deepEqual([...hosts], ['127.0.0.1'], 'the editor asked hosts other than 127.0.0.1');
  });

  it('the dashboard is ready to open: its task table lists the simulator\'s tasks', async function () {
    this.timeout(60_000);
    assert.ok(browser);
    const dashboard = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
    try {
      dashboard.on('request', (req) => hosts.add(new URL(req.url()).hostname));
      await dashboard.goto(new URL('dashboard', base).href);
      await dashboard.locator('tr[data-task="BackupDatabase"]').waitFor({ timeout: 30_000 });
      assert.equal(await dashboard.locator('tr[data-task]').count(), DEFAULT_TASKS.length);
    } finally {
      await dashboard.close();
    }
    assert.deepEqual([...hosts], ['127.0.0.1']);
  });

  /** The status text of a node on the canvas. */
  const status = (id: string): Promise<string> => page.locator(`g[id="${id}"] .red-ui-flow-node-status-label`).textContent().then((t) => t ?? '');

  it('a server set up with Sign in with Plex (one identity in the sign-in list, Find servers and Test connection) still works after npm start restarts', async function () {
    this.timeout(180_000);
    await openNode(page, 'demo-tasks');
    await page.click('#node-input-btn-server-add');
    await page.waitForSelector('#node-config-input-url', { state: 'visible' });
    const popupOpened = page.waitForEvent('popup');
    await page.click('#node-config-plex-butler-signin');
    const popup = await popupOpened;
    await until(() => popup.url().includes('#?'), 10_000, 'the fake plex.tv page');
    await popup.click('#allow');
    const mine = page.locator('.plex-butler-server-choice[data-owned="true"]');
    await mine.waitFor({ timeout: 20_000 });
    // The count in the language's plural form (the demo's account has the simulator and a friend's).
    assert.equal(await page.innerText('#node-config-plex-butler-setup-state'), '2 servers: pick an address of a server you own.');
    const signInName = await mine.locator('.plex-butler-server-name').innerText();
    const signInVersion = await mine.locator('.plex-butler-badge').first().innerText();

    await page.click('#node-config-plex-butler-find');
    const found = page.locator('#node-config-plex-butler-choices[data-kind="gdm"] .plex-butler-conn', { hasText: signInName });
    await found.first().waitFor({ timeout: 10_000 });
    assert.equal(await found.count(), 1, `one "${signInName}" on the network`);
    assert.equal(await found.locator('.plex-butler-badge').innerText(), signInVersion);
    assert.equal(await found.locator('code').innerText(), simUrl);

    // Sign in again (the list was replaced by Find servers' answer) and pick the simulator's address.
    const again = page.waitForEvent('popup');
    await page.click('#node-config-plex-butler-signin');
    const popup2 = await again;
    await until(() => popup2.url().includes('#?'), 10_000, 'the fake plex.tv page');
    await popup2.click('#allow');
    await page.locator(`.plex-butler-conn[data-uri="${simUrl}"]`).click({ timeout: 20_000 });
    await page.waitForSelector('#node-config-plex-butler-result[data-state="ok"]', { timeout: 20_000 });
    const tested = await page.innerText('#node-config-plex-butler-result');
    assert.ok(tested.includes(signInVersion), `Test connection: "${tested}", the sign-in list: ${signInVersion}`);
    await page.fill('#node-config-input-name', 'Signed in');
    await page.click('#node-config-dialog-ok');
    await page.click('#node-dialog-ok');
    await deploy(page);
    const serverId = await page.evaluate(() => RED.nodes.node('demo-tasks')?.server ?? '');
    assert.notEqual(serverId, 'demo-server');

    const listed = new RegExp(`^${DEFAULT_TASKS.length} tasks · \\d\\d:\\d\\d$`);
    await page.locator('g[id="demo-i1"] .red-ui-flow-node-button').click();
    await until(async () => listed.test(await status('demo-tasks')), 10_000, 'the task list through the signed-in server');

    // Ctrl-C and npm start again: same port, same token, the user's flow kept.
    await stack?.stop();
    stack = new DemoStack(env);
    await stack.ready();
    await page.reload();
    await page.waitForSelector('g[id="demo-tasks"]', { timeout: 30_000 });
    assert.equal(await page.evaluate(() => RED.nodes.node('demo-tasks')?.server ?? ''), serverId, 'the flow of the user kept');
    assert.equal(await status('demo-tasks'), '');
    await page.locator('g[id="demo-i1"] .red-ui-flow-node-button').click();
    await until(async () => listed.test(await status('demo-tasks')), 10_000, `the task list after the restart (status "${await status('demo-tasks')}")`);
    assert.deepEqual(pageErrors, []);
  });
});
