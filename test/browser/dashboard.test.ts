// The "Maintenance dashboard" example as a user meets it: a real Node-RED with this package
// installed from `npm pack` and FlowFuse Dashboard 2.0 (the devDependency `npm ci` brings, linked
// into the user folder), the example deployed against the Butler simulator, and the dashboard
// page driven in headless Chromium.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, Page } from 'playwright-core';
import { ButlerSimulator, startSimulator } from '../../sim/simulator';
import { DASHBOARD, installPacked, launchBrowser, linkModules, needChromium, NodeRed, ROOT, startNodeRed, until, newPage, screenshotFailures, shotPath } from './harness';

const EXAMPLE = path.join(ROOT, 'examples', 'Maintenance dashboard (needs Dashboard 2.0).json');
const CONFIG_TYPES = new Set(['plex-butler-server', 'ui-base', 'ui-page', 'ui-theme', 'ui-group']);
const RUN_MS = 6000;

// The parts of the editor's global RED the editor check uses.
interface EditorNode {
  id: string;
  type: string;
  valid?: boolean;
}
interface EditorApi {
  nodes: {
    node(id: string): EditorNode | undefined;
    eachNode(cb: (n: EditorNode) => void): void;
    eachConfig(cb: (n: EditorNode) => void): void;
    getType(type: string): unknown;
  };
}
declare const RED: EditorApi;

interface FlowNode {
  id: string;
  type: string;
  path?: string;
  [key: string]: unknown;
}

/** Deploys the example on a tab the way the editor does, the token as the server's credential. */
async function deployExample(red: NodeRed, token: string): Promise<FlowNode[]> {
  const nodes = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
  const flow = [
    { id: 'dashboardtab0001', type: 'tab', label: 'Maintenance dashboard' },
    ...nodes.map((n) => {
      if (n.type === 'plex-butler-server') return { ...n, credentials: { token } };
      return CONFIG_TYPES.has(n.type) ? n : { ...n, z: 'dashboardtab0001' };
    }),
  ];
  const res = await fetch(new URL('flows', red.base), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flow),
  });
  assert.equal(res.status, 204, await res.text());
  return nodes;
}

