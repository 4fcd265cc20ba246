// A real Node-RED in this process, its admin API on an ephemeral port of 127.0.0.1; flows are
// deployed through POST /flows and inject buttons pressed through POST /inject/:id, as the editor does.
import type { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeUserDir, removeUserDir } from '../../bench/red-runtime';

/** One message a node sends (Node-RED's onSend hook). */
export interface SendEvent {
  msg: Record<string, unknown>;
  source: { id: string; port: number };
  destination: { id: string };
}

export interface RuntimeObserver {
  send(events: SendEvent[]): void;
  receive(nodeId: string, msg: Record<string, unknown>): void;
  complete(nodeId: string, msg: Record<string, unknown>, error: unknown): void;
  status(nodeId: string, status: unknown): void;
  log(level: number, text: string): void;
}

interface Hooks {
  add(name: string, fn: (event: unknown) => void): void;
  remove(name: string): void;
}

export interface SoakRed {
  deploy(flows: object[]): Promise<void>;
  inject(nodeId: string): Promise<void>;
  stop(): Promise<void>;
}

function call(base: string, method: string, route: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), 'Node-RED-Deployment-Type': 'full' };
    const req = http.request(`${base}${route}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function flowsStarted(events: EventEmitter): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Node-RED flows did not start within 30 s')), 30000);
    events.once('flows:started', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function logText(msg: { msg?: unknown; type?: string; id?: string }): string {
  const m = msg.msg;
  const text = m instanceof Error ? `${m.message}\n${m.stack ?? ''}` : typeof m === 'string' ? m : JSON.stringify(m);
  return `${msg.type ?? ''}${msg.id ? `:${msg.id}` : ''} ${text}`;
}

function hook(hooks: Hooks, observer: RuntimeObserver): void {
  hooks.add('onSend.soak', (events) => observer.send(events as SendEvent[]));
  hooks.add('onReceive.soak', (e) => {
    const ev = e as { msg: Record<string, unknown>; destination: { id: string } };
    observer.receive(ev.destination.id, ev.msg);
  });
  hooks.add('onComplete.soak', (e) => {
    const ev = e as { msg: Record<string, unknown>; node: { id: string }; error: unknown };
    observer.complete(ev.node.id, ev.msg, ev.error);
  });
}

/** Starts Node-RED with the package linked into a fresh userDir and the given plexButler settings. */
export async function startSoakRed(plexButler: object, observer: RuntimeObserver): Promise<SoakRed> {
  process.env.NODE_RED_DISABLE_TELEMETRY = '1';
  const userDir = makeUserDir(true);
  process.once('exit', () => removeUserDir(userDir));
  const RED = (await import('node-red')).default;
  const server = http.createServer((req, res) => (RED.httpAdmin as unknown as http.RequestListener)(req, res));
  const logHandler = () => (msg: { level: number; msg?: unknown; type?: string; id?: string }) => observer.log(msg.level, logText(msg));
  const settings = {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: 'soak',
    uiHost: '127.0.0.1',
    httpAdminRoot: '/',
    httpNodeRoot: false,
    logging: { console: { level: 'off' }, soak: { level: 'debug', metrics: false, audit: false, handler: logHandler } },
    editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
    telemetry: { enabled: false },
    diagnostics: { enabled: false, ui: false },
    plexButler,
  };
  RED.init(server, settings as unknown as Parameters<typeof RED.init>[1]);
  const started = flowsStarted(RED.events as unknown as EventEmitter);
  await RED.start();
  await started;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hook(RED.hooks as unknown as Hooks, observer);
  const onStatus = (e: { id: string; status: unknown }): void => observer.status(e.id, e.status);
  (RED.events as unknown as EventEmitter).on('node-status', onStatus);
  return {
    async deploy(flows) {
      const running = flowsStarted(RED.events as unknown as EventEmitter);
      const r = await call(base, 'POST', '/flows', flows);
      if (r.status !== 204 && r.status !== 200) throw new Error(`POST /flows answered ${r.status}: ${r.text}`);
      await running;
    },
    async inject(nodeId) {
      const r = await call(base, 'POST', `/inject/${nodeId}`);
      if (r.status !== 200) throw new Error(`POST /inject/${nodeId} answered ${r.status}: ${r.text}`);
    },
    async stop() {
      (RED.events as unknown as EventEmitter).off('node-status', onStatus);
      for (const name of ['onSend.soak', 'onReceive.soak', 'onComplete.soak']) (RED.hooks as unknown as Hooks).remove(name);
      await RED.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeUserDir(userDir);
    },
  };
}
