// Section 4: Node-RED start time with this package vs without it (fresh processes, alternated),
// cold require() of the node files, and what installing the package costs on disk.
//
// The package is "installed" the way npm would lay it out in a userDir: the files `npm pack`
// would ship, plus the production dependencies copied from this checkout's node_modules (no
// network). In the checkout itself axios would share modules (debug, mime-types, form-data ...)
// with Node-RED's own dependencies and look cheaper than it is in a user's install.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kb, Line, mb, median, ROOT, runChild, section, SectionResult } from './common';
import type { Probe } from './load-probe';

const ROUNDS = 3;
const REQUIRE_ROUNDS = 2;
/** the package may add at most this share to a bare Node-RED start */
const START_LIMIT = 0.1;
const PACK_LIMIT_KB = 100;
const INSTALL_LIMIT_MB = 5;
const NAME = 'node-red-contrib-plex-butler';

function npm(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('npm', args, { cwd: ROOT, timeout: 60000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      // `npm ls` exits non-zero on problems it still reports in stdout
      if (err && !stdout) reject(err);
      else resolve(stdout);
    });
  });
}

/** Bytes of the files under `dir`. */
function du(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += du(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

interface Pack {
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string }>;
}

interface Install {
  nodeModules: string;
  deps: string[];
  depBytes: number;
  pack: Pack;
}

/** Lays out node_modules/<package> (packed files) and its production dependencies in a temp dir. */
async function install(): Promise<Install> {
  const pack = (JSON.parse(await npm(['pack', '--dry-run', '--json', '--ignore-scripts'])) as Pack[])[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-install-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const nodeModules = path.join(dir, 'node_modules');
  for (const f of pack.files) {
    const to = path.join(nodeModules, NAME, f.path);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f.path), to);
  }
  const parseable = await npm(['ls', '--omit=dev', '--all', '--parseable']);
  const dirs = [...new Set(parseable.split('\n').map((l) => l.trim()))].filter((l) => l !== '' && path.resolve(l) !== path.resolve(ROOT));
  const source = path.join(ROOT, 'node_modules');
  const deps: string[] = [];
  let depBytes = 0;
  for (const dir of dirs) {
    const rel = path.relative(source, dir);
    if (rel.startsWith('..')) continue;
    const to = path.join(nodeModules, rel);
    // nested node_modules are listed (and copied) on their own
    fs.cpSync(dir, to, { recursive: true, filter: (src) => !path.relative(dir, src).split(path.sep).includes('node_modules') });
    depBytes += du(to);
    const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
    deps.push(`${p.name}@${p.version}`);
  }
  return { nodeModules, deps, depBytes, pack };
}

section(async (): Promise<SectionResult> => {
  const inst = await install();
  const probe = (mode: string): Promise<Probe> => runChild<Probe>('load-probe', [mode, inst.nodeModules], [], 30000);
  try {
    const bare: Probe[] = [];
    const withPkg: Probe[] = [];
    const req: Probe[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of r % 2 ? ['with', 'bare'] : ['bare', 'with']) (mode === 'bare' ? bare : withPkg).push(await probe(mode));
      if (r < REQUIRE_ROUNDS) req.push(await probe('require'));
    }
    const types = withPkg[0].types;
    const cpu = (xs: Probe[]): number => median(xs.map((x) => x.cpu));
    const wall = (xs: Probe[]): number => median(xs.map((x) => x.ms));
    const list = (xs: Probe[], k: 'ms' | 'cpu'): string => xs.map((x) => x[k].toFixed(0)).join(' / ');
    const load = median(withPkg.map((x) => x.ours));
    const ratio = load / cpu(bare);

    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const direct = Object.keys(pkg.dependencies ?? {});
    const installed = du(inst.nodeModules);
    const lines: Line[] = [
      {
        what: `4. Node-RED loading the package (${types} node files) vs a bare Node-RED start (CPU ms)`,
        ours: load.toFixed(0),
        ref: `${cpu(bare).toFixed(0)} bare start`,
        ratio,
        target: `<= ${START_LIMIT.toFixed(2)}`,
        pass: ratio <= START_LIMIT,
      },
      { what: '4. npm pack tarball', ours: kb(inst.pack.size), ref: `${kb(inst.pack.unpackedSize)} unpacked`, target: `<= ${PACK_LIMIT_KB} kB`, pass: inst.pack.size <= PACK_LIMIT_KB * 1024 },
      { what: '4. installed: package + production deps', ours: mb(installed), ref: `${inst.deps.length} dep packages`, target: `<= ${INSTALL_LIMIT_MB} MB`, pass: installed <= INSTALL_LIMIT_MB * 1048576 },
      { what: '4. runtime dependencies', ours: direct.join(', ') || '(none)', ref: '', target: 'axios only', pass: direct.length === 1 && direct[0] === 'axios' },
    ];
    const notes = [
      `4. package load = CPU time of Node-RED's require() of each node file (axios and the rest inside) plus the call that registers it, ` +
        `measured inside a start with the package installed in the userDir: ${withPkg.map((x) => x.ours.toFixed(0)).join(' / ')} ms`,
      `4. whole start = require('node-red') + init + start until the flows run, fresh process, editor API on, ${ROUNDS} rounds alternated: ` +
        `CPU ms bare ${list(bare, 'cpu')}, with the package ${list(withPkg, 'cpu')} (medians ${cpu(bare).toFixed(0)} / ${cpu(withPkg).toFixed(0)}); ` +
        `wall ms bare ${list(bare, 'ms')}, with ${list(withPkg, 'ms')} (medians ${wall(bare).toFixed(0)} / ${wall(withPkg).toFixed(0)})`,
      `4. cold require() of the ${types} node files alone (no Node-RED): CPU ${cpu(req).toFixed(0)} ms, wall ${wall(req).toFixed(0)} ms`,
      `4. tarball ${inst.pack.entryCount} files; production dependencies (${inst.deps.length}, ${mb(inst.depBytes)}): ${inst.deps.join(', ')}`,
    ];
    return { lines, notes };
  } finally {
    fs.rmSync(path.dirname(inst.nodeModules), { recursive: true, force: true });
  }
});