describe('the Maintenance dashboard example in a real browser', function () {
  let sim: ButlerSimulator | undefined;
  let red: NodeRed | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let pageUrl = '';
  let tmp = '';
  const pageErrors: string[] = [];

  before(async function () {
    this.timeout(180_000);
    needChromium(this);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-dashboard-'));
    const userDir = await installPacked(tmp);
    linkModules(userDir, [DASHBOARD]);
    sim = await startSimulator({ runMs: RUN_MS });
    red = await startNodeRed(tmp, userDir, { nodesExcludes: [] }, { PLEX_URL: sim.url });
    const nodes = await deployExample(red, sim.token);
    const base = nodes.find((n) => n.type === 'ui-base')?.path;
    const sub = nodes.find((n) => n.type === 'ui-page')?.path;
    pageUrl = new URL(`${String(base).slice(1)}${String(sub)}`, red.base).href;
    browser = await launchBrowser();
    page = await newPage(browser, pageErrors);
  });

  screenshotFailures('dashboard', () => (browser ? page : undefined));

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await red?.stop();
    await sim?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const row = (task: string) => page.locator(`tr[data-task="${task}"]`);

  it('loads the dashboard nodes and shows the task list, playback state and maintenance window when the page opens', async function () {
    this.timeout(60_000);
    assert.ok(red && sim);
    assert.match(red.log, /Node-RED Dashboard 2\.0 \(v[\d.]+\) started at \/dashboard/);
    assert.deepEqual(red.problems(), []);
    const listed = sim.requests.filter((r) => r.method === 'GET' && r.url === '/butler').length;
    await page.goto(pageUrl);
    await row('BackupDatabase').waitFor({ timeout: 30_000 });
    // Opening the page (ui-event) reads the list again.
    await until(() => sim !== undefined && sim.requests.filter((r) => r.method === 'GET' && r.url === '/butler').length > listed, 5000, 'the page view refresh');
    assert.equal(await page.locator('tr[data-task]').count(), 14);
    const cells = await row('BackupDatabase').locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 4), ['BackupDatabase', 'Backup Database', 'yes', '3 days']);
    assert.deepEqual((await row('DeepMediaAnalysis').locator('td').allInnerTexts()).slice(2, 4), ['no', '1 day']);
    await page.locator('.plex-butler-playback', { hasText: 'idle' }).waitFor();
    await page.locator('.plex-butler-window', { hasText: 'Maintenance window: 2:00 to 5:00' }).waitFor();
    assert.equal(await page.getByLabel('Start hour').inputValue(), '2');
    assert.equal(await page.getByLabel('End hour').inputValue(), '5');
    assert.ok(await page.getByRole('button', { name: 'Start all' }).isVisible());
    assert.ok(await page.getByRole('button', { name: 'Stop all' }).isVisible());
  });

  it('shows the week as a heat map with the current and the quietest window and their shares; Apply moves the window there', async function () {
    this.timeout(30_000);
    assert.ok(sim);
    const map = page.locator('.qh-heatmap');
    await map.locator('.qh-grid').waitFor({ timeout: 15_000 });
    assert.equal(await map.locator('tbody tr').count(), 7);
    assert.equal(await map.locator('td.qh-cell').count(), 7 * 24);
    // the current window 2–5 h is marked in every day's row, hours 2, 3 and 4
    const monday = map.locator('tbody tr').first().locator('td.qh-cell');
    const marked = await monday.evaluateAll((cells) => cells.map((c, h) => (c.classList.contains('qh-current') ? h : -1)).filter((h) => h >= 0));
    assert.deepEqual(marked, [2, 3, 4]);
    const legend = (await map.locator('.qh-legend').allInnerTexts()).join('\n');
    assert.match(legend, /Current 2–5 h: \d+(\.\d)? % of watching/);
    const quiet = /Quietest (\d+)–(\d+) h: 0 %/.exec(legend);
    assert.ok(quiet, legend);
    assert.equal(await map.locator('tbody tr').first().locator('td.qh-suggested').count(), 3);
    await page.getByRole('button', { name: 'Apply' }).click();
    const want = { startHour: Number(quiet[1]), endHour: Number(quiet[2]) };
    await until(() => sim !== undefined && sim.window.startHour === want.startHour && sim.window.endHour === want.endHour, 10_000, 'the window moved to the quietest hours');
    await map.locator('.qh-state', { hasText: 'Moved the window' }).waitFor({ timeout: 5000 });
  });

  it('Start on the BackupDatabase row starts it on the server; the row and the progress follow the activity', async function () {
    this.timeout(60_000);
    assert.ok(sim);
    sim.requests.length = 0;
    await row('BackupDatabase').getByRole('button', { name: 'Start' }).click();
    await until(() => sim !== undefined && sim.requests.some((r) => r.method === 'POST' && r.url === '/butler/BackupDatabase'), 5000, 'POST /butler/BackupDatabase');
    const state = row('BackupDatabase').locator('.plex-butler-state');
    await until(async () => /started|running/.test(await state.innerText()), 5000, 'the row to show the start');
    const progress = page.locator('.plex-butler-activity', { hasText: 'Backup Database' });
    await progress.locator('.plex-butler-progress', { hasText: '50 %' }).waitFor({ timeout: RUN_MS });
    await until(async () => (await state.innerText()) === 'running 50 %', 3000, 'the row at 50 %');
    await page.screenshot({ path: shotPath('dashboard.png'), fullPage: true });
    await progress.locator('.plex-butler-progress', { hasText: 'finished' }).waitFor({ timeout: RUN_MS });
    await until(async () => (await state.innerText()) === 'finished', 3000, 'the row to show the end');
  });

  it('the Last night group lists the finished run from the report node: title, duration, outcome', async function () {
    this.timeout(30_000);
    // opening the page asks the report node again
    await page.reload();
    const run = page.locator('.plex-butler-report tr', { hasText: 'Backup Database' }).first();
    await run.waitFor({ timeout: 15_000 });
    const [title, duration, outcome] = await run.locator('td').allInnerTexts();
    assert.equal(title, 'Backup Database (BackupDatabase)');
    assert.match(duration, /^[5-7] s$/, `about ${RUN_MS / 1000} s, got ${duration}`);
    assert.equal(outcome, 'finished');
  });

  it('Stop on a row and Stop all reach the server; the playback state turns busy while something plays', async function () {
    this.timeout(30_000);
    assert.ok(sim);
    sim.requests.length = 0;
    await row('OptimizeDatabase').getByRole('button', { name: 'Stop' }).click();
    await until(() => sim !== undefined && sim.requests.some((r) => r.method === 'DELETE' && r.url === '/butler/OptimizeDatabase'), 5000, 'DELETE /butler/OptimizeDatabase');
    await until(async () => (await row('OptimizeDatabase').locator('.plex-butler-state').innerText()) === 'not-running', 5000, 'not-running in the row');
    const [thumbnails] = sim.addMedia({ title: 'New episode' });
    await page.getByRole('button', { name: 'Stop all' }).click();
    await until(() => sim !== undefined && sim.requests.some((r) => r.method === 'DELETE' && r.url === '/butler'), 5000, 'DELETE /butler');
    // Stop all also cancels the analysis the server started on its own
    await until(() => sim !== undefined && sim.requests.some((r) => r.method === 'DELETE' && r.url === `/activities/${thumbnails.uuid}`), 5000, 'the thumbnails cancelled');
    const key = sim.play();
    await page.locator('.plex-butler-playback', { hasText: 'busy' }).waitFor({ timeout: 10_000 });
    sim.stopPlayback(key);
  });

  it('saves a changed maintenance window', async function () {
    this.timeout(30_000);
    assert.ok(sim);
    await page.getByLabel('Start hour').fill('1');
    await page.getByLabel('Start hour').press('Enter');
    await page.getByLabel('End hour').fill('7');
    await page.getByLabel('End hour').press('Enter');
    await page.getByRole('button', { name: 'Save' }).click();
    await until(() => sim !== undefined && sim.window.startHour === 1 && sim.window.endHour === 7, 5000, 'the new window on the server');
    await page.locator('.plex-butler-window', { hasText: 'Maintenance window: 1:00 to 7:00' }).waitFor();
  });

  it('opens in the editor with the dashboard installed: every node of the example known and valid', async function () {
    this.timeout(60_000);
    assert.ok(browser && red);
    const nodes = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
    const editor = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      editor.on('pageerror', (err) => pageErrors.push(`editor: ${err.message}`));
      await editor.goto(red.base);
      await editor.waitForSelector('.red-ui-palette-node[data-palette-type="ui-template"]', { timeout: 30_000 });
      const last = nodes[nodes.length - 1].id;
      await editor.waitForFunction((id) => RED.nodes.node(id) !== undefined, last);
      const problems = await editor.evaluate((ids) => {
        const out: string[] = [];
        for (const id of ids) {
          const n = RED.nodes.node(id);
          if (!n || !RED.nodes.getType(n.type) || n.valid === false) out.push(`${n?.type ?? 'missing'} ${id}`);
        }
        return out;
      }, nodes.map((n) => n.id));
      assert.deepEqual(problems, []);
    } finally {
      await editor.close();
    }
  });

  it('shows an error as a notification', async function () {
    this.timeout(30_000);
    assert.ok(sim);
    await sim.close();
    sim = undefined;
    await row('BackupDatabase').getByRole('button', { name: 'Start' }).click();
    await page.locator('.v-snackbar', { hasText: 'UNREACHABLE' }).first().waitFor({ timeout: 15_000 });
    assert.deepEqual(pageErrors, []);
  });
});
