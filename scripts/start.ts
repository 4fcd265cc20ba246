// `npm start`: a local Node-RED with this package and a demo flow, talking to the simulator
// (or to a real server when PLEX_URL and PLEX_TOKEN are set).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator, ButlerSimulator } from '../sim/simulator';
import { startSetupFakes, SetupFakes } from './setup-fakes';

const root = path.join(__dirname, '..', '..');
const userDir = path.join(root, '.node-red-dev');
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

type FlowNode = Record<string, unknown>;

const z = 'demo-tab';
const debug = (id: string, name: string, x: number, y: number, complete = 'true'): FlowNode => ({ id, type: 'debug', z, name, active: true, tosidebar: true, complete, targetType: complete === 'true' ? 'full' : 'msg', x, y, wires: [] });
const inject = (id: string, name: string, x: number, y: number, wire: string, extra: FlowNode = {}): FlowNode => ({
  id, type: 'inject', z, name, props: [{ p: 'payload' }], payload: '', payloadType: 'str', repeat: '', once: false, x, y, wires: [[wire]], ...extra,
});

/** The Butler calls: one of each node, fired by inject nodes, results and errors to debug. */
function butlerRows(): FlowNode[] {
  return [
    { id: 'demo-comment', type: 'comment', z, name: 'Plex Butler demo: press a button, watch the debug sidebar', info: '', x: 260, y: 40, wires: [] },
    inject('demo-i1', 'list tasks', 130, 100, 'demo-tasks'),
    { id: 'demo-tasks', type: 'plex-butler-tasks', z, name: '', server: 'demo-server', x: 340, y: 100, wires: [['demo-ok'], ['demo-err']] },
    inject('demo-i2', 'BackupDatabase', 140, 160, 'demo-start', { payload: 'BackupDatabase' }),
    { id: 'demo-start', type: 'plex-butler-start', z, name: '', server: 'demo-server', task: '', x: 350, y: 160, wires: [['demo-ok'], ['demo-err']] },
    inject('demo-i3', 'BackupDatabase', 140, 220, 'demo-stop', { payload: 'BackupDatabase' }),
    { id: 'demo-stop', type: 'plex-butler-stop', z, name: '', server: 'demo-server', task: '', x: 350, y: 220, wires: [['demo-ok'], ['demo-err']] },
    inject('demo-i4', 'start all', 130, 280, 'demo-all', { payload: 'start' }),
    inject('demo-i5', 'stop all', 130, 320, 'demo-all', { payload: 'stop' }),
    { id: 'demo-all', type: 'plex-butler-all', z, name: '', server: 'demo-server', action: 'msg', x: 350, y: 300, wires: [['demo-ok'], ['demo-err']] },
    inject('demo-i6', 'bad name', 130, 380, 'demo-start', { payload: '../library/sections' }),
    debug('demo-ok', 'result', 590, 160),
    debug('demo-err', 'error', 590, 280),
  ];
}

/** A button that POSTs to the simulator's playback controls (only in simulator mode). */
function simButton(id: string, name: string, y: number, path: string): FlowNode[] {
  return [
    { id, type: 'inject', z, name, props: [{ p: 'url', v: `$env('PLEX_URL') & '${path}'`, vt: 'jsonata' }], repeat: '', once: false, x: 160, y, wires: [[`${id}-req`]] },
    { id: `${id}-req`, type: 'http request', z, name: 'simulator control', method: 'POST', ret: 'obj', paytoqs: 'ignore', url: '', tls: '', persist: false, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], x: 390, y, wires: [[]] },
  ];
}

