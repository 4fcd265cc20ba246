// `npm run screenshot:quiet-hours`: the picture of the quiet-hours heat map in the README
// (docs/images/quiet-hours.png). Not part of npm test, which leaves tracked files alone: it installs
// the packed module and FlowFuse Dashboard 2.0 in a throw-away Node-RED, deploys the Maintenance
// dashboard example against the simulator's household, and photographs the Quiet hours group.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator } from '../sim/simulator';
import { DASHBOARD, installPacked, launchBrowser, linkModules, newPage, ROOT, SHOTS, startNodeRed } from '../test/browser/harness';

const EXAMPLE = path.join(ROOT, 'examples', 'Maintenance dashboard (needs Dashboard 2.0).json');
const CONFIG_TYPES = new Set(['plex-butler-server', 'ui-base', 'ui-page', 'ui-theme', 'ui-group']);

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-shot-'));
  const sim = await startSimulator({ history: { views: 1500, days: 35 } });
  const userDir = await installPacked(tmp);
  linkModules(userDir, [DASHBOARD]);
  const red = await startNodeRed(tmp, userDir, { nodesExcludes: [] }, { PLEX_URL: sim.url, TZ: 'UTC' });
  const browser = await launchBrowser();
  try {
    const nodes = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as Array<{ id: string; type: string; path?: string }>;
    const flow = [
      { id: 'shot', type: 'tab', label: 'Maintenance dashboard' },
      ...nodes.map((n) => (n.type === 'plex-butler-server' ? { ...n, credentials: { token: sim.token } } : CONFIG_TYPES.has(n.type) ? n : { ...n, z: 'shot' })),
    ];
    const res = await fetch(new URL('flows', red.base), { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flow) });
    if (res.status !== 204) throw new Error(`deploy failed: ${res.status} ${await res.text()}`);
    const base = String(nodes.find((n) => n.type === 'ui-base')?.path).slice(1);
    const sub = String(nodes.find((n) => n.type === 'ui-page')?.path);
    const page = await newPage(browser, []);
    await page.goto(new URL(`${base}${sub}`, red.base).href);
    const map = page.locator('.qh-heatmap');
    await map.locator('.qh-grid').waitFor({ timeout: 30_000 });
    await map.locator('.qh-legend').first().waitFor();
    const group = page.locator('.nrdb-ui-group', { has: map });
    await (((await group.count()) > 0 ? group.first() : map).screenshot({ path: path.join(SHOTS, 'quiet-hours.png') }));
    console.log(`wrote ${path.join(SHOTS, 'quiet-hours.png')}`);
  } finally {
    await browser.close();
    await red.stop();
    await sim.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
