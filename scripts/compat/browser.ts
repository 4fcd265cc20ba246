// A short look at each leg's editor in headless Chromium: the palette shows our nodes with
// translated labels, each deployed node's edit dialog opens and closes, no script error.
import fs from 'node:fs';
import { chromium, Browser, Page } from 'playwright-core';
import { Checks } from './flow';

export const CHROMIUM = '/usr/bin/chromium';
// A catalog key shown instead of its text, e.g. "plex-butler-start.label.task".
const RAW_KEY = /plex-butler-[a-z]+\.[a-z]+\.[A-Za-z]/;

interface EditorRed {
  nodes: { getType(type: string): unknown; node(id: string): unknown };
  editor: { edit(node: unknown): void };
}

/** Whether this machine can run the check; under CI a missing Chromium is a failure. */
export function browserAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

async function openAndCancel(page: Page, id: string): Promise<string | true> {
  // Page functions are sent as source: everything they use must be inside them.
  await page.evaluate((nodeId) => {
    const RED = (globalThis as unknown as { RED: EditorRed }).RED;
    RED.editor.edit(RED.nodes.node(nodeId));
  }, id);
  await page.waitForSelector('#node-input-server', { state: 'visible', timeout: 15_000 });
  await page.waitForTimeout(250); // let the dialog's own requests (task list) come back
  await page.click('#node-dialog-cancel');
  await page.waitForSelector('#node-input-server', { state: 'detached', timeout: 15_000 });
  return true;
}

/** `dialogs`: ids of deployed flow nodes whose edit dialog to open. */
export async function uiChecks(port: number, types: string[], dialogs: string[], checks: Checks): Promise<void> {
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    await checks.run('editor UI', 'palette', async () => {
      await page.waitForSelector('.red-ui-palette-node[data-palette-type="plex-butler-start"]', { timeout: 45_000 });
      for (const type of types) {
        const known = await page.evaluate((t) => Boolean((globalThis as unknown as { RED: EditorRed }).RED.nodes.getType(t)), type);
        if (!known) return `the editor has no definition of ${type}`;
      }
      const labels = await page.$$eval('.red-ui-palette-node[data-palette-type^="plex-butler-"] .red-ui-palette-label', (els) => els.map((e) => e.textContent ?? ''));
      const raw = labels.filter((l) => RAW_KEY.test(l) || l.trim() === '');
      return raw.length === 0 || `untranslated palette labels: ${raw.join(', ')}`;
    });
    for (const id of dialogs) await checks.run('editor UI', `edit dialog ${id}`, () => openAndCancel(page, id));
  } catch (err) {
    checks.add('editor UI', 'editor', false, err instanceof Error ? err.message : String(err));
  } finally {
    await browser?.close();
  }
  checks.add('editor UI', 'no script errors', pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));
}