/** Playback drives maintenance: busy stops all, idle (after 10 s) starts the due tasks again. */
function playbackRows(simulated: boolean): FlowNode[] {
  const buttons = simulated
    ? [...simButton('demo-play', 'someone presses play', 520, '/__sim/play?user=demo&title=Demo%20film'), ...simButton('demo-halt', 'playback stops', 580, '/__sim/stop')]
    : [];
  return [
    { id: 'demo-comment2', type: 'comment', z, name: 'Playback drives maintenance: press play, watch the Butler stop; stop, and it starts again 10 s later', info: '', x: 400, y: 460, wires: [] },
    ...buttons,
    { id: 'demo-playback', type: 'plex-butler-playback', z, name: 'someone watching?', server: 'demo-server', idleGrace: 10, countPaused: true, x: 170, y: 660, wires: [['demo-switch'], ['demo-err']] },
    { id: 'demo-switch', type: 'switch', z, name: 'busy or idle', property: 'topic', propertyType: 'msg', rules: [{ t: 'eq', v: 'busy', vt: 'str' }, { t: 'eq', v: 'idle', vt: 'str' }], checkall: 'false', repair: false, outputs: 2, x: 380, y: 660, wires: [['demo-stopall'], ['demo-changed']] },
    // The idle state known at deploy is not a change: it starts nothing.
    { id: 'demo-changed', type: 'switch', z, name: 'not the state at deploy', property: 'payload.initial', propertyType: 'msg', rules: [{ t: 'istype', v: 'undefined', vt: 'undefined' }], checkall: 'true', repair: false, outputs: 1, x: 610, y: 700, wires: [['demo-startall']] },
    { id: 'demo-stopall', type: 'plex-butler-all', z, name: 'stop all maintenance', server: 'demo-server', action: 'stop', x: 610, y: 620, wires: [['demo-ok2'], ['demo-err']] },
    { id: 'demo-startall', type: 'plex-butler-all', z, name: 'start due tasks when idle', server: 'demo-server', action: 'start', onlyWhenIdle: true, idleGrace: 0, x: 880, y: 700, wires: [['demo-ok2'], ['demo-err']] },
    debug('demo-ok2', 'maintenance', 1100, 660),
    { id: 'demo-activity', type: 'plex-butler-activity', z, name: '', server: 'demo-server', maintenanceOnly: true, filter: '', x: 160, y: 760, wires: [['demo-act'], ['demo-err']] },
    debug('demo-act', 'activity', 380, 760, 'payload'),
  ];
}

/** The demo flow: a tab with every node, against ${PLEX_URL} and ${PLEX_TOKEN}. (npm run bench measures its idle cost.) */
export function demoFlow(simulated: boolean): unknown[] {
  return [
    { id: z, type: 'tab', label: 'Plex Butler demo', info: 'Press the inject buttons. Results go to the debug sidebar; errors too (output 2).' },
    { id: 'demo-server', type: 'plex-butler-server', name: 'Plex', url: '${PLEX_URL}', timeout: 10000, verifyTls: true },
    ...butlerRows(),
    ...playbackRows(simulated),
  ];
}

/** The demo, unless the user folder holds a flow of the user's own (an older demo is replaced). */
function writeDemo(simulated: boolean): void {
  const file = path.join(userDir, 'flows.json');
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const ours = old === '' || (old.includes('"demo-tab"') && !old.includes('"demo-playback"'));
  if (ours) fs.writeFileSync(file, JSON.stringify(demoFlow(simulated), null, 2));
}

async function main(): Promise<void> {
  let sim: ButlerSimulator | undefined;
  let fakes: SetupFakes | undefined;
  const env = { ...process.env };
  if (process.env.PLEX_URL && process.env.PLEX_TOKEN) {
    console.log(`Using the Plex server at ${process.env.PLEX_URL}`);
  } else {
    sim = await startSimulator({ port: Number(process.env.SIM_PORT) || 0, runMs: 15000 });
    env.PLEX_URL = sim.url;
    env.PLEX_TOKEN = sim.token;
    console.log(`Plex Butler simulator on ${sim.url} (set PLEX_URL and PLEX_TOKEN to use a real server)`);
    fakes = await startSetupFakes(sim);
    console.log(`Simulate playback: curl -X POST '${sim.url}/__sim/play?user=alice&title=Pilot', then /__sim/pause, /__sim/resume, /__sim/stop`);
  }

  fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
  const link = path.join(userDir, 'node_modules', 'node-red-contrib-plex-butler');
  if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
  write('package.json', JSON.stringify({ name: 'node-red-dev', private: true, dependencies: { 'node-red-contrib-plex-butler': 'file:..' } }, null, 2));
  write(
    'settings.js',
    `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  // Made once in this folder (credential-secret); flows_cred.json is encrypted with it.
  credentialSecret: require('fs').readFileSync(require('path').join(__dirname, 'credential-secret'), 'utf8').trim(),
  // No "Enable update notifications?" prompt over the demo, and nothing sent to nodered.org.
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`,
  );
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
      console.log(`\n  Node-RED editor: http://127.0.0.1:${port}/  (Ctrl-C to stop)\n`);
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
