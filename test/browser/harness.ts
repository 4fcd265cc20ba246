// What the browser tests share: this package from `npm pack` installed into a fresh userDir, a real
// Node-RED process started on it, headless Chromium, and the editor actions every test uses.
import assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Browser, chromium, Page } from 'playwright-core';
import { freePort } from '../../scripts/compat/proc';

const exec = promisify(execFile);
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
/** The README's screenshots, rewritten only by `npm run screenshots` (PLEX_BUTLER_SCREENSHOTS=1). */
export const SHOTS = path.join(ROOT, 'docs', 'images');
/** Where a test run's screenshots go otherwise: a temporary folder, so tests leave the clone as it was. */
export const TEMP_SHOTS = path.join(os.tmpdir(), 'plex-butler-screenshots');

/** The file a README screenshot is written to: docs/images on request, else the temporary folder. */
export function shotPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PLEX_BUTLER_SCREENSHOTS === '1' ? SHOTS : TEMP_SHOTS;
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
export const MODULE = 'node-red-contrib-plex-butler';

export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** FlowFuse Dashboard 2.0, a devDependency: only the suites that link it give it to Node-RED. */
export const DASHBOARD = '@flowfuse/node-red-dashboard';

/** Examples that need FlowFuse Dashboard 2.0 (`ui-*` types): only the dashboard suite runs them. */
export function usesDashboard(flow: Array<{ type: string }>): boolean {
  return flow.some((n) => n.type.startsWith('ui-'));
}

/** Links node_modules/<name> of this checkout into a user folder (after npm install, which would prune it). */
export function linkModules(userDir: string, names: string[]): void {
  for (const name of names) {
    const from = path.join(ROOT, 'node_modules', name);
    if (!fs.existsSync(path.join(from, 'package.json'))) throw new Error(`${name} is not installed: run npm ci`);
    const to = path.join(userDir, 'node_modules', name);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.symlinkSync(from, to, 'dir');
  }
}

/** A Node-RED process with its console output kept for inspection. */
export class NodeRed {
  log = '';
  private exited = false;

