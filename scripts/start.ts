// `npm start`: a local Node-RED with this package and a demo flow, talking to the simulator
// (or to a real server when PLEX_URL and PLEX_TOKEN are set).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator, ButlerSimulator } from '../sim/simulator';
import { startSetupFakes, SetupFakes } from './setup-fakes';
import { dashboardInstalled, dashboardTab, demoFlow, replacesFlows } from './demo-flow';

const root = path.join(__dirname, '..', '..');
/** The demo's user folder (ignored by git); PLEX_BUTLER_DEMO_DIR moves it, e.g. for a test. */
const userDir = process.env.PLEX_BUTLER_DEMO_DIR || path.join(root, '.node-red-dev');
/** The simulator's port unless SIM_PORT is set (npm run sim uses 32499). */
export const DEFAULT_SIM_PORT = 32498;
const port = Number(process.env.PORT) || 1880;

function write(file: string, text: string, keep = false): void {
  const full = path.join(userDir, file);
  if (keep && fs.existsSync(full)) return;
  fs.writeFileSync(full, text);
}

/** The credential secret of the dev user folder: random, made once, kept beside the flows. */
function credentialSecret(): string {
  const file = path.join(userDir, 'credential-secret');
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * Node-RED's own credential format (aes-256-ctr, sha256 of the secret, {"$": iv hex + base64}).
 * A flows_cred.json from before the secret (plain JSON) is encrypted in place; one this secret
 * cannot open is replaced by the demo's.
 */
function encryptCredentials(secret: string, demo: Record<string, unknown>): void {
  const file = path.join(userDir, 'flows_cred.json');
  const key = crypto.createHash('sha256').update(secret).digest();
  let creds: unknown = demo;
  try {
    creds = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // missing or unreadable: start from the demo's
  }
  const sealed = creds as { $?: unknown };
  if (typeof sealed.$ === 'string' && Object.keys(sealed).length === 1) {
    try {
      const decipher = crypto.createDecipheriv('aes-256-ctr', key, Buffer.from(sealed.$.slice(0, 32), 'hex'));
      JSON.parse(decipher.update(sealed.$.slice(32), 'base64', 'utf8') + decipher.final('utf8'));
      return;
    } catch {
      console.log('flows_cred.json was encrypted with another secret: using the demo credentials');
      creds = demo;
    }
  }
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-ctr', key, iv);
  const text = iv.toString('hex') + cipher.update(JSON.stringify(creds), 'utf8', 'base64') + cipher.final('base64');
  fs.writeFileSync(file, JSON.stringify({ $: text }), { mode: 0o600 });
}

/** The demo, unless the user folder holds a flow of the user's own (an older demo is replaced). */
function writeDemo(simulated: boolean): void {
  const file = path.join(userDir, 'flows.json');
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (replacesFlows(old)) fs.writeFileSync(file, JSON.stringify(demoFlow(simulated, dashboardInstalled(root) ? dashboardTab(root) : []), null, 2));
}

/** The settings.js of the demo; Node-RED reads it, so the comments must hold. */
export function settingsText(uiPort: number): string {
  return `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${uiPort},
  flowFile: 'flows.json',
  // Made once in this folder (credential-secret); flows_cred.json is encrypted with it.
  credentialSecret: require('fs').readFileSync(require('path').join(__dirname, 'credential-secret'), 'utf8').trim(),
  // Nothing leaves this machine: no telemetry and no "Enable update notifications?" prompt,
  // and the palette manager loads no remote catalogue (Node-RED's default is catalogue.nodered.org).
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false, palette: { catalogues: [] } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  // The maintenance report keeps its runs across restarts in this folder's context/.
  contextStorage: { default: { module: 'localfilesystem' } },
};
`;
}

/** Where the simulator listens in \`npm start\`: SIM_PORT, else a fixed port, so what Sign in wrote still holds after a restart. */
export function simPort(env: NodeJS.ProcessEnv): number {
  if (env.SIM_PORT === undefined || env.SIM_PORT === '') return DEFAULT_SIM_PORT;
  const port = Number(env.SIM_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`SIM_PORT must be a port number (1-65535), not "${env.SIM_PORT}"`);
  return port;
}

/**
 * The simulator's token and machine identifier, made once and kept in the user folder (like the
 * credential secret), so a server node filled in by Sign in with Plex or by hand still works after
 * a restart.
 */
export function simulatorKeys(dir: string): { token: string; machineIdentifier: string } {
  const file = path.join(dir, 'simulator.json');
  try {
    const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as { token?: unknown; machineIdentifier?: unknown };
    if (typeof kept.token === 'string' && /^[\w-]{20,}$/.test(kept.token) && typeof kept.machineIdentifier === 'string' && /^[0-9a-f]{40}$/.test(kept.machineIdentifier)) {
      return { token: kept.token, machineIdentifier: kept.machineIdentifier };
    }
  } catch {
    // none yet, or unreadable: make new ones
  }
  const keys = { token: crypto.randomBytes(15).toString('base64url'), machineIdentifier: crypto.randomBytes(20).toString('hex') };
  fs.writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  return keys;
}

async function startDemoSimulator(): Promise<ButlerSimulator> {
  const port = simPort(process.env);
  try {
    return await startSimulator({ port, runMs: 15000, ...simulatorKeys(userDir) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`Port ${port} of 127.0.0.1 is taken (another npm start?): stop that, or set SIM_PORT to a free port`);
    throw err;
  }
}

async function main(): Promise<void> {
  let sim: ButlerSimulator | undefined;
  let fakes: SetupFakes | undefined;
  const env = { ...process.env };
  if (process.env.PLEX_URL && process.env.PLEX_TOKEN) {
    console.log(`Using the Plex server at ${process.env.PLEX_URL}`);
  } else {
    fs.mkdirSync(userDir, { recursive: true });
    sim = await startDemoSimulator();
    env.PLEX_URL = sim.url;
    env.PLEX_TOKEN = sim.token;
    console.log(`Plex Butler simulator on ${sim.url} (set PLEX_URL and PLEX_TOKEN to use a real server)`);
    fakes = await startSetupFakes(sim);
    console.log(`Fake plex.tv on ${fakes.plexTv.url} (Sign in with Plex), fake GDM on 127.0.0.1:${fakes.gdm.port} (Find servers)`);
    console.log(`Simulate playback: curl -X POST '${sim.url}/__sim/play?user=alice&title=Pilot', then /__sim/pause, /__sim/resume, /__sim/stop`);
    console.log(`Simulate new media (the server analyses it; play meanwhile cancels that): curl -X POST '${sim.url}/__sim/media?title=Pilot'`);
  }

  fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
  const link = path.join(userDir, 'node_modules', 'node-red-contrib-plex-butler');
  if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
  write('package.json', JSON.stringify({ name: 'node-red-dev', private: true, dependencies: { 'node-red-contrib-plex-butler': 'file:..' } }, null, 2));
  write('settings.js', settingsText(port));
  // Written on every start: the fakes listen on new ports each time.
  if (fakes) fs.appendFileSync(path.join(userDir, 'settings.js'), `module.exports.plexButler = ${JSON.stringify(fakes.settings)};\n`);
  writeDemo(sim !== undefined);
  encryptCredentials(credentialSecret(), { 'demo-server': { token: '${PLEX_TOKEN}' } });

  const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let announced = false;
  red.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (!announced && /Started flows|Server now running/.test(chunk.toString())) {
      announced = true;
      const dashboard = dashboardInstalled(root) ? `\n  Maintenance dashboard: http://127.0.0.1:${port}/dashboard` : '';
      console.log(`\n  Node-RED editor: http://127.0.0.1:${port}/  (Ctrl-C to stop)${dashboard}\n`);
    }
  });
  const stop = (): void => {
    red.kill('SIGINT');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  red.on('exit', (code) => {
    void Promise.all([sim?.close(), fakes?.close()]).then(() => process.exit(code ?? 0));
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
