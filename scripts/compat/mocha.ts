// The repo's own mocha suite under another Node, and against another Node-RED. For the latter the
// compiled tests run from a copy of the repo in .compat/<run>/suite whose node_modules links the
// repo's packages but node-red and @node-red/*, which come from that Node-RED release.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { compatDir, installNodeRed, nodeBinary, NodeBin, root } from './install';
import { childEnv, run } from './proc';
import { MochaRun, NODE_RED } from './versions';

export interface MochaResult {
  run: MochaRun;
  node?: NodeBin;
  nodeRed: string;
  passing: number;
  failing: number;
  pending: number;
  ok: boolean;
  installMs: number;
  totalMs: number;
  /** Titles of the failed tests. */
  failures: string[];
  /** Set when a first run failed these and the rerun passed. */
  flaky?: string[];
  error?: string;
  logFile: string;
}

/** What mocha's json reporter writes (`--reporter json --reporter-option output=FILE`), as far as read here. */
interface MochaJson {
  stats?: { passes?: number; failures?: number; pending?: number };
  failures?: Array<{ fullTitle?: string; title?: string }>;
}

/** Reads the json report into `result`; false when mocha wrote none (it crashed or was killed). */
function readReport(file: string, result: MochaResult): boolean {
  if (!fs.existsSync(file)) return false;
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as MochaJson;
  result.passing = report.stats?.passes ?? 0;
  result.failing = report.stats?.failures ?? 0;
  result.pending = report.stats?.pending ?? 0;
  result.failures = (report.failures ?? []).map((f) => f.fullTitle ?? f.title ?? '?');
  return true;
}

function redVersionAt(fromFile: string): { file: string; version: string } {
  const req = createRequire(fromFile);
  const file = req.resolve('node-red/package.json');
  const version = String((JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version);
  return { file, version };
}

/** Entries of the repo root that the suite folder does not copy (installed, built or ignored). */
const SKIP = new Set(['.compat', '.git', 'node_modules', 'coverage', '.nyc_output', '.node-red-dev']);

/**
 * A suite folder that looks like the repo (tests pack it and read its files): every top-level
 * entry copied but the installed and ignored ones; node_modules links the repo's packages,
 * except node-red and @node-red/*, which link `runtime`'s.
 */
function suiteWith(dir: string, runtime: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  for (const entry of fs.readdirSync(root)) {
    if (!SKIP.has(entry) && !entry.endsWith('.tgz')) fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  const swapped = ['node-red', '@node-red'];
  for (const name of swapped) fs.symlinkSync(path.join(runtime, 'node_modules', name), path.join(dir, 'node_modules', name), 'dir');
  for (const name of fs.readdirSync(path.join(root, 'node_modules'))) {
    if (!swapped.includes(name) && !name.startsWith('.')) fs.symlinkSync(path.join(root, 'node_modules', name), path.join(dir, 'node_modules', name));
  }
}

/**
 * Runs the suite. The browser tests drive Chromium against the repo's own node-red
 * devDependency; they run only with `browser` and never against another Node-RED.
 */
export async function runMocha(mr: MochaRun, browser: boolean, attempt = 1): Promise<MochaResult> {
  const started = Date.now();
  const dir = path.join(compatDir, mr.id);
  fs.mkdirSync(dir, { recursive: true });
  const result: MochaResult = { run: mr, nodeRed: '', passing: 0, failing: 0, pending: 0, ok: false, failures: [], installMs: 0, totalMs: 0, logFile: path.join(dir, attempt === 1 ? 'mocha.log' : `mocha-${attempt}.log`) };
  try {
    const node = await nodeBinary(mr.nodeLine);
    result.node = node;
    let cwd = root;
    if (mr.redLine) {
      const t = Date.now();
      const runtime = path.join(dir, 'runtime');
      const cached = await installNodeRed(runtime, NODE_RED[mr.redLine], node);
      result.installMs = cached ? 0 : Date.now() - t;
      cwd = path.join(dir, 'suite');
      suiteWith(cwd, runtime);
    }
    const red = redVersionAt(path.join(cwd, 'dist', 'test', 'helpers.js'));
    result.nodeRed = red.version;
    if (mr.redLine && red.version !== NODE_RED[mr.redLine]) throw new Error(`the tests would load node-red ${red.version} from ${red.file}`);
    const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const report = result.logFile.replace(/\.log$/, '.json');
    fs.rmSync(report, { force: true });
    const args = [mocha, '--reporter', 'json', '--reporter-option', `output=${report}`];
    if (!browser || mr.redLine) args.push('--ignore', 'dist/test/browser/**');
    const res = await run(node.bin, args, { cwd, env: childEnv(node.bin), log: result.logFile, timeoutMs: 600_000 });
    const reported = readReport(report, result);
    result.ok = reported && res.code === 0 && result.passing > 0 && result.failing === 0;
    if (!reported) result.error = `mocha exited ${res.code} without a report (${path.relative(root, report)})`;
    else if (!result.ok && result.failing === 0) result.error = `mocha exited ${res.code}`;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  }
  result.totalMs = Date.now() - started;
  return result;
}
