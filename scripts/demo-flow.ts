// The flow `npm start` deploys: a tab with every node against the demo server, read left to right,
// and (when FlowFuse Dashboard 2.0 is installed) the dashboard example on a tab of its own.
import fs from 'node:fs';
import path from 'node:path';

export type FlowNode = Record<string, unknown>;

/** The id of the demo's server node (${PLEX_URL} and ${PLEX_TOKEN}). */
export const DEMO_SERVER = 'demo-server';
/**
 * A node only the current demo has: a flows.json with the demo tab but without it is an older demo,
 * replaced on start; one with it is left alone (the user's changes included).
 */
export const DEMO_MARK = 'demo-catch';
export const DASHBOARD_EXAMPLE = 'Maintenance dashboard (needs Dashboard 2.0).json';
const DASHBOARD_TAB = 'demo-dashboard-tab';

const z = 'demo-tab';
const debug = (id: string, name: string, x: number, y: number, complete = 'true'): FlowNode => ({ id, type: 'debug', z, name, active: true, tosidebar: true, complete, targetType: complete === 'true' ? 'full' : 'msg', x, y, wires: [] });
const inject = (id: string, name: string, x: number, y: number, wire: string, extra: FlowNode = {}): FlowNode => ({
  id, type: 'inject', z, name, props: [{ p: 'payload' }], payload: '', payloadType: 'str', repeat: '', once: false, x, y, wires: [[wire]], ...extra,
});
const butler = (id: string, type: string, x: number, y: number, extra: FlowNode, errors: string[] = ['demo-err']): FlowNode => ({
  id, type, z, name: '', server: DEMO_SERVER, x, y, wires: [['demo-ok'], errors], ...extra,
});

/** The Butler calls: one of each node, fired by inject buttons named by what they do; results and errors (output 2) to debug. */
function butlerRows(): FlowNode[] {
  return [
    { id: 'demo-comment', type: 'comment', z, name: 'Plex Butler demo: press a button, watch the debug sidebar', info: '', x: 250, y: 40, wires: [] },
    inject('demo-i1', 'list tasks', 110, 100, 'demo-tasks'),
    butler('demo-tasks', 'plex-butler-tasks', 380, 100, {}),
    inject('demo-i2', 'start BackupDatabase', 140, 160, 'demo-start', { payload: 'BackupDatabase' }),
    inject('demo-i6', 'start a bad task name', 140, 200, 'demo-start', { payload: '../library/sections' }),
    butler('demo-start', 'plex-butler-start', 380, 180, { task: '' }),
    inject('demo-i3', 'stop BackupDatabase', 140, 260, 'demo-stop', { payload: 'BackupDatabase' }),
    butler('demo-stop', 'plex-butler-stop', 380, 260, { task: '' }),
    inject('demo-i4', 'start all', 110, 320, 'demo-all', { payload: 'start' }),
    inject('demo-i5', 'stop all', 110, 360, 'demo-all', { payload: 'stop' }),
    butler('demo-all', 'plex-butler-all', 380, 340, { action: 'msg' }),
    // msg.payload: "started", "already-running", the task list… readable without a click.
    debug('demo-ok', 'result', 620, 180, 'payload'),
    debug('demo-err', 'error', 620, 300),
  ];
}

/** Buttons that POST to the simulator's playback controls (only in simulator mode). */
function simButtons(): FlowNode[] {
  const button = (id: string, name: string, y: number, control: string): FlowNode => ({
    id, type: 'inject', z, name, props: [{ p: 'url', v: `$env('PLEX_URL') & '${control}'`, vt: 'jsonata' }], repeat: '', once: false, x: 140, y, wires: [['demo-sim-req']],
  });
  return [
    button('demo-play', 'someone presses play', 500, '/__sim/play?user=demo&title=Demo%20film'),
    button('demo-halt', 'playback stops', 540, '/__sim/stop'),
    // The server analyses new media on its own (thumbnails, intros): press play meanwhile, and stop all cancels that too.
    button('demo-media', 'new media added', 580, '/__sim/media?title=New%20episode'),
    { id: 'demo-sim-req', type: 'http request', z, name: 'simulator control', method: 'POST', ret: 'obj', paytoqs: 'ignore', url: '', tls: '', persist: false, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], x: 380, y: 540, wires: [[]] },
  ];
}

/**
 * Playback drives maintenance: busy stops all, idle (after 10 s) starts the due tasks again. These
 * nodes leave output 2 free, so their errors go to the Catch node at the bottom (no wire across).
 */
