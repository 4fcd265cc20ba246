// One cold start, in a fresh process: `bare` (Node-RED alone), `with <node_modules>` (Node-RED
// with an installed copy of this package in its userDir) or `require <node_modules>` (only
// require() of every node file the package declares, from that copy, without Node-RED).
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT, section } from './common';
import { startRed } from './red-runtime';

export interface Probe {
  /** wall time, ms */
  ms: number;
  /** CPU time (user + system) of this process, ms: steadier than wall time on a busy machine */
  cpu: number;
  /** `with` only: CPU ms Node-RED spent in require() of our node files and in their registration */
  ours: number;
  types: number;
}

const NAME = 'node-red-contrib-plex-butler';

function cpuMs(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/** The node files package.json declares for Node-RED. */
export function nodeFiles(): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red'?: { nodes?: Record<string, string> } };
  return pkg['node-red']?.nodes ?? {};
}

type Load = (this: unknown, request: string, parent: unknown, isMain: boolean) => unknown;

/**
 * Times what Node-RED's loader does with our node files: its require(file) (axios and the rest
 * included) and the call of the exported function (registration). Node-RED requires node files
 * by absolute path, so the outermost load whose path names the package is ours.
 */
function timeOurLoads(): () => number {
  const loader = Module as unknown as { _load: Load };
  const original = loader._load;
  let inside = false;
  let spent = 0;
  loader._load = function (request, parent, isMain) {
    if (inside || !request.includes(`${path.sep}${NAME}${path.sep}`)) return original.call(this, request, parent, isMain);
    inside = true;
    const c0 = process.cpuUsage();
    let out: unknown;
    try {
      out = original.call(this, request, parent, isMain);
    } finally {
      inside = false;
      spent += cpuMs(c0);
    }
    if (typeof out !== 'function') return out;
    const register = out as (red: unknown) => unknown;
    return (red: unknown) => {
      const r0 = process.cpuUsage();
      try {
        return register(red);
      } finally {
        spent += cpuMs(r0);
      }
    };
  };
  return () => spent;
}

section(async (): Promise<Probe> => {
  const mode = process.argv[2];
  const installed = process.argv[3] ?? '';
  const files = nodeFiles();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'require') {
    for (const file of Object.values(files)) await import(path.join(installed, NAME, file));
    return { ms: performance.now() - t0, cpu: cpuMs(c0), ours: 0, types: Object.keys(files).length };
  }
  const ours = mode === 'with' ? timeOurLoads() : () => 0;
  const red = await startRed({ withPackage: mode === 'with', admin: true, nodeModules: installed });
  const ms = performance.now() - t0;
  const cpu = cpuMs(c0);
  const types = Object.keys(files).filter((t) => red.hasType(t)).length;
  await red.stop();
  if (mode === 'with' && types !== Object.keys(files).length) throw new Error(`only ${types} of ${Object.keys(files).length} node types registered`);
  return { ms, cpu, ours: ours(), types };
});
