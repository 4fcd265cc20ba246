// The editor as a user meets it: a real Node-RED with this package installed from `npm pack`,
// the Butler simulator behind it, driven in headless Chromium.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, Locator, Page } from 'playwright-core';
import { ButlerSimulator, DEFAULT_TASKS, startSimulator } from '../../sim/simulator';
import { freePort } from '../../scripts/compat/proc';
import { api, deploy as deployIn, installPacked, launchBrowser, MODULE, needChromium, nodeCount, NodeRed, openNode as openNodeIn, ROOT, shotPath, startNodeRed, until, usesDashboard, newPage, screenshotFailures, chooseExample } from './harness';

const FLOW_TYPES = ['plex-butler-tasks', 'plex-butler-start', 'plex-butler-stop', 'plex-butler-all'];
const ALL_TYPES = ['plex-butler-server', ...FLOW_TYPES];
const KNOWN_TASK_COUNT = 25;
const EXAMPLES = path.join(ROOT, 'examples');
// A catalog key shown instead of its text, e.g. "plex-butler-start.label.task".
const RAW_KEY = /plex-butler-[a-z]+\.[a-z]+\.[A-Za-z]/;
// The end of a request node's status: when the answer came.
const ANSWER_TIME = / · \d\d:\d\d$/;

// The parts of the editor's global RED that the page functions below use.
interface EditorNode {
  id: string;
  type: string;
  z?: string;
  url?: string;
  credentials?: Record<string, unknown>;
  changed?: boolean;
  dirty?: boolean;
  valid?: boolean;
  server?: string;
  users?: EditorNode[];
}
interface EditorApi {
  nodes: {
    eachNode(cb: (n: EditorNode) => void): void;
    eachConfig(cb: (n: EditorNode) => void): void;
    node(id: string): EditorNode | undefined;
    getType(type: string): { category?: string } | undefined;
    dirty(value?: boolean): boolean;
  };
  actions: { invoke(name: string, ...args: unknown[]): void };
  sidebar: { show(id: string): void; help: { show(type: string): void } };
  workspaces: { active(): string; show(id: string): void };
  editor: { editConfig(name: string, type: string, id: string): void; validateNode(node: EditorNode): boolean };
  view: { select(id: string): void; redraw(full?: boolean): void };
}
declare const RED: EditorApi;

interface FlowJson {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [key: string]: unknown;
}

interface PackageJson {
  'node-red': { nodes: Record<string, string> };
}

interface Catalog {
  paletteLabel?: string;
}

function catalog(type: string): Catalog {
  const file = path.join(ROOT, 'nodes', 'locales', 'en-US', `${type}.json`);
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Catalog>;
  return all[type];
}

/** One attribute of every element a locator matches. */
async function attributes(list: Locator, name: string): Promise<Array<string | null>> {
  const out: Array<string | null> = [];
  for (let i = 0, n = await list.count(); i < n; i++) out.push(await list.nth(i).getAttribute(name));
  return out;
}

