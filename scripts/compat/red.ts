// Starts and stops one Node-RED under a given Node binary, on 127.0.0.1.
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { childEnv, request, sleep, track } from './proc';
import { HTTP_ROOT } from './flow';

export interface RunningRed {
  port: number;
  /** Everything Node-RED printed so far. */
  log(): string;
  /** How many lines of the log say that flows started. */
  startedFlows(): number;
  /** Waits until more than `before` such lines are there (a deploy answers before its flows start). */
  waitStarted(before: number): Promise<void>;
  /** SIGINT, then SIGKILL after 15 s; resolves with the exit code (null when killed). */
  stop(): Promise<number | null>;
}

const STARTED = /\] Started flows$/gm;

function settings(port: number): string {
  return `// Written by scripts/compat: a loopback-only Node-RED for one compatibility leg.
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  httpAdminRoot: '/',
  httpNodeRoot: '${HTTP_ROOT}',
  flowFile: 'flows.json',
  credentialSecret: 'compat-only-secret',
  lang: 'en-US',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  // Node-RED loads the Node-RED modules of every node_modules above its install, so from .compat/
  // it would find the repo's devDependency @flowfuse/node-red-dashboard: a leg tests this package alone.
  nodesExcludes: ['node-red-dashboard'],
};
`;
}

/** Starts Node-RED from `runtimeDir` with `userDir`; resolves once the admin API answers. */
export async function startRed(nodeBin: string, runtimeDir: string, userDir: string, port: number, logFile: string): Promise<RunningRed> {
  const settingsFile = path.join(userDir, 'settings.js');
  fs.writeFileSync(settingsFile, settings(port));
  const redJs = path.join(runtimeDir, 'node_modules', 'node-red', 'red.js');
  const out = fs.createWriteStream(logFile);
  let text = '';
  const child: ChildProcess = spawn(nodeBin, [redJs, '--userDir', userDir, '--settings', settingsFile], { cwd: userDir, env: childEnv(nodeBin, { LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' }), stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  const collect = (b: Buffer): void => {
    text += b.toString('utf8');
    out.write(b);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let stopping: Promise<number | null> | undefined;
  const stop = (): Promise<number | null> => {
    stopping ??= (async () => {
      if (exitCode === undefined) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
        await exited;
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => out.end(resolve));
      return exitCode ?? null;
    })();
    return stopping;
  };

  const startedFlows = (): number => text.match(STARTED)?.length ?? 0;
  const waitStarted = async (before: number): Promise<void> => {
    const until = Date.now() + 30_000;
    while (startedFlows() <= before) {
      if (exitCode !== undefined) throw new Error(`Node-RED exited (${exitCode})`);
      if (Date.now() > until) throw new Error('flows did not start within 30 s of the deploy');
      await sleep(50);
    }
  };

  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) break;
    try {
      const r = await request(port, 'GET', '/settings', { timeoutMs: 2000 });
      if (r.status === 200) return { port, log: () => text, startedFlows, waitStarted, stop };
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await stop();
  throw new Error(exitCode !== undefined ? `Node-RED exited (${exitCode}) before it answered` : 'Node-RED did not answer within 90 s');
}