function playbackRows(simulated: boolean): FlowNode[] {
  return [
    { id: 'demo-comment2', type: 'comment', z, name: 'Playback drives maintenance: press play, the Butler stops; stop, it starts again 10 s later', info: '', x: 400, y: 440, wires: [] },
    ...(simulated ? simButtons() : []),
    { id: 'demo-playback', type: 'plex-butler-playback', z, name: 'someone watching?', server: DEMO_SERVER, idleGrace: 10, countPaused: true, x: 130, y: 620, wires: [['demo-switch'], []] },
    { id: 'demo-switch', type: 'switch', z, name: 'busy or idle', property: 'topic', propertyType: 'msg', rules: [{ t: 'eq', v: 'busy', vt: 'str' }, { t: 'eq', v: 'idle', vt: 'str' }], checkall: 'false', repair: false, outputs: 2, x: 330, y: 620, wires: [['demo-stopall'], ['demo-changed']] },
    // The idle state known at deploy is not a change: it starts nothing.
    { id: 'demo-changed', type: 'switch', z, name: 'changed since deploy', property: 'payload.initial', propertyType: 'msg', rules: [{ t: 'istype', v: 'undefined', vt: 'undefined' }], checkall: 'true', repair: false, outputs: 1, x: 530, y: 660, wires: [['demo-startall']] },
    { id: 'demo-stopall', type: 'plex-butler-all', z, name: 'stop all maintenance', server: DEMO_SERVER, action: 'stop', cancelActivities: true, x: 530, y: 600, wires: [['demo-ok2'], []] },
    { id: 'demo-startall', type: 'plex-butler-all', z, name: 'start due tasks', server: DEMO_SERVER, action: 'start', onlyWhenIdle: true, idleGrace: 0, x: 750, y: 660, wires: [['demo-ok2'], []] },
    debug('demo-ok2', 'maintenance', 940, 630, 'payload'),
    { id: 'demo-activity', type: 'plex-butler-activity', z, name: '', server: DEMO_SERVER, maintenanceOnly: true, filter: '', x: 130, y: 720, wires: [['demo-act'], []] },
    debug('demo-act', 'activity', 350, 720, 'payload'),
    { id: DEMO_MARK, type: 'catch', z, name: 'errors of the nodes above', scope: ['demo-playback', 'demo-stopall', 'demo-startall', 'demo-activity', 'demo-report'], uncaught: false, x: 150, y: 800, wires: [['demo-caught']] },
    debug('demo-caught', 'playback error', 380, 800, 'error'),
  ];
}

/** What maintenance did: the report node follows the stream and answers any msg with the runs of the last 24 h. */
function reportRows(): FlowNode[] {
  return [
    inject('demo-i7', 'what did maintenance do?', 640, 740, 'demo-report'),
    { id: 'demo-report', type: 'plex-butler-report', z, name: '', server: DEMO_SERVER, quietAfter: 1, keep: 500, onlyMaintenance: true, store: '', x: 850, y: 740, wires: [['demo-rep'], []] },
    debug('demo-rep', 'report', 990, 740, 'payload'),
  ];
}

/** Where this checkout's FlowFuse Dashboard 2.0 is (a devDependency), or undefined without it. */
export function dashboardInstalled(root: string): boolean {
  try {
    require.resolve('@flowfuse/node-red-dashboard/package.json', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

/**
 * The dashboard example on a tab of its own, its server node replaced by the demo's (which
 * Node-RED gives the simulator's address and token): ready to open at /dashboard. Read from the
 * example file, so panels added there show up in the demo too.
 */
export function dashboardTab(root: string): FlowNode[] {
  const example = JSON.parse(fs.readFileSync(path.join(root, 'examples', DASHBOARD_EXAMPLE), 'utf8')) as FlowNode[];
  const servers = new Set(example.filter((n) => n.type === 'plex-butler-server').map((n) => n.id));
  const configTypes = new Set(['ui-base', 'ui-page', 'ui-theme', 'ui-group']);
  return [
    { id: DASHBOARD_TAB, type: 'tab', label: 'Maintenance dashboard', info: 'The example "Maintenance dashboard", against the demo server. Open it at /dashboard.' },
    ...example
      .filter((n) => !servers.has(n.id))
      .map((n) => ({
        ...n,
        ...(configTypes.has(String(n.type)) ? {} : { z: DASHBOARD_TAB }),
        ...(typeof n.server === 'string' && servers.has(n.server) ? { server: DEMO_SERVER } : {}),
      })),
  ];
}

/** The demo flow: a tab with every node, against ${PLEX_URL} and ${PLEX_TOKEN}, and the dashboard tab if given. */
export function demoFlow(simulated: boolean, dashboard: FlowNode[] = []): FlowNode[] {
  return [
    { id: z, type: 'tab', label: 'Plex Butler demo', info: 'Press the inject buttons. Results go to the debug sidebar; errors too (output 2, or the Catch node).' },
    { id: DEMO_SERVER, type: 'plex-butler-server', name: 'Plex', url: '${PLEX_URL}', timeout: 10000, verifyTls: true },
    ...butlerRows(),
    ...playbackRows(simulated),
    ...reportRows(),
    ...dashboard,
  ];
}

/** Whether flows.json (its text; '' when missing) is to be replaced by the current demo. */
export function replacesFlows(old: string): boolean {
  return old === '' || (old.includes('"demo-tab"') && !old.includes(`"${DEMO_MARK}"`));
}
