// The flow each leg deploys, and the checks it runs against it over HTTP.
import { isDeepStrictEqual } from 'node:util';
import { ButlerSimulator, DEFAULT_TASKS } from '../../sim/simulator';
import { request, sleep } from './proc';

export const TYPES = ['plex-butler-server', 'plex-butler-tasks', 'plex-butler-start', 'plex-butler-stop', 'plex-butler-all'];
export const HTTP_ROOT = '/api';
const TAB = 'compat-tab';
const ERROR_STATUS = 422;

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** One http-in endpoint: POST text/plain → our node → http response (output 2 via a change node). */
interface Endpoint {
  path: string;
  type: string;
  server: string;
  props?: Record<string, unknown>;
}

const ENDPOINTS: Endpoint[] = [
  { path: 'tasks', type: 'plex-butler-tasks', server: 'srv' },
  { path: 'tasks-wrong-token', type: 'plex-butler-tasks', server: 'srv-wrong-token' },
  { path: 'tasks-no-token', type: 'plex-butler-tasks', server: 'srv-no-token' },
  { path: 'start', type: 'plex-butler-start', server: 'srv', props: { task: '' } },
  { path: 'start-configured', type: 'plex-butler-start', server: 'srv', props: { task: 'OptimizeDatabase' } },
  { path: 'stop', type: 'plex-butler-stop', server: 'srv', props: { task: '' } },
  { path: 'all', type: 'plex-butler-all', server: 'srv', props: { action: 'msg' } },
  { path: 'all-stop', type: 'plex-butler-all', server: 'srv', props: { action: 'stop' } },
  { path: 'settings', type: 'plex-butler-settings', server: 'srv' },
];

/** One deployed node of each flow node type, for the editor's edit dialogs. */
export const DIALOG_NODES = ['node-tasks', 'node-start', 'node-stop', 'node-all', 'node-settings', 'node-activity'];

/** The flow for POST /flows; config nodes carry `credentials`, which the admin API stores. */
export function buildFlow(simUrl: string, token: string): FlowNode[] {
  const server = (id: string, name: string, creds?: { token: string }): FlowNode => ({
    id, type: 'plex-butler-server', name, url: simUrl, timeout: 5000, verifyTls: true, ...(creds ? { credentials: creds } : {}),
  });
  const flow: FlowNode[] = [
    { id: TAB, type: 'tab', label: 'compat', disabled: false, info: '' },
    server('srv', 'simulator', { token }),
    server('srv-wrong-token', 'wrong token', { token: 'not-the-token' }),
    server('srv-no-token', 'no token'),
  ];
  ENDPOINTS.forEach((e, i) => {
    const y = 40 + i * 60;
    const id = (part: string): string => `${part}-${e.path}`;
    flow.push(
      { id: id('in'), type: 'http in', z: TAB, name: '', url: `/${e.path}`, method: 'post', upload: false, swaggerDoc: '', x: 100, y, wires: [[id('node')]] },
      { id: id('node'), type: e.type, z: TAB, name: '', server: e.server, ...e.props, x: 300, y, wires: [[id('res')], [id('err')]] },
      {
        id: id('err'), type: 'change', z: TAB, name: 'error to reply',
        rules: [
          { t: 'set', p: 'error.sentPayload', pt: 'msg', to: 'payload', tot: 'msg' },
          { t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' },
          { t: 'set', p: 'statusCode', pt: 'msg', to: String(ERROR_STATUS), tot: 'num' },
        ],
        action: '', property: '', from: '', to: '', reg: false, x: 500, y: y + 20, wires: [[id('res')]],
      },
      { id: id('res'), type: 'http response', z: TAB, name: '', statusCode: '', headers: {}, x: 700, y, wires: [] },
    );
  });
  // plex-butler-activity has no input: its output lands in global context, GET /activity reads it.
  flow.push(
    { id: 'node-activity', type: 'plex-butler-activity', z: TAB, name: '', server: 'srv', maintenanceOnly: true, filter: '', x: 300, y: 600, wires: [['act-store'], []] },
    { id: 'act-store', type: 'change', z: TAB, name: '', rules: [{ t: 'set', p: 'compatActivity', pt: 'global', to: 'payload', tot: 'msg' }], action: '', property: '', from: '', to: '', reg: false, x: 500, y: 600, wires: [[]] },
    { id: 'in-activity', type: 'http in', z: TAB, name: '', url: '/activity', method: 'get', upload: false, swaggerDoc: '', x: 100, y: 660, wires: [['act-read']] },
    { id: 'act-read', type: 'change', z: TAB, name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'compatActivity', tot: 'global' }], action: '', property: '', from: '', to: '', reg: false, x: 300, y: 660, wires: [['act-res']] },
    { id: 'act-res', type: 'http response', z: TAB, name: '', statusCode: '', headers: {}, x: 500, y: 660, wires: [] },
  );
  return flow;
}

