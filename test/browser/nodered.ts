// Start-up shared by the browser suites: a real Node-RED with this package installed from
// `npm pack` in a temp user folder (optionally with other modules of this checkout linked in),
// and headless Debian Chromium.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Browser, chromium } from 'playwright-core';
import { freePort } from '../../scripts/compat/proc';

const exec = promisify(execFile);
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CHROMIUM = '/usr/bin/chromium';

/** Examples that need FlowFuse Dashboard 2.0 (`ui-*` types): only the dashboard suite runs them. */
export function usesDashboard(flow: Array<{ type: string }>): boolean {
  return flow.some((n) => n.type.startsWith('ui-'));
}

export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Skips the suite without Chromium; under CI that is a failure instead. */
export function requireChromium(ctx: Mocha.Context): void {
  if (fs.existsSync(CHROMIUM)) return;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with apt-get install chromium`);
  console.log(`      skipped: ${CHROMIUM} is not installed (apt-get install chromium); under CI this fails instead`);
  ctx.skip();
}

/** A Node-RED process with its console output kept for inspection. */
export class NodeRed {
  log = '';
  private exited = false;

  constructor(
    private readonly proc: ChildProcess,
    readonly base: string,
    /** The temp folder holding the user folder, settings and packed tarball. */
    readonly tmp: string,
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
    if (!this.exited) {
      this.proc.kill('SIGTERM');
      try {
        await until(() => this.exited, 10_000, 'Node-RED to stop');
      } catch {
        this.proc.kill('SIGKILL');
      }
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

export interface StartOptions {
  /** Prefix of the temp folder. */
  prefix: string;
  /** Extra environment of the Node-RED process (e.g. PLEX_URL). */
  env?: NodeJS.ProcessEnv;
  /**
   * Packages of this checkout's node_modules (installed by `npm ci`, e.g. devDependencies) to link
   * into the user folder's node_modules, where Node-RED finds them like installed ones.
   */
  link?: string[];
}

/** The environment for child processes: c8 measures this process, not npm's or Node-RED's. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_V8_COVERAGE;
  return env;
}

/** Packs this package and installs the tarball (no dev dependencies) into a fresh user folder. */
async function installPacked(tmp: string, userDir: string): Promise<void> {
  const env = childEnv();
  const packed = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, env, maxBuffer: 16 << 20 });
  const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  fs.mkdirSync(userDir);
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'editor-test-userdir', private: true }));
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', path.join(tmp, filename)], {
    cwd: userDir,
    env,
    timeout: 120_000,
    maxBuffer: 16 << 20,
  });
}

/** Links node_modules/<name> of this checkout into the user folder (after npm install, which would prune it). */
function linkModules(userDir: string, names: string[]): void {
  for (const name of names) {
    const from = path.join(ROOT, 'node_modules', name);
    if (!fs.existsSync(path.join(from, 'package.json'))) throw new Error(`${name} is not installed: run npm ci`);
    const to = path.join(userDir, 'node_modules', name);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.symlinkSync(from, to, 'dir');
  }
}

/**
 * Node-RED also loads every Node-RED module in the node_modules folders above its own install,
 * so from this checkout it would find the devDependency @flowfuse/node-red-dashboard. Only the
 * suites that link it get it; for the others it is excluded, as a user's install would not have it.
 */
function excludes(link: string[]): string[] {
  return [DASHBOARD].filter((name) => !link.includes(name)).map((name) => path.basename(name));
}
export const DASHBOARD = '@flowfuse/node-red-dashboard';

function writeSettings(file: string, link: string[]): void {
  fs.writeFileSync(
    file,
    `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      nodesExcludes: excludes(link),
      flowFile: 'flows.json',
      credentialSecret: 'editor-test',
      telemetry: { enabled: false },
      diagnostics: { enabled: false, ui: false },
      editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
      logging: { console: { level: 'info', metrics: false, audit: false } },
    })};\n`,
  );
}

/** Packs and installs this package in a temp user folder and starts Node-RED there on a free port. */
export async function startNodeRed(options: StartOptions): Promise<NodeRed> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  const userDir = path.join(tmp, 'user');
  await installPacked(tmp, userDir);
  const link = options.link ?? [];
  linkModules(userDir, link);
  const port = await freePort();
  const settings = path.join(tmp, 'settings.js');
  writeSettings(settings, link);
  const redJs = path.join(ROOT, 'node_modules', 'node-red', 'red.js');
  const proc = spawn(process.execPath, [redJs, '-u', userDir, '-p', String(port), '--settings', settings], {
    env: { ...childEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const red = new NodeRed(proc, `http://127.0.0.1:${port}/`, tmp);
  try {
    await red.ready();
  } catch (err) {
    await red.stop();
    throw err;
  }
  return red;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
