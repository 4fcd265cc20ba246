// The flows the soak deploys, as a user would: the "Pause maintenance during playback" and
// "Maintenance only when nobody watches" examples imported on two tabs with one server node,
// their timings shortened (node properties), plus an activity node and a flapping sensor.
import fs from 'node:fs';
import path from 'node:path';
import type { SoakTiming } from './timing';

export const ROOT = path.join(__dirname, '..', '..', '..');

/** Ids from the examples and of the soak's own nodes (prefix s17). */
export const IDS = {
  server: 'a5d0a2b050994cfd',
  playback: 'b1f0c3d2e4a59687',
  stopAll: '83da7a8952b3f0d3',
  startIdle: 'd4f2e5a6b7c80912',
  stopTaskInject: 'e5a3f6b7c8d90a1b',
  stopTask: 'f6b4a7c8d9e01b2c',
  nightInject: '22cffb9a3d725a1e',
  startIfIdle: '2b66d04075b2f255',
  activity: 's17activity',
  activityOut: 's17activity-out',
  flapInject: 's17flap-inject',
  flapSensor: 's17flap-sensor',
  pauseTab: 's17tab-pause',
  idleTab: 's17tab-idle',
} as const;

/** The nodes that call the server for each msg: each msg into them is answered exactly once. */
export const REQUEST_NODES: readonly string[] = [IDS.stopAll, IDS.startIdle, IDS.stopTask, IDS.startIfIdle];

/** How many starts the flapping sensor fires at once. */
export const FLAP_BURST = 500;

type FlowNode = Record<string, unknown> & { id: string; type: string };

function example(name: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', `${name}.json`), 'utf8')) as FlowNode[];
}

/** Puts an example's flow nodes on a tab (config nodes stay global). */
function onTab(nodes: FlowNode[], tab: string): FlowNode[] {
  return nodes.filter((n) => n.type !== 'plex-butler-server').map((n) => ({ ...n, z: tab }));
}

function extraNodes(): FlowNode[] {
  const send = `for (let i = 0; i < ${FLAP_BURST}; i++) node.send({ flap: i, payload: 'flap ' + i });\nreturn null;`;
  return [
    { id: IDS.activity, type: 'plex-butler-activity', z: IDS.idleTab, name: 'maintenance activity', server: IDS.server, filter: '', maintenanceOnly: true, x: 180, y: 220, wires: [[IDS.activityOut], [IDS.activityOut]] },
    { id: IDS.activityOut, type: 'debug', z: IDS.idleTab, name: 'activity', active: false, tosidebar: true, console: false, tostatus: false, complete: 'true', targetType: 'full', x: 420, y: 220, wires: [] },
    { id: IDS.flapInject, type: 'inject', z: IDS.idleTab, name: 'flapping sensor', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, topic: '', payload: '', payloadType: 'date', x: 160, y: 300, wires: [[IDS.flapSensor]] },
    { id: IDS.flapSensor, type: 'function', z: IDS.idleTab, name: `${FLAP_BURST} starts at once`, func: send, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 380, y: 300, wires: [[IDS.startIfIdle]] },
  ];
}

/** Shortens the examples' own timings: the playback grace, the idle check's grace, the server timeout. */
function shorten(n: FlowNode, t: SoakTiming): FlowNode {
  if (n.id === IDS.playback) return { ...n, idleGrace: t.graceMs / 1000 };
  if (n.id === IDS.startIfIdle) return { ...n, idleGrace: t.onlyIdleGraceMs / 1000 };
  return n;
}

/** The full flow set, with the server node's token as the editor sends it (credentials). */
export function soakFlows(t: SoakTiming, token: string): FlowNode[] {
  const pause = example('Pause maintenance during playback');
  const idle = example('Maintenance only when nobody watches');
  const server = pause.find((n) => n.type === 'plex-butler-server') as FlowNode;
  return [
    { id: IDS.pauseTab, type: 'tab', label: 'Pause maintenance during playback', disabled: false, info: '' },
    { id: IDS.idleTab, type: 'tab', label: 'Maintenance only when nobody watches', disabled: false, info: '' },
    ...onTab(pause, IDS.pauseTab).map((n) => shorten(n, t)),
    ...onTab(idle, IDS.idleTab).map((n) => shorten(n, t)),
    ...extraNodes(),
    { ...server, timeout: t.timeoutMs, credentials: { token } },
  ];
}
