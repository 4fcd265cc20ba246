// The flow each leg deploys (one node of each flow node type, for the editor's dialogs), and the
// few checks a leg makes through it. What each node answers is the mocha suite's job; a leg only
// shows that the packed package runs on its Node-RED and Node (one call through a deployed node)
// and that the token stays out of what the admin API sends back.
import { DEFAULT_TASKS } from '../../sim/simulator';
import { request } from './proc';

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
  { path: 'start', type: 'plex-butler-start', server: 'srv', props: { task: '' } },
  { path: 'stop', type: 'plex-butler-stop', server: 'srv', props: { task: '' } },
  { path: 'all', type: 'plex-butler-all', server: 'srv', props: { action: 'msg' } },
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
  // plex-butler-activity has no input; it is there for its edit dialog and its stream's close on redeploy.
  flow.push({ id: 'node-activity', type: 'plex-butler-activity', z: TAB, name: '', server: 'srv', maintenanceOnly: true, filter: '', x: 300, y: 40 + ENDPOINTS.length * 60, wires: [[], []] });
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

/**
 * One call through a deployed node: the packed package and its production dependencies run on
 * this Node (no mocha run covers Node 18 or 22.9), and the stored token reaches the server.
 */
export async function smokeCheck(port: number): Promise<string | true> {
  const r = await request(port, 'POST', `${HTTP_ROOT}/tasks`, { body: 'go' });
  const got = parse(r.text);
  return (r.status === 200 && Array.isArray(got) && got.length === DEFAULT_TASKS.length) || `POST ${HTTP_ROOT}/tasks: ${r.status} ${r.text.slice(0, 300)}; expected 200 with the ${DEFAULT_TASKS.length} tasks`;
}

/** POSTs JSON to one of the package's admin endpoints (what the editor dialog calls). */
async function admin(port: number, endpoint: string, body: Record<string, unknown>): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const r = await request(port, 'POST', `/plex-butler/${endpoint}`, { body: JSON.stringify(body), type: 'application/json' });
  const json = parse(r.text);
  return { status: r.status, text: r.text, json: typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : { text: r.text } };
}

/** The editor's admin endpoints use the stored token (`__PWRD__`, by node id) and never send it back. */
export async function adminSecretChecks(port: number, token: string, checks: Checks): Promise<void> {
  for (const [endpoint, body] of [['tasks', { id: 'srv', token: '__PWRD__' }], ['test', { id: 'srv' }]] as const) {
    await checks.run('secrets', `not in the ${endpoint} admin reply`, async () => {
      const r = await admin(port, endpoint, body);
      return (r.status === 200 && r.json.ok === true && !r.text.includes(token)) || `${r.status}; token ${r.text.includes(token) ? 'present' : 'absent'}; ${r.text.slice(0, 300)}`;
    });
  }
}
