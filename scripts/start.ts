// `npm start`: a local Node-RED with this package and a demo flow, talking to the simulator
// (or to a real server when PLEX_URL and PLEX_TOKEN are set).
import { spawn } from 'node:child_process';
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

/** The demo flow: one of each node, fired by inject nodes, results and errors to debug. */
function demoFlow(): unknown[] {
  const z = 'demo-tab';
  const inject = (id: string, name: string, x: number, y: number, wire: string, extra: Record<string, unknown> = {}) => ({
    id, type: 'inject', z, name, props: [{ p: 'payload' }], payload: '', payloadType: 'str', repeat: '', once: false, x, y, wires: [[wire]], ...extra,
  });
  const debug = (id: string, name: string, x: number, y: number) => ({ id, type: 'debug', z, name, active: true, tosidebar: true, complete: 'true', targetType: 'full', x, y, wires: [] });
  return [
    { id: z, type: 'tab', label: 'Plex Butler demo', info: 'Press the inject buttons. Results go to the debug sidebar; errors too (output 2).' },
    { id: 'demo-server', type: 'plex-butler-server', name: 'Plex', url: '${PLEX_URL}', timeout: 10000, verifyTls: true },
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
  credentialSecret: false,
  editorTheme: { tours: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`,
  );
  // Written on every start: the fakes listen on new ports each time.
  if (fakes) fs.appendFileSync(path.join(userDir, 'settings.js'), `module.exports.plexButler = ${JSON.stringify(fakes.settings)};\n`);
  write('flows.json', JSON.stringify(demoFlow(), null, 2), true);
  write('flows_cred.json', JSON.stringify({ 'demo-server': { token: '${PLEX_TOKEN}' } }, null, 2), true);

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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
