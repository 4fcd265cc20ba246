// One leg of the matrix: a Node-RED release on a Node release, this package from `npm pack`.
// A leg checks what only an install can show: the tarball installs and loads there, the editor
// gets every definition, help, catalog, icon and example, a flow with every node type deploys,
// redeploys and stops cleanly, and the token stays secret. What the nodes answer is left to the
// mocha suite, which the matrix runs under other Node and Node-RED releases too.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSimulator, ButlerSimulator } from '../../sim/simulator';
import { browserAvailable, uiChecks } from './browser';
import { adminSecretChecks, buildFlow, Checks, DIALOG_NODES, smokeCheck, TYPES } from './flow';
import { compatDir, declaredRedRange, installNodeRed, nodeBinary, NodeBin, redAccepts, userDirWith } from './install';
import { freePort, request } from './proc';
import { RunningRed, startRed } from './red';
import { Leg, NODE_RED } from './versions';

const PKG = 'node-red-contrib-plex-butler';

export interface LegResult {
  leg: Leg;
  nodeRed: string;
  node?: NodeBin;
  checks: Checks;
  /** Install time, 0 when the cached runtime was reused. */
  installMs: number;
  totalMs: number;
  /** Set when the declared node-red.version refused this Node-RED and the checks ran on a relaxed copy. */
  refused?: string;
  /** A failure that stopped the leg early. */
  error?: string;
  logFile: string;
}

interface NodeSet {
  module?: string;
  types?: string[];
  enabled?: boolean;
  err?: unknown;
}

async function getJson(port: number, urlPath: string): Promise<unknown> {
  const r = await request(port, 'GET', urlPath, { headers: { Accept: 'application/json' } });
  if (r.status !== 200) throw new Error(`GET ${urlPath}: ${r.status}`);
  return JSON.parse(r.text) as unknown;
}