describe('the editor in a real browser', function () {
  let sim: ButlerSimulator | undefined;
  let red: NodeRed | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  let startId = '';
  let tmp = '';

  before(async function () {
    this.timeout(150_000);
    needChromium(this);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-editor-'));
    const userDir = await installPacked(tmp);
    sim = await startSimulator();
    red = await startNodeRed(tmp, userDir, {}, { PLEX_URL: sim.url });
    browser = await launchBrowser();
    page = await newPage(browser, pageErrors);
    await page.goto(red.base);
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="plex-butler-start"]', { timeout: 30_000 });
  });

  screenshotFailures('editor', () => (browser ? page : undefined));

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await red?.stop();
    await sim?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const openNode = (id: string): Promise<void> => openNodeIn(page, id);
  const deploy = (): Promise<void> => deployIn(page);

  function startNodes(): Promise<string[]> {
    return page.evaluate(() => {
      const ids: string[] = [];
      RED.nodes.eachNode((n) => {
        if (n.type === 'plex-butler-start') ids.push(n.id);
      });
      return ids;
    });
  }

  /** How many plex-butler-server nodes the editor holds: in total, and with this id. */
  function servers(id: string): Promise<{ total: number; withId: number }> {
    return page.evaluate((sid) => {
      const out = { total: 0, withId: 0 };
      RED.nodes.eachConfig((n) => {
        if (n.type !== 'plex-butler-server') return;
        out.total++;
        if (n.id === sid) out.withId++;
      });
      return out;
    }, id);
  }

  /** Whether a server node and every node using it are valid in the editor. */
  function validity(id: string): Promise<{ server: boolean; users: boolean }> {
    return page.evaluate((sid) => {
      const server = RED.nodes.node(sid);
      const users: boolean[] = [];
      RED.nodes.eachNode((n) => {
        if (n.server === sid) users.push(n.valid !== false);
      });
      return { server: server?.valid !== false, users: users.length > 0 && users.every(Boolean) };
    }, id);
  }



  /** Answers Node-RED's "some nodes already exist" notice: View nodes..., then Import (existing config nodes stay unticked). */
  async function importOverConflict(): Promise<void> {
    const notice = page.locator('.red-ui-notification', { hasText: 'already exist' });
    await notice.waitFor({ timeout: 10_000 });
    await notice.locator('button', { hasText: 'View nodes' }).click();
    await page.locator('#red-ui-clipboard-dialog-import-conflict').waitFor();
    await page.waitForTimeout(400);
    await page.click('#red-ui-clipboard-dialog-import-conflict');
  }



  it('shows the four flow nodes under "plex" in the palette, and registers the config node', async function () {
    this.timeout(30_000);
    const cats = await page.evaluate((types) => types.map((t) => RED.nodes.getType(t)?.category ?? 'missing'), ALL_TYPES);
    assert.deepEqual(cats, ['config', 'plex', 'plex', 'plex', 'plex']);

    // Every type in the plex category comes from this package, and ours are all there.
    const declared = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson)['node-red'].nodes);
    const types = await attributes(page.locator('#red-ui-palette-base-category-plex .red-ui-palette-node'), 'data-palette-type');
    for (const type of types) assert.ok(type && declared.includes(type), `${type} in the plex category`);
    for (const type of FLOW_TYPES) assert.ok(types.includes(type), `${type} in the palette`);
    for (const type of FLOW_TYPES) {
      const text = await page.locator(`.red-ui-palette-node[data-palette-type="${type}"] .red-ui-palette-label`).innerText();
      assert.equal(text.replace(/\s+/g, ' ').trim(), catalog(type).paletteLabel, type);
    }
    // Each flow node type has its own icon, served from the package's icons folder.
    for (const type of types) {
      const iconStyle = await page.locator(`.red-ui-palette-node[data-palette-type="${type}"] .red-ui-palette-icon`).getAttribute('style');
      assert.ok((iconStyle ?? '').includes(`icons/${MODULE}/${type}.svg`), `${type}: ${iconStyle}`);
      const icon = await fetch(new URL(`icons/${MODULE}/${type}.svg`, red?.base));
      assert.equal(icon.status, 200, `${type}.svg`);
      assert.match(await icon.text(), /^<svg[^>]+viewBox="0 0 40 60"/);
    }

    await page.locator('#red-ui-palette-search input').pressSequentially('butler');
    await until(async () => (await page.locator('.red-ui-palette-node:visible').count()) === types.length, 5000, 'the palette filter');
    await page.locator('#red-ui-palette').screenshot({ path: shotPath('palette.png') });
    await page.locator('#red-ui-palette-search input').fill('');
    await page.locator('#red-ui-palette-search input').press('Escape');
  });

  it('adds a server in its dialog: Test connection shows the version, the 401 of a wrong token, an unreachable address', async function () {
    this.timeout(45_000);
    assert.ok(sim);
    const version = ((await api(sim.url, 'GET', '/identity')).json as { MediaContainer: { version: string } }).MediaContainer.version;

    // Ctrl+click on the canvas opens the quick-add search.
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    assert.ok(chart);
    await page.keyboard.down('Control');
    await page.mouse.click(chart.x + 320, chart.y + 200);
    await page.keyboard.up('Control');
    const search = page.locator('#red-ui-type-search-input');
    await search.waitFor();
    await search.pressSequentially('plex-butler-start');
    await page.locator('#red-ui-type-search li', { hasText: 'start task (plex-butler-start)' }).first().click();
    await until(async () => (await startNodes()).length === 1, 5000, 'the start node on the canvas');
    startId = (await startNodes())[0];
    assert.ok(startId, 'the dropped start node');
    await openNode(startId);
    await page.click('#node-input-btn-server-add, #node-input-lookup-server');
    await page.waitForSelector('#node-config-input-url', { state: 'visible' });
    assert.equal(await page.getAttribute('#node-config-input-token', 'type'), 'password');
    assert.equal(await page.getAttribute('#node-config-input-url', 'placeholder'), 'http://192.168.1.20:32400');
    assert.equal(await page.isChecked('#node-config-input-verifyTls'), true);
    assert.equal(await page.inputValue('#node-config-input-timeout'), '10000');

    const result = page.locator('#node-config-plex-butler-result');
    const test = async (state: string): Promise<string> => {
      await page.click('#node-config-plex-butler-test');
      await page.waitForSelector(`#node-config-plex-butler-result[data-state="${state}"]`, { timeout: 20_000 });
      return result.innerText();
    };

    // No token yet: the token field is marked like any missing required field.
    assert.equal(await page.locator('#node-config-input-token.input-error').count(), 1, 'empty token marked');
    await page.fill('#node-config-input-url', 'ftp://plex.local');
    await page.fill('#node-config-input-name', 'Simulated Plex');
    await until(async () => (await page.locator('#node-config-input-url.input-error').count()) === 1, 5000, 'the URL to be marked invalid');

    await page.fill('#node-config-input-url', sim.url);
    await page.fill('#node-config-input-token', 'not-the-token');
    await until(async () => (await page.locator('#node-config-input-url.input-error').count()) === 0, 5000, 'the URL to be accepted');
    const refused = await test('error');
    assert.match(refused, /401/);
    assert.match(refused, /UNAUTHORIZED/);

    const closed = await freePort();
    await page.fill('#node-config-input-url', `http://127.0.0.1:${closed}`);
    assert.match(await test('error'), /UNREACHABLE/);

    await page.fill('#node-config-input-url', sim.url);
    await page.fill('#node-config-input-token', ` X-Plex-Token=${sim.token} `);
    await until(async () => (await page.locator('#node-config-input-token.input-error').count()) === 0, 5000, 'the token to be accepted');
    const ok = await test('ok');
    assert.ok(ok.includes(version), ok);
    assert.ok(ok.includes(`${DEFAULT_TASKS.length} Butler tasks`), ok);

    const tray = await page.locator('.red-ui-tray').last().innerText();
    assert.doesNotMatch(tray, RAW_KEY);
    await page.screenshot({ path: shotPath('config-dialog.png') });
    await page.click('#node-config-dialog-ok');
  });

  it("fills the start node's task list from the server, with titles and descriptions", async function () {
    this.timeout(45_000);
    // The new server node is not deployed yet: the token typed in this editor session is used.
    await page.waitForSelector('#plex-butler-start-source[data-state="ok"]', { timeout: 20_000 });
    assert.match(await page.innerText('#plex-butler-start-source'), new RegExp(`^${DEFAULT_TASKS.length} tasks`));

    await page.click('#plex-butler-start-pick');
    const menu = page.locator('.plex-butler-task-menu');
    await menu.waitFor();
    assert.deepEqual(await menu.locator('code').allInnerTexts(), DEFAULT_TASKS.map((t) => t.name));
    assert.deepEqual(await menu.locator('.plex-butler-task-title').allInnerTexts(), DEFAULT_TASKS.map((t) => t.title));
    await menu.locator('a', { hasText: 'BackupDatabase' }).click();
    assert.equal(await page.inputValue('#node-input-task'), 'BackupDatabase');
    const backup = DEFAULT_TASKS.find((t) => t.name === 'BackupDatabase');
    const about = await page.innerText('#plex-butler-start-about');
    assert.ok(backup && about.includes(backup.title) && about.includes(backup.description), about);
    const listed = await attributes(page.locator('#plex-butler-start-tasklist option'), 'value');
    assert.deepEqual(listed, DEFAULT_TASKS.map((t) => t.name));
    assert.doesNotMatch(await page.locator('.red-ui-tray').last().innerText(), RAW_KEY);

    await page.fill('#node-input-task', 'Backup Database');
    assert.equal(await page.getAttribute('#plex-butler-start-about', 'data-state'), 'error');
    // Typing offers the datalist; the browser's arrow for it is hidden, so the field shows one arrow
    // (our menu button): with our rule switched off, the browser's arrow changes the field's pixels.
    assert.equal(await page.getAttribute('#node-input-task', 'list'), 'plex-butler-start-tasklist');
    assert.equal(await page.isVisible('#plex-butler-start-pick'), true);
    const taskField = page.locator('#node-input-task');
    const arrowRule = (on: boolean): Promise<number> =>
      page.evaluate((enabled) => {
        const sheets = Array.from(document.querySelectorAll('style')).filter((s) => (s.textContent ?? '').includes('calendar-picker-indicator'));
        for (const s of sheets) s.disabled = !enabled;
        return sheets.length;
      }, on);
    await taskField.hover();
    const asShown = await taskField.screenshot();
    assert.equal(await arrowRule(false), 1);
    await taskField.hover();
    const browserArrow = await taskField.screenshot();
    await arrowRule(true);
    assert.notDeepEqual(browserArrow, asShown, "the browser's datalist arrow is shown");
    await page.fill('#node-input-task', 'BackupDatabase');
    // The grace period shows only with "Only when nobody is watching".
    assert.equal(await page.isVisible('#node-input-idleGrace'), false);
    await page.check('#node-input-onlyWhenIdle');
    assert.equal(await page.isVisible('#node-input-idleGrace'), true);
    await page.uncheck('#node-input-onlyWhenIdle');
    await page.click('#node-dialog-ok');
    const label = page.locator(`g[id="${startId}"] .red-ui-flow-node-label`).first();
    await until(async () => (await label.textContent()) === 'start BackupDatabase', 5000, 'the label to show the task');
    await deploy();

    // A fresh editor holds no token: the runtime uses the stored one for the deployed URL.
    await page.reload();
    await page.waitForSelector(`g[id="${startId}"]`, { timeout: 30_000 });
    await openNode(startId);
    await page.waitForSelector('#plex-butler-start-source[data-state="ok"]', { timeout: 20_000 });
    await page.click('#plex-butler-start-refresh');
    await page.waitForSelector('#plex-butler-start-source[data-state="ok"]', { timeout: 20_000 });
    assert.ok(sim && sim.requests.filter((r) => r.method === 'GET' && r.url === '/butler').length >= 3);

    // Without a server, the known names are offered.
    await page.selectOption('#node-input-server', '_ADD_');
    assert.equal(await page.getAttribute('#plex-butler-start-source', 'data-state'), 'idle');
    await page.click('#plex-butler-start-pick');
    assert.equal(await page.locator('.plex-butler-task-menu code, .plex-butler-task-menu .plex-butler-task-title').count(), KNOWN_TASK_COUNT);
    await page.keyboard.press('Escape');
    await page.click('#node-dialog-cancel');
  });

  it('renders the help of every node type in the sidebar', async function () {
    this.timeout(30_000);
    await page.locator(`g[id="${startId}"] rect.red-ui-flow-node`).click();
    await page.evaluate(() => RED.actions.invoke('core:show-node-help'));
    const help = page.locator('.red-ui-sidebar-help-stack .red-ui-help').first();
    await until(async () => (await help.innerText()).includes('already-running'), 5000, 'the start node help');

    for (const type of ALL_TYPES) {
      await page.evaluate((t) => RED.sidebar.help.show(t), type);
      await until(async () => (await help.innerText()).includes('References'), 5000, `help of ${type}`);
      const heads = await help.locator('h3').allInnerTexts();
      const first = type === 'plex-butler-server' ? 'Properties' : 'Inputs';
      assert.deepEqual(heads, [first, ...(type === 'plex-butler-server' ? [] : ['Outputs']), 'Details', 'References'], type);
      if (type !== 'plex-butler-server') assert.equal(await help.locator('ol.node-ports > li').count(), 2, type);
    }
  });

  it('runs the editor scripts again without replacing their definitions or adding the style twice', async function () {
    this.timeout(30_000);
    // Every nodes/*.html loads the shared script itself, so the editor runs it once per node set.
    const outcome = await page.evaluate(async () => {
      const scope = window as unknown as { PlexButlerEditor: Record<string, unknown> };
      const names = ['post', 'TASK_NAME', 'taskNode', 'readTaskList', 'settingsDialog'];
      const first = names.map((name) => scope.PlexButlerEditor[name]);
      for (const file of ['plex-butler-editor.js', 'plex-butler-settings.js']) {
        await new Promise((resolve, reject) => {
          const script = document.createElement('script');
          script.onload = resolve;
          script.onerror = reject;
          script.src = `resources/node-red-contrib-plex-butler/${file}?again`;
          document.head.append(script);
        });
      }
      return {
        replaced: names.filter((name, i) => scope.PlexButlerEditor[name] !== first[i]),
        styles: document.querySelectorAll('style#plex-butler-editor-style').length,
      };
    });
    assert.deepEqual(outcome, { replaced: [], styles: 1 });
    assert.deepEqual(pageErrors, []);
  });

  it('imports every example from Import > Examples; each deploys cleanly and works', async function () {
    this.timeout(90_000);
    assert.ok(red && sim);
    const mark = red.log.length;
    const dir = path.join(ROOT, 'examples');
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !usesDashboard(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FlowJson[]))
      .sort(); // the dashboard example needs @flowfuse/node-red-dashboard: dashboard.test.ts
    assert.ok(files.length >= 4, 'four examples or more');
    const tabs: Record<string, string> = {};
    const box = await page.locator('#red-ui-workspace-chart').boundingBox();
    assert.ok(box);

    for (const file of files) {
      const label = file.replace(/\.json$/, '');
      const flow = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as FlowJson[];
      await chooseExample(page, label);
      const before = await nodeCount(page);
      const expected = flow.filter((n) => n.type !== 'plex-butler-server').map((n) => n.type).sort();
      await page.click('#red-ui-clipboard-dialog-ok');
      // Every example brings the same server node: from the second on, Node-RED reports it as existing.
      // "View nodes..." lists it unticked (existing config nodes are kept), so Import keeps the one.
      if (Object.keys(tabs).length > 0) await importOverConflict();
      // The editor fetches the example, then the nodes follow the mouse until a click places them.
      await until(async () => (await nodeCount(page)) === before + expected.length, 10_000, `${label} to be imported`);
      await page.mouse.move(box.x + 180, box.y + 60);
      await page.mouse.click(box.x + 180, box.y + 60);

      const tab = await page.evaluate(() => RED.workspaces.active());
      tabs[label] = tab;
      const onTab = await page.evaluate((z) => {
        const types: string[] = [];
        RED.nodes.eachNode((n) => {
          if (n.z === z) types.push(n.type);
        });
        return types.sort();
      }, tab);
      assert.deepEqual(onTab, expected, label);
    }

    const unknown = await page.evaluate(() => {
      const out: string[] = [];
      const check = (n: EditorNode): void => {
        if (!RED.nodes.getType(n.type)) out.push(n.type);
      };
      RED.nodes.eachNode(check);
      RED.nodes.eachConfig(check);
      return out;
    });
    assert.deepEqual(unknown, [], 'unknown node types');
    const serverId = (JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')) as FlowJson[]).find((n) => n.type === 'plex-butler-server')?.id ?? '';
    assert.deepEqual(await servers(serverId), { total: 2, withId: 1 }, 'one server node for all examples (and the one added by hand)');

    // The examples' server has no token yet: it is invalid, and so is every node using it.
    assert.deepEqual(await validity(serverId), { server: false, users: false });
    const user = (JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')) as FlowJson[]).find((n) => n.server === serverId)?.id ?? '';
    await page.evaluate((z) => RED.workspaces.show(z), Object.values(tabs)[0]);
    await until(() => page.locator(`g[id="${user}"] .red-ui-flow-node-error`).isVisible(), 5000, 'the red triangle');
    // Entering the token in the server's dialog makes it and its users valid.
    await page.evaluate((id) => RED.editor.editConfig('', 'plex-butler-server', id), serverId);
    await page.waitForSelector('#node-config-input-token', { state: 'visible' });
    assert.equal(await page.locator('#node-config-input-token.input-error').count(), 1, 'empty token marked');
    await page.fill('#node-config-input-token', sim.token);
    await page.click('#node-config-dialog-ok');
    await until(async () => JSON.stringify(await validity(serverId)) === JSON.stringify({ server: true, users: true }), 5000, 'the server to be valid');
    await until(async () => !(await page.locator(`g[id="${user}"] .red-ui-flow-node-error`).isVisible()), 5000, 'the red triangle to go');
    await deploy();
    const flows = (await api(red.base, 'GET', 'flows')).json as FlowJson[];
    for (const [label, z] of Object.entries(tabs)) assert.ok(flows.some((n) => n.z === z), `${label} deployed`);
    // The editor keeps only the properties a type declares in its defaults: nothing may be lost.
    for (const file of files) {
      for (const node of JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as FlowJson[]) {
        const deployed = flows.find((n) => n.id === node.id);
        assert.ok(deployed, `${file}: ${node.type} ${node.id} deployed`);
        for (const [key, value] of Object.entries(node)) {
          if (!['x', 'y', 'z'].includes(key)) assert.deepEqual(deployed[key], value, `${file}: ${node.type}.${key} after import and deploy`);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(red.problems(mark), []);

    const token = sim.token;
    const seen = (method: string, url: string): boolean =>
      sim !== undefined && sim.requests.some((r) => r.method === method && r.url === url && r.headers['x-plex-token'] === token);
    const press = async (label: string, name: string): Promise<void> => {
      await page.evaluate((z) => RED.workspaces.show(z), tabs[label]);
      const id = flows.find((n) => n.z === tabs[label] && n.type === 'inject' && n.name === name)?.id;
      assert.ok(id, `${label}: inject "${name}"`);
      await page.locator(`g[id="${id}"] .red-ui-flow-node-button`).click();
    };
    // A request node's answer ends with its time (" · 12:03"): compared without it.
    const status = (label: string, type: string): Promise<string> =>
      page.locator(`g[id="${flows.find((n) => n.z === tabs[label] && n.type === type)?.id}"] .red-ui-flow-node-status-label`).textContent().then((t) => (t ?? '').replace(ANSWER_TIME, ''));

    sim.requests.length = 0;
    await press('Nightly database backup', 'every night at 03:30');
    await until(() => seen('POST', '/butler/BackupDatabase'), 5000, 'the nightly backup to start');

    await press('Task table with error notifications', 'every hour');
    await until(() => seen('GET', '/butler'), 5000, 'the task list request');
    await page.evaluate(() => RED.sidebar.show('debug'));
    await page.locator('.red-ui-debug-msg', { hasText: 'Plex Butler tasks' }).filter({ hasText: 'task table' }).first().waitFor({ timeout: 5000 });

    const hook = await api(red.base, 'POST', 'plex/downloaded', { series: 'example' });
    assert.equal(hook.status, 202);
    assert.deepEqual(hook.json, { task: 'RefreshLibraries', action: 'start', result: 'started' });

    await press('Pause maintenance during playback', 'stop DeepMediaAnalysis only');
    await until(async () => (await status('Pause maintenance during playback', 'plex-butler-stop')) === 'DeepMediaAnalysis not running', 5000, 'not-running');
    // Someone presses play on the (simulated) server: the playback node sees it and stops all.
    await until(async () => (await status('Pause maintenance during playback', 'plex-butler-playback')) === 'idle', 5000, 'the playback node to be idle');
    sim.play({ user: 'Ann', title: 'Film' });
    await until(() => seen('DELETE', '/butler'), 5000, 'stop all');
    await until(async () => (await status('Pause maintenance during playback', 'plex-butler-playback')) === 'busy: 1 watching', 5000, 'the busy status');
    // the example also cancels running maintenance: nothing of it runs here
    await until(async () => (await status('Pause maintenance during playback', 'plex-butler-all')) === 'stopped all, cancelled 0', 5000, 'the stopped status');
    await page.evaluate(() => RED.sidebar.show('info'));
    await page.locator('.red-ui-notification').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    await page.screenshot({ path: shotPath('example-flow.png') });

    assert.deepEqual(red.problems(), []);
    assert.deepEqual(pageErrors, []);
  });
  /** The nodes of an example, as the file has them. */
  function example(label: string): FlowJson[] {
    return JSON.parse(fs.readFileSync(path.join(EXAMPLES, `${label}.json`), 'utf8')) as FlowJson[];
  }
  const exampleServer = (): string => example('Nightly database backup').find((n) => n.type === 'plex-butler-server')?.id ?? '';

  it('after a reload, a deployed server without a token is invalid, one with a token valid', async function () {
    this.timeout(60_000);
    assert.ok(red && sim);
    const added = await api(red.base, 'POST', 'flow', {
      label: 'no token',
      nodes: [{ id: 'nt-tasks', type: 'plex-butler-tasks', name: '', server: 'nt-server', x: 200, y: 80, wires: [[], []] }],
      configs: [{ id: 'nt-server', type: 'plex-butler-server', name: 'no token', url: sim.url, timeout: 10000, verifyTls: true }],
    });
    assert.equal(added.status, 200, JSON.stringify(added.json));
    const flowId = (added.json as { id: string }).id;
    const reload = async (): Promise<void> => {
      await page.reload();
      await page.waitForSelector('.red-ui-palette-node[data-palette-type="plex-butler-start"]', { timeout: 30_000 });
    };
    try {
      await reload();
      // The editor knows only has_token of a deployed node, and only after asking for it.
      await until(async () => JSON.stringify(await validity('nt-server')) === JSON.stringify({ server: false, users: false }), 10_000, 'no token: invalid');
      await until(async () => JSON.stringify(await validity(exampleServer())) === JSON.stringify({ server: true, users: true }), 10_000, 'token: valid');
      await page.evaluate((z) => RED.workspaces.show(z), flowId);
      await until(() => page.locator('g[id="nt-tasks"] .red-ui-flow-node-error').isVisible(), 5000, 'the red triangle');
    } finally {
      await api(red.base, 'DELETE', `flow/${flowId}`);
      await reload();
    }
  });

  it('sets the window and a task switch in the settings dialog; after deploy a msg writes them', async function () {
    this.timeout(60_000);
    assert.ok(red && sim);
    const flow = example('Widen the maintenance window on weekends');
    const settingsId = flow.find((n) => n.type === 'plex-butler-settings')?.id ?? '';
    const showId = flow.find((n) => n.type === 'inject' && n.name === 'show')?.id ?? '';
    const z = await page.evaluate((id) => RED.nodes.node(id)?.z ?? '', settingsId);
    await page.evaluate((tab) => RED.workspaces.show(tab), z);
    await openNode(settingsId);
    // Read mode (the default, and what nodes from before these fields get) hides the values to write.
    assert.equal(await page.inputValue('#node-input-mode'), 'read');
    assert.equal(await page.isVisible('#node-input-startHour'), false);
    await page.selectOption('#node-input-mode', 'write');
    assert.equal(await page.isVisible('#node-input-startHour'), true);
    await page.waitForSelector('#plex-butler-settings-source[data-state="ok"]', { timeout: 20_000 });
    assert.deepEqual(await attributes(page.locator('#plex-butler-settings-tasks select'), 'data-task'), DEFAULT_TASKS.map((t) => t.name));
    await page.fill('#node-input-startHour', '1');
    await page.fill('#node-input-endHour', '24');
    await page.press('#node-input-endHour', 'Tab'); // validation runs on change
    await until(async () => (await page.locator('#node-input-endHour.input-error').count()) === 1, 5000, 'hour 24 to be marked');
    await page.fill('#node-input-endHour', '7');
    await page.press('#node-input-endHour', 'Tab');
    await until(async () => (await page.locator('#node-input-endHour.input-error').count()) === 0, 5000, 'hour 7 to be accepted');
    await page.selectOption('#plex-butler-settings-tasks select[data-task="BackupDatabase"]', 'off');
    assert.doesNotMatch(await page.locator('.red-ui-tray').last().innerText(), RAW_KEY);
    await page.click('#node-dialog-ok');
    const label = page.locator(`g[id="${settingsId}"] .red-ui-flow-node-label`).first();
    await until(async () => (await label.textContent()) === 'window 1–7 h', 5000, 'the label to show the window');
    await deploy();

    const flows = (await api(red.base, 'GET', 'flows')).json as FlowJson[];
    const deployed = flows.find((n) => n.id === settingsId);
    assert.deepEqual(
      { mode: deployed?.mode, startHour: deployed?.startHour, endHour: deployed?.endHour, tasks: deployed?.tasks },
      { mode: 'write', startHour: '1', endHour: '7', tasks: { BackupDatabase: false } },
    );
    sim.requests.length = 0;
    await page.locator(`g[id="${showId}"] .red-ui-flow-node-button`).click();
    await until(() => sim !== undefined && sim.window.startHour === 1 && sim.window.endHour === 7, 5000, "the simulator's window to change");
    assert.ok(sim.requests.some((r) => r.method === 'PUT' && r.url === '/:/prefs?ButlerStartHour=1&ButlerEndHour=7&ButlerTaskBackupDatabase=0'));
    const status = page.locator(`g[id="${settingsId}"] .red-ui-flow-node-status-label`);
    await until(async () => ((await status.textContent()) ?? '').replace(ANSWER_TIME, '') === 'saved: 1–7 h', 5000, 'the saved status');
    assert.match((await status.textContent()) ?? '', ANSWER_TIME);
  });

  it('an example imported again with "Import copy" reuses the one server node too', async function () {
    this.timeout(30_000);
    const box = await page.locator('#red-ui-workspace-chart').boundingBox();
    assert.ok(box);
    const serverId = exampleServer();
    const before = await nodeCount(page);
    await chooseExample(page, 'Nightly database backup');
    await page.click('#red-ui-clipboard-dialog-ok');
    const notice = page.locator('.red-ui-notification', { hasText: 'already exist' });
    await notice.waitFor({ timeout: 10_000 });
    await notice.locator('button', { hasText: 'Import copy' }).click();
    await until(async () => (await nodeCount(page)) > before, 10_000, 'the copy to be imported');
    await page.mouse.move(box.x + 180, box.y + 60);
    await page.mouse.click(box.x + 180, box.y + 60);
    assert.deepEqual(await servers(serverId), { total: 2, withId: 1 });
    const users = await page.evaluate((sid) => {
      const z = RED.workspaces.active();
      let count = 0;
      RED.nodes.eachNode((n) => {
        if (n.z === z && n.server === sid) count++;
      });
      return count;
    }, serverId);
    assert.equal(users, example('Nightly database backup').filter((n) => n.server === serverId).length);
    await page.evaluate(() => RED.actions.invoke('core:undo'));
    await until(async () => (await nodeCount(page)) === before, 5000, 'the copy to be undone');
    assert.deepEqual(pageErrors, []);
  });
});
