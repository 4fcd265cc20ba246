// Section 5: how long maintenance keeps running once someone presses play. A player starts on the
// simulator; the time until `DELETE /butler` arrives there, through the "Pause maintenance during
// playback" example deployed as shipped (only its grace period shortened) in an embedded Node-RED.
// Beside it the floor: one GET /status/sessions from this process, which the watch must make too.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NodeMessage } from 'node-red';
import { bareAxios, Line, median, section, SectionResult, SimHandle, sleep, startSimProcess } from './common';
import { ROOT, startRed } from './red-runtime';

const PLAYS = 50;
const EXAMPLE = 'Pause maintenance during playback.json';
/** The example waits 300 s of nobody watching before "idle"; here 0.1 s, so 50 plays fit in two minutes. */
const GRACE_S = 0.1;
/**
 * The playback watch reads the sessions at most once a second (lib/events/playback.ts, minReadGapMs).
 * A play sooner than that after the last read would be measured with that wait in it, which a
 * user meets only when pressing play within a second of the last stop.
 */
const QUIET_MS = 1300;
const WAIT_MS = 10000;

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** The example as a user imports it, on one tab, its playback output also wired to `watchSink`. */
function exampleFlow(watchSink: string): FlowNode[] {
  const nodes = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', EXAMPLE), 'utf8')) as FlowNode[];
  const tab = 'bench-reaction-tab';
  const flow: FlowNode[] = [{ id: tab, type: 'tab', label: 'reaction' }];
  for (const n of nodes) {
    if (n.type === 'plex-butler-server') flow.push(n);
    else if (n.type === 'plex-butler-playback') {
      const wires = n.wires as string[][];
      flow.push({ ...n, z: tab, idleGrace: GRACE_S, wires: [[...wires[0], watchSink], wires[1]] });
    } else flow.push({ ...n, z: tab });
  }
  flow.push({ id: watchSink, type: 'bench-watch', z: tab, wires: [] });
  return flow;
}

/** Resolves when the playback node next sends `topic`; fails after WAIT_MS. */
class WatchState {
  private waiting: { topic: string; wake: () => void } | undefined;
  last = '';

  seen(topic: string): void {
    this.last = topic;
    if (this.waiting?.topic === topic) this.waiting.wake();
  }

  next(topic: string): Promise<void> {
    if (this.last === topic) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the playback node did not send "${topic}" within ${WAIT_MS} ms`)), WAIT_MS);
      this.waiting = {
        topic,
        wake: () => {
          clearTimeout(timer);
          this.waiting = undefined;
          resolve();
        },
      };
    });
  }
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;

/** Median and worst row of one measure against the floor. */
function rows(plays: number[], floor: number[]): Line[] {
  const line = (what: string, pick: (xs: number[]) => number): Line => {
    const ours = pick(plays);
    const ref = pick(floor);
    return { what: `5. play -> DELETE /butler via the example, ${what} of ${PLAYS} plays`, ours: ms(ours), ref: `${ms(ref)} one /status/sessions read`, ratioText: `${(ours / ref).toFixed(1)}x floor`, target: '' };
  };
  return [line('median', median), line('worst', (xs) => Math.max(...xs))];
}

section(async (): Promise<SectionResult> => {
  const sim: SimHandle = await startSimProcess({ benchTasks: 0, runMs: 2000 });
  process.env.PLEX_URL = sim.url;
  const red = await startRed({ withPackage: true, admin: false });
  const watch = new WatchState();
  red.registerSink('bench-watch', (_id, msg: NodeMessage) => watch.seen(String(msg.topic)));
  await red.deploy(exampleFlow('bench-reaction-watch'), { a5d0a2b050994cfd: { token: sim.token } }, 'b1f0c3d2e4a59687');
  await watch.next('idle');

  const headers = { 'X-Plex-Token': sim.token, Accept: 'application/json' };
  const { ax, destroy } = bareAxios(sim.url, headers);
  const plays: number[] = [];
  const floor: number[] = [];
  // The first play and read warm up the JIT and open the sockets; they are not counted.
  for (let i = 0; i <= PLAYS; i++) {
    await sleep(QUIET_MS / 2);
    const t0 = performance.now();
    const res = await ax.get<string>('/status/sessions');
    const read = performance.now() - t0;
    if (res.status !== 200) throw new Error(`GET /status/sessions: HTTP ${res.status}`);
    await sleep(QUIET_MS / 2);
    const busy = watch.next('busy');
    const took = await sim.playUntilStopAll(WAIT_MS);
    await busy;
    await sim.stopPlayback();
    await watch.next('idle');
    if (i > 0) {
      plays.push(took);
      floor.push(read);
    }
  }
  destroy();
  await red.stop();
  await sim.close();
  const list = (xs: number[]): string => [...xs].sort((a, b) => a - b).map((x) => x.toFixed(1)).join(' ');
  return {
    lines: rows(plays, floor),
    notes: [
      `5. reaction: the example "${EXAMPLE.replace('.json', '')}" with idleGrace ${GRACE_S} s, ${PLAYS} plays (one more first, not counted), each ${QUIET_MS} ms after the last sessions read; ` +
        `play to DELETE /butler on the simulator's clock, sorted (ms): ${list(plays)}; the floor, one GET /status/sessions on a kept-alive bare axios socket from the Node-RED process (ms): ${list(floor)}`,
    ],
  };
});
