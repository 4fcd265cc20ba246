// The editor in German and in Japanese: palette, a dialog, a node status and the help come from
// that language's catalogs (the expected texts are read from the catalog files, not typed here).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ButlerSimulator, startSimulator } from '../../sim/simulator';
import { api, installPacked, launchBrowser, needChromium, NodeRed, openNode, ROOT, screenshotFailures, startNodeRed, until } from './harness';

type Catalog = { [key: string]: string | Catalog };

function catalog(lang: string, type: string): Catalog {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'nodes', 'locales', lang, `${type}.json`), 'utf8')) as Catalog)[type] as Catalog;
}

function text(c: Catalog, key: string): string {
  const v = key.split('.').reduce<string | Catalog | undefined>((o, k) => (o && typeof o === 'object' ? o[k] : undefined), c);
  assert.equal(typeof v, 'string', key);
  return v as string;
}

/** The first <h3> of a help file: how that language names the "Inputs" section. */
function firstHeading(lang: string, type: string): string {
  const html = fs.readFileSync(path.join(ROOT, 'nodes', 'locales', lang, `${type}.html`), 'utf8');
  const m = /<h3>([^<]+)<\/h3>/.exec(html);
  assert.ok(m, `${lang}/${type}.html has a heading`);
  return m[1].trim();
}

declare const RED: { sidebar: { help: { show(type: string): void } } };

describe('the editor in German and Japanese', function () {
  let tmp = '';
  let sim: ButlerSimulator | undefined;
  let red: NodeRed | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const pageErrors: string[] = [];

  before(async function () {
    this.timeout(150_000);
    needChromium(this);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-languages-'));
    const userDir = await installPacked(tmp);
    sim = await startSimulator();
    red = await startNodeRed(tmp, userDir, {}, {});
    const flow = [
      { id: 't1', type: 'tab', label: 'languages' },
      { id: 's1', type: 'plex-butler-server', name: 'Plex', url: sim.url, timeout: 5000, verifyTls: true, credentials: { token: sim.token } },
      { id: 'p1', type: 'plex-butler-playback', z: 't1', name: '', server: 's1', idleGrace: 60, countPaused: true, x: 200, y: 100, wires: [[], []] },
    ];
    const deployed = await api(red.base, 'POST', 'flows', flow);
    assert.ok(deployed.status === 204 || deployed.status === 200, JSON.stringify(deployed.json));
    browser = await launchBrowser();
  });

  screenshotFailures('languages', () => page);

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await red?.stop();
    await sim?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const lang of ['de', 'ja']) {
    it(`${lang}: palette, the playback dialog, its status and its help`, async function () {
      this.timeout(60_000);
      assert.ok(browser && red);
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.addInitScript((l) => localStorage.setItem('editor-language', l), lang);
      await page.goto(red.base);
      const start = catalog(lang, 'plex-butler-start');
      const playback = catalog(lang, 'plex-butler-playback');
      const english = catalog('en-US', 'plex-butler-playback');
      // Palette (long labels are wrapped over lines: compare without the white space)
      const label = page.locator('.red-ui-palette-node[data-palette-type="plex-butler-start"] .red-ui-palette-label');
      const squeeze = (s: string | null): string => (s ?? '').replace(/\s+/g, '');
      await until(async () => squeeze(await label.textContent()) === squeeze(text(start, 'paletteLabel')), 30_000, `the ${lang} palette label`);
      // A status: the editor translates the runtime's catalog key
      const status = page.locator('g[id="p1"] .red-ui-flow-node-status-label');
      await until(async () => (await status.textContent()) === text(playback, 'status.idle'), 10_000, `the ${lang} idle status`);
      assert.notEqual(text(playback, 'status.idle'), text(english, 'status.idle'));
      // A dialog
      await openNode(page, 'p1');
      const grace = page.locator('label[for="node-input-idleGrace"]');
      assert.equal((await grace.innerText()).trim(), text(playback, 'label.idleGrace'));
      assert.equal((await page.locator('label[for="node-input-countPaused"]').innerText()).trim(), text(playback, 'label.countPaused'));
      await page.click('#node-dialog-cancel');
      // The help in the sidebar
      await page.evaluate(() => RED.sidebar.help.show('plex-butler-playback'));
      const heading = page.locator('.red-ui-help h3', { hasText: firstHeading(lang, 'plex-butler-playback') }).first();
      await heading.waitFor({ timeout: 10_000 });
      assert.notEqual(firstHeading(lang, 'plex-butler-playback'), firstHeading('en-US', 'plex-butler-playback'));
      // Every line of it wraps inside the sidebar: no code span runs past the right edge.
      const past = await page.locator('.red-ui-help code').evaluateAll((els) =>
        els.filter((el) => el.getBoundingClientRect().right > (el.closest('.red-ui-help')?.getBoundingClientRect().right ?? Infinity) + 1).map((el) => el.textContent),
      );
      assert.deepEqual(past, [], `${lang}: help text past the sidebar's edge`);
      await page.close();
      page = undefined;
      assert.deepEqual(pageErrors, []);
    });
  }
});