export interface Check {
  group: string;
  name: string;
  ok: boolean;
  detail: string;
  ms?: number;
}

/** Collects checks; each records what was expected and what came back. */
export class Checks {
  readonly list: Check[] = [];

  add(group: string, name: string, ok: boolean, detail = ''): boolean {
    this.list.push({ group, name, ok, detail: ok ? '' : detail });
    return ok;
  }

  /** Runs one async check; an exception is a failure with its message. */
  async run(group: string, name: string, fn: () => Promise<string | true>): Promise<void> {
    const t = Date.now();
    try {
      const r = await fn();
      this.add(group, name, r === true, r === true ? '' : r);
    } catch (err) {
      this.add(group, name, false, err instanceof Error ? err.message : String(err));
    }
    this.list[this.list.length - 1].ms = Date.now() - t;
  }

  groupOk(group: string): boolean | undefined {
    const of = this.list.filter((c) => c.group === group);
    return of.length === 0 ? undefined : of.every((c) => c.ok);
  }

  failures(): Check[] {
    return this.list.filter((c) => !c.ok);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A text body, or an object sent as JSON (http in parses it into msg.payload). */
type Body = string | Record<string, unknown>;

function post(port: number, endpoint: string, body: Body): ReturnType<typeof request> {
  return typeof body === 'string'
    ? request(port, 'POST', `${HTTP_ROOT}/${endpoint}`, { body })
    : request(port, 'POST', `${HTTP_ROOT}/${endpoint}`, { body: JSON.stringify(body), type: 'application/json' });
}

/** POSTs `body` to an endpoint; passes when the reply is 200 and its JSON equals `expect`. */
async function expectResult(port: number, endpoint: string, body: Body, expect: unknown): Promise<string | true> {
  const r = await post(port, endpoint, body);
  const got = parse(r.text);
  if (r.status === 200 && isDeepStrictEqual(got, expect)) return true;
  return `POST ${endpoint} ${JSON.stringify(body)}: ${r.status} ${r.text.slice(0, 300)}; expected 200 ${JSON.stringify(expect)}`;
}

/** POSTs `body`; passes when output 2 answered with `code` and the msg kept its payload. */
async function expectError(port: number, endpoint: string, body: Body, code: string): Promise<string | true> {
  const r = await post(port, endpoint, body);
  const got = parse(r.text) as { code?: unknown; sentPayload?: unknown; message?: unknown };
  if (r.status === ERROR_STATUS && got.code === code && isDeepStrictEqual(got.sentPayload, body) && typeof got.message === 'string') return true;
  return `POST ${endpoint} ${JSON.stringify(body)}: ${r.status} ${r.text.slice(0, 300)}; expected ${ERROR_STATUS} with code ${code} and the payload kept`;
}

/** POSTs JSON to one of the package's admin endpoints (what the editor dialog calls). */
async function admin(port: number, endpoint: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await request(port, 'POST', `/plex-butler/${endpoint}`, { body: JSON.stringify(body), type: 'application/json' });
  const json = parse(r.text);
  return { status: r.status, json: typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : { text: r.text } };
}

/** The nodes beyond the Butler API: settings (read, write, a refused change) and the activity stream. */
export async function beyondChecks(port: number, sim: ButlerSimulator, checks: Checks): Promise<void> {
  await checks.run('beyond', 'settings: read', async () => {
    const r = await post(port, 'settings', 'read');
    const got = parse(r.text) as { startHour?: unknown; endHour?: unknown; tasks?: unknown };
    const ok = r.status === 200 && got.startHour === sim.window.startHour && got.endHour === sim.window.endHour && typeof got.tasks === 'object';
    return ok || `${r.status} ${r.text.slice(0, 300)}; the simulator says ${JSON.stringify(sim.window)}`;
  });
  await checks.run('beyond', 'settings: write', async () => {
    const want = { startHour: sim.window.startHour === 3 ? 4 : 3, endHour: 7 };
    const r = await post(port, 'settings', want);
    const got = parse(r.text) as { startHour?: unknown; endHour?: unknown };
    const ok = r.status === 200 && got.startHour === want.startHour && got.endHour === want.endHour && isDeepStrictEqual(sim.window, want);
    return ok || `${r.status} ${r.text.slice(0, 300)}; the simulator says ${JSON.stringify(sim.window)}`;
  });
  await checks.run('beyond', 'settings: INVALID_SETTING', () => expectError(port, 'settings', { bogus: 1 }, 'INVALID_SETTING'));
  await checks.run('beyond', 'activity: a started task arrives', async () => {
    for (let i = 0; sim.openStreams === 0; i++) {
      if (i > 100) return 'the activity node never opened the event stream';
      await sleep(50);
    }
    const task = 'GenerateChapterThumbs';
    const started = await post(port, 'start', task);
    if (started.status !== 200) return `start ${task}: ${started.status}`;
    let last = '';
    for (let i = 0; i < 100; i++) {
      const r = await request(port, 'GET', `${HTTP_ROOT}/activity`);
      last = r.text;
      const got = parse(r.text) as { subtitle?: unknown; type?: unknown };
      if (r.status === 200 && got.subtitle === task && typeof got.type === 'string') return true;
      await sleep(50);
    }
    return `no activity for ${task} within 5 s; last: ${last.slice(0, 200)}`;
  });
}

/** The editor's admin endpoints: the stored token is found by node id, a typed one is used as typed. */
export async function adminChecks(port: number, simUrl: string, checks: Checks): Promise<void> {
  await checks.run('admin', 'task list with the stored token', async () => {
    const r = await admin(port, 'tasks', { id: 'srv', token: '__PWRD__' });
    const tasks = r.json.tasks;
    return (r.status === 200 && r.json.ok === true && isDeepStrictEqual(tasks, DEFAULT_TASKS)) || `${r.status} ${JSON.stringify(r.json).slice(0, 300)}`;
  });
  await checks.run('admin', 'test connection', async () => {
    const r = await admin(port, 'test', { id: 'srv' });
    return (r.status === 200 && r.json.ok === true && typeof r.json.version === 'string') || `${r.status} ${JSON.stringify(r.json).slice(0, 300)}`;
  });
  await checks.run('admin', 'typed wrong token: UNAUTHORIZED', async () => {
    const r = await admin(port, 'test', { url: simUrl, token: 'typed-wrong-token' });
    return (r.status === 200 && r.json.ok === false && r.json.code === 'UNAUTHORIZED') || `${r.status} ${JSON.stringify(r.json).slice(0, 300)}`;
  });
}

/** The result and error checks, in an order that gives each a known simulator state. */
export async function flowChecks(port: number, checks: Checks): Promise<void> {
  await checks.run('tasks', 'list', () => expectResult(port, 'tasks', 'go', DEFAULT_TASKS));

  await checks.run('start', 'started', () => expectResult(port, 'start', 'BackupDatabase', { task: 'BackupDatabase', action: 'start', result: 'started' }));
  await checks.run('start', 'already-running', () => expectResult(port, 'start', 'BackupDatabase', { task: 'BackupDatabase', action: 'start', result: 'already-running' }));
  await checks.run('start', 'task property', () => expectResult(port, 'start-configured', 'CleanOldBundles', { task: 'OptimizeDatabase', action: 'start', result: 'started' }));

  await checks.run('stop', 'stopped', () => expectResult(port, 'stop', 'BackupDatabase', { task: 'BackupDatabase', action: 'stop', result: 'stopped' }));
  await checks.run('stop', 'not-running', () => expectResult(port, 'stop', 'BackupDatabase', { task: 'BackupDatabase', action: 'stop', result: 'not-running' }));

  await checks.run('all', 'start (msg)', () => expectResult(port, 'all', 'start', { action: 'start', result: 'started' }));
  await checks.run('all', 'stop (msg)', () => expectResult(port, 'all', 'stop', { action: 'stop', result: 'stopped' }));
  await checks.run('all', 'stop (property)', () => expectResult(port, 'all-stop', 'start', { action: 'stop', result: 'stopped' }));

  await checks.run('errors', 'server: NOT_CONFIGURED', () => expectError(port, 'tasks-no-token', 'go', 'NOT_CONFIGURED'));
  await checks.run('errors', 'tasks: UNAUTHORIZED', () => expectError(port, 'tasks-wrong-token', 'go', 'UNAUTHORIZED'));
  await checks.run('errors', 'start: UNKNOWN_TASK', () => expectError(port, 'start', 'NoSuchTask', 'UNKNOWN_TASK'));
  await checks.run('errors', 'stop: INVALID_TASK', () => expectError(port, 'stop', '../library/sections', 'INVALID_TASK'));
  await checks.run('errors', 'all: INVALID_ACTION', () => expectError(port, 'all', 'reboot', 'INVALID_ACTION'));
}