/** Every node type the installed package declares (its node-red.nodes map). */
function packageTypes(userDir: string): string[] {
  const file = path.join(userDir, 'node_modules', PKG, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { 'node-red'?: { nodes?: Record<string, string> } };
  const types = Object.keys(pkg['node-red']?.nodes ?? {});
  return [...new Set([...TYPES, ...types])];
}

/** Which of our types the runtime registered (GET /nodes), with any load error. */
async function ourTypes(port: number): Promise<{ types: string[]; errors: string[] }> {
  const sets = (await getJson(port, '/nodes')) as NodeSet[];
  const ours = sets.filter((s) => s.module === PKG);
  return {
    types: ours.filter((s) => s.enabled !== false && !s.err).flatMap((s) => s.types ?? []),
    errors: ours.filter((s) => s.err).map((s) => String(s.err)),
  };
}

/** The package as packed: does this Node-RED refuse it for its declared range, as it should? */
async function probeRefusal(node: NodeBin, runtimeDir: string, userDir: string, tgz: string, logFile: string): Promise<string> {
  await userDirWith(userDir, tgz, node);
  const red = await startRed(node.bin, runtimeDir, userDir, await freePort(), logFile);
  try {
    const { types } = await ourTypes(red.port);
    const line = red.log().split('\n').find((l) => l.includes(PKG) && /version/i.test(l));
    if (types.length > 0) return `loaded although ${declaredRedRange()} excludes it`;
    return line ? line.replace(/^.*?\[warn\]\s*/, '').trim() : 'not loaded (no reason logged)';
  } finally {
    await red.stop();
  }
}

async function loadChecks(red: RunningRed, leg: LegResult, node: NodeBin, types: string[], checks: Checks): Promise<void> {
  await checks.run('load', 'Node-RED version', async () => {
    const s = (await getJson(red.port, '/settings')) as { version?: string };
    return s.version === leg.nodeRed || `GET /settings says ${s.version}`;
  });
  checks.add('load', 'Node.js version', red.log().includes(`Node.js  version: v${node.version}`), `log lacks "Node.js  version: v${node.version}"`);
  await checks.run('load', 'all types registered', async () => {
    const got = await ourTypes(red.port);
    const missing = types.filter((t) => !got.types.includes(t));
    const errors = got.errors;
    return missing.length === 0 || `missing ${missing.join(', ')}${errors.length ? `; errors: ${errors.join('; ')}` : ''}`;
  });
}

/** What the editor gets: each type's definition and help, the message catalogs, the icons, the examples. */
async function editorChecks(port: number, userDir: string, types: string[], checks: Checks): Promise<void> {
  await checks.run('editor', 'definitions and help', async () => {
    const r = await request(port, 'GET', '/nodes', { headers: { Accept: 'text/html' } });
    const missing = types.filter((t) => !new RegExp(`registerType\\(\\s*['"]${t}['"]`).test(r.text) || !r.text.includes(`data-help-name="${t}"`));
    return (r.status === 200 && missing.length === 0) || `${r.status}; no definition or help for ${missing.join(', ')}`;
  });
  await checks.run('editor', 'message catalogs', async () => {
    const cat = (await getJson(port, '/nodes/messages?lng=en-US')) as Record<string, Record<string, unknown> | undefined>;
    const missing = types.filter((t) => typeof cat[`${PKG}/${t}`]?.[t] !== 'object');
    return missing.length === 0 || `no en-US catalog for ${missing.join(', ')} (keys: ${Object.keys(cat).filter((k) => k.includes('plex')).join(', ')})`;
  });
  await checks.run('editor', 'icons', async () => {
    const dir = path.join(userDir, 'node_modules', PKG, 'dist', 'nodes', 'icons');
    const icons = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    if (icons.length === 0) return 'the package has no icons';
    for (const icon of icons) {
      const r = await request(port, 'GET', `/icons/${PKG}/${icon}`);
      if (r.status !== 200 || !/svg|png/.test(r.type)) return `GET /icons/${PKG}/${icon}: ${r.status} ${r.type}`;
    }
    return true;
  });
  await checks.run('editor', 'examples', async () => {
    const dir = path.join(userDir, 'node_modules', PKG, 'examples');
    const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
    if (names.length === 0) return 'the package has no examples';
    const list = await getJson(port, '/library/examples/flows/');
    if (!Array.isArray(list) || !list.includes(PKG)) return `GET /library/examples/flows/ lacks ${PKG}: ${JSON.stringify(list).slice(0, 200)}`;
    for (const name of names) {
      const flow = await getJson(port, `/library/examples/flows/${PKG}/${encodeURIComponent(name.replace(/\.json$/, ''))}`);
      if (!Array.isArray(flow) || !JSON.stringify(flow).includes('"plex-butler-')) return `example "${name}" did not come back as a flow with our nodes`;
    }
    return true;
  });
}

/** A full deploy through the admin API; resolves once the new flows have started. */
async function deploy(red: RunningRed, flow: unknown[]): Promise<string | true> {
  const before = red.startedFlows();
  const r = await request(red.port, 'POST', '/flows', {
    body: JSON.stringify(flow),
    type: 'application/json',
    headers: { 'Node-RED-Deployment-Type': 'full' },
  });
  if (r.status !== 200 && r.status !== 204) return `POST /flows: ${r.status} ${r.text.slice(0, 300)}`;
  await red.waitStarted(before);
  return true;
}

/** Deploy, one call through a node, the editor UI on the deployed flow, a full redeploy and the call again. */
async function deployChecks(red: RunningRed, flow: unknown[], types: string[], checks: Checks): Promise<void> {
  await checks.run('deploy', 'POST /flows', () => deploy(red, flow));
  await checks.run('deploy', 'a deployed node answers', () => smokeCheck(red.port));
  if (browserAvailable()) await uiChecks(red.port, types, DIALOG_NODES, checks);
  else if (process.env.CI) checks.add('editor UI', 'chromium', false, 'no /usr/bin/chromium: apt-get install chromium');
  // A second full deploy closes and recreates every node (config node close handlers included).
  await checks.run('deploy', 'redeploy', () => deploy(red, flow));
  await checks.run('deploy', 'answers after redeploy', () => smokeCheck(red.port));
}

/** The token must not come back from the admin API, sit in plain text on disk, or reach the log. */
async function secretChecks(red: RunningRed, userDir: string, token: string, checks: Checks): Promise<void> {
  await checks.run('secrets', 'not in GET /flows', async () => {
    const r = await request(red.port, 'GET', '/flows', { headers: { Accept: 'application/json' } });
    return (r.status === 200 && !r.text.includes(token)) || `${r.status}; token ${r.text.includes(token) ? 'present' : 'absent'}`;
  });
  const cred = path.join(userDir, 'flows_cred.json');
  checks.add('secrets', 'encrypted on disk', fs.existsSync(cred) && !fs.readFileSync(cred, 'utf8').includes(token), 'flows_cred.json missing or holds the token in clear');
  checks.add('secrets', 'not in the log', !red.log().includes(token), 'the token appears in the Node-RED log');
}

export async function runLeg(leg: Leg, tgz: string, relaxed: () => Promise<string>): Promise<LegResult> {
  const started = Date.now();
  const dir = path.join(compatDir, leg.id);
  fs.mkdirSync(dir, { recursive: true });
  const runtimeDir = path.join(dir, 'runtime');
  const userDir = path.join(dir, 'userdir');
  const checks = new Checks();
  const result: LegResult = { leg, nodeRed: NODE_RED[leg.redLine], checks, installMs: 0, totalMs: 0, logFile: path.join(dir, 'node-red.log') };
  let sim: ButlerSimulator | undefined;
  let red: RunningRed | undefined;
  try {
    const node = await nodeBinary(leg.nodeLine);
    result.node = node;
    const t = Date.now();
    const cached = await installNodeRed(runtimeDir, result.nodeRed, node);
    result.installMs = cached ? 0 : Date.now() - t;

    let pkg = tgz;
    if (!redAccepts(runtimeDir, declaredRedRange())) {
      result.refused = await probeRefusal(node, runtimeDir, userDir, tgz, path.join(dir, 'node-red-refused.log'));
      pkg = await relaxed();
    }
    await userDirWith(userDir, pkg, node);

    const token = `compat-${randomBytes(12).toString('hex')}`;
    sim = await startSimulator({ token, runMs: 600_000 });
    red = await startRed(node.bin, runtimeDir, userDir, await freePort(), result.logFile);
    const types = packageTypes(userDir);
    await loadChecks(red, result, node, types, checks);
    await editorChecks(red.port, userDir, types, checks);

    await deployChecks(red, buildFlow(sim.url, token), types, checks);
    await adminSecretChecks(red.port, token, checks);
    await secretChecks(red, userDir, token, checks);
    const errors = red.log().split('\n').filter((l) => /\[error\]/.test(l));
    checks.add('deploy', 'no [error] in the log', errors.length === 0, errors.slice(0, 3).join(' | '));
    const code = await red.stop();
    checks.add('deploy', 'clean shutdown', code === 0, `exit code ${code}`);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  } finally {
    await red?.stop();
    await sim?.close();
    result.totalMs = Date.now() - started;
  }
  return result;
}

/** A leg passes when it ran to the end and every check passed. */
export function legOk(r: LegResult): boolean {
  return !r.error && r.checks.list.length > 0 && r.checks.failures().length === 0;
}