  constructor(
    private readonly proc: ChildProcess,
    readonly base: string,
  ) {
    const keep = (chunk: Buffer): void => {
      this.log += chunk.toString('utf8');
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.on('exit', () => {
      this.exited = true;
    });
  }

  async ready(): Promise<void> {
    await until(() => this.exited || /Started flows/.test(this.log), 60_000, 'Node-RED to start');
    if (this.exited) throw new Error(`Node-RED exited:\n${this.log}`);
  }

  /** Lines logged at error level, or about node types the runtime could not find. */
  problems(from = 0): string[] {
    return this.log
      .slice(from)
      .split('\n')
      .filter((l) => /\[error\]|missing types|unknown type/i.test(l));
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.proc.kill('SIGTERM');
    try {
      await until(() => this.exited, 10_000, 'Node-RED to stop');
    } catch {
      this.proc.kill('SIGKILL');
    }
  }
}

/** Skips the suite when Chromium is missing (fails under CI instead). */
export function needChromium(ctx: Mocha.Context): void {
  if (fs.existsSync(CHROMIUM)) return;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with apt-get install chromium`);
  console.log(`      skipped: ${CHROMIUM} is not installed (apt-get install chromium); under CI this fails instead`);
  ctx.skip();
}

/** The environment for child processes: c8 measures this process, not npm's or Node-RED's. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_V8_COVERAGE;
  return env;
}

/** `npm pack` of this package installed into `<tmp>/user`, as a user installs it; returns that userDir. */
export async function installPacked(tmp: string): Promise<string> {
  assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'plex-butler-server.js')), 'build first: npm run build');
  const env = childEnv();
  const packed = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, env, maxBuffer: 16 << 20 });
  const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  const userDir = path.join(tmp, 'user');
  fs.mkdirSync(userDir);
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'editor-test-userdir', private: true }));
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', path.join(tmp, filename)], {
    cwd: userDir,
    env,
    timeout: 120_000,
    maxBuffer: 16 << 20,
  });
  return userDir;
}

/** Node-RED on a free port of 127.0.0.1 with the given userDir, extra settings and environment. */
export async function startNodeRed(tmp: string, userDir: string, extraSettings: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<NodeRed> {
  const port = await freePort();
  const settings = path.join(tmp, 'settings.js');
  fs.writeFileSync(
    settings,
    `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      // Node-RED also loads the Node-RED modules in the node_modules folders above its own install,
      // so from this checkout it would find the devDependency dashboard: a user's install has not.
      nodesExcludes: [path.basename(DASHBOARD)],
      flowFile: 'flows.json',
      credentialSecret: 'editor-test',
      telemetry: { enabled: false },
      diagnostics: { enabled: false, ui: false },
      editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
      logging: { console: { level: 'info', metrics: false, audit: false } },
      // Never the real plex.tv or the GDM multicast group: a port of 127.0.0.1 unless a test has fakes.
      plexButler: { plexTvUrl: 'http://127.0.0.1:9', authUrl: 'http://127.0.0.1:9/auth', gdmAddress: '127.0.0.1', gdmPort: 9 },
      ...extraSettings,
    })};\n`,
  );
  const redJs = path.join(ROOT, 'node_modules', 'node-red', 'red.js');
  const proc = spawn(process.execPath, [redJs, '-u', userDir, '-p', String(port), '--settings', settings], {
    env: { ...childEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const red = new NodeRed(proc, `http://127.0.0.1:${port}/`);
  await red.ready();
  return red;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function api(base: string, method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(new URL(route, base), {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, json };
}

/** Opens the edit dialog of a node on the canvas the way a user does: double-click. */
export async function openNode(page: Page, id: string): Promise<void> {
  await page.locator(`g[id="${id}"] rect.red-ui-flow-node`).dblclick();
  await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
}

export async function deploy(page: Page): Promise<void> {
  await page.click('#red-ui-header-button-deploy');
  const done = page.locator('.red-ui-notification', { hasText: 'Successfully deployed' });
  const asked = page.locator('#red-ui-deploy-dialog-confirm-deploy-deploy');
  await Promise.race([done.first().waitFor({ timeout: 15_000 }), asked.waitFor({ timeout: 15_000 })]);
  if (await asked.isVisible()) {
    assert.fail(`deploy asked for confirmation: ${await page.locator('.red-ui-notification', { has: asked }).innerText()}`);
  }
  await page.locator('.red-ui-notification').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

// The few parts of the editor's global RED the harness uses inside the page.
declare const RED: {
  actions: { invoke(name: string): void };
  nodes: { eachNode(cb: () => void): void };
  workspaces: { active(): string };
};

/** How many nodes the editor holds (flow nodes, config nodes, tabs). */
export function nodeCount(page: Page): Promise<number> {
  return page.evaluate(() => {
    let count = 0;
    RED.nodes.eachNode(() => count++);
    return count;
  });
}

/** Import > Examples > this package > label, into a new flow; pressing Import is left to the caller. */
export async function chooseExample(page: Page, label: string): Promise<void> {
  await page.evaluate(() => RED.actions.invoke('core:show-examples-import-dialog'));
  const tree = page.locator('.red-ui-clipboard-dialog-tab-library .red-ui-treeList-label');
  const folder = tree.filter({ hasText: MODULE }).first();
  const row = tree.filter({ hasText: label }).first();
  await folder.waitFor();
  await page.waitForTimeout(400); // the dialog fades in
  if (!(await row.isVisible())) {
    await folder.click();
    await row.waitFor();
    await page.waitForTimeout(600); // the folder slides open
  }
  await row.click();
  assert.equal(await row.and(page.locator('.selected')).count(), 1, `${label} selected`);
  await page.click('#red-ui-clipboard-dialog-import-opt-new');
}

/** A page 1400 px wide with a 15 s default timeout, its script errors collected into `errors`. */
export async function newPage(browser: Browser, errors: string[], height = 900): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height } });
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => errors.push(err.message));
  return page;
}

/** Mocha hook: a full screenshot of the page in the temp folder when a test fails. */
export function screenshotFailures(name: string, page: () => Page | undefined): void {
  afterEach(async function () {
    const shown = page();
    if (this.currentTest?.state !== 'failed' || !shown) return;
    const shot = path.join(os.tmpdir(), `plex-butler-${name}-failure-${Date.now()}.png`);
    await shown.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
    console.log(`      screenshot of the failure: ${shot}`);
  });
}

/**
 * Imports one of this package's examples into a new flow from Import > Examples, as a user does,
 * and places it with a click. `added` is how many nodes the import adds. Returns the new tab's id.
 */
export async function importExample(page: Page, label: string, added: number): Promise<string> {
  const box = await page.locator('#red-ui-workspace-chart').boundingBox();
  assert.ok(box);
  // The import dialog does not open while an edit tray is still sliding out.
  await until(async () => (await page.locator('.red-ui-tray').count()) === 0, 5000, 'the edit dialogs to close');
  await chooseExample(page, label);
  const before = await nodeCount(page);
  await page.click('#red-ui-clipboard-dialog-ok');
  // The editor fetches the example, then the nodes follow the mouse until a click places them.
  await until(async () => (await nodeCount(page)) === before + added, 10_000, `${label} to be imported`);
  await page.mouse.move(box.x + 180, box.y + 60);
  await page.mouse.click(box.x + 180, box.y + 60);
  return page.evaluate(() => RED.workspaces.active());
}
