import { setMaxListeners } from 'node:events';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { ButlerClient, CallOptions } from '../lib/butler/client';
import { ButlerError } from '../lib/common/errors';

/** The part of a plex-butler-server node that flow nodes use. */
export interface ServerNode extends Node {
  /** The shared client; throws NOT_CONFIGURED when the URL or token is missing or wrong. */
  getClient(): ButlerClient;
}

export interface FlowNodeDef extends NodeDef {
  server?: string;
  wires?: string[][];
}

/** What a flow node's work returns: the new payload and the status text to show (translated: the time is added to it). */
export interface Outcome {
  payload: unknown;
  status: string;
  /** Work done in part: `payload` says what was done, the msg goes to output 2 with this error. */
  failed?: ButlerError;
}

/**
 * The work of one flow node. `parse` reads and checks what a msg asks for (throwing INVALID_*
 * before anything is sent), once per msg; `busy` and `work` get its result.
 */
export interface FlowNodeSetup<T> {
  parse: (msg: NodeMessageInFlow) => T;
  /** Status text while a request runs: a catalog key, or a text RED._ filled in. */
  busy: (input: T) => string;
  work: (client: ButlerClient, input: T, msg: NodeMessageInFlow, call: CallOptions) => Promise<Outcome>;
}

/** A ButlerError as it is; anything else is a fault of ours, not the server's. */
export function asButlerError(err: unknown): ButlerError {
  if (err instanceof ButlerError) return err;
  return new ButlerError('INTERNAL', `Internal error in plex-butler: ${err instanceof Error ? err.message : String(err)}`);
}

/** The server node a flow node points at, when it offers `method`; else NOT_CONFIGURED. */
export function findServer<T extends object>(RED: NodeAPI, id: string | undefined, method: keyof T & string): T {
  const server = id ? (RED.nodes.getNode(id) as unknown as Record<string, unknown> | null) : null;
  if (!server || typeof server[method] !== 'function') {
    throw new ButlerError('NOT_CONFIGURED', 'No Plex server is configured: choose one in the node\'s Server field');
  }
  return server as unknown as T;
}

/** The shared client of the server node a flow node points at. */
function serverClient(RED: NodeAPI, id: string | undefined): ButlerClient {
  return findServer<ServerNode>(RED, id, 'getClient').getClient();
}

/**
 * An error as flows and logs get it: `message` from the catalog by code (Node-RED's runtime
 * language), `detail` the client's own English account of what happened. Without a catalog
 * (RED._ answers the key itself) the message is the client's.
 */
export function localError(RED: NodeAPI, err: unknown, url = ''): ButlerError {
  const e = asButlerError(err);
  const key = `plex-butler-server.error.${e.code}`;
  const text = RED._(key, { url, status: e.statusCode ?? '', task: e.task ?? '' });
  const local = new ButlerError(e.code, text && text !== key ? text : e.message, { statusCode: e.statusCode, task: e.task });
  local.detail = e.detail ?? e.message;
  return local;
}

const MARK = '\uE000';

/**
 * RED._ for status texts filled in on every msg, translated once per key: the catalog text is
 * read with a marker around each value's name, split there, and the values go in by hand. The
 * values are strings, so none selects a plural form (i18next's `count`); Node-RED does not
 * escape interpolated values, so the text is the one RED._ gives. npm run bench: RED._ took
 * about 100 µs of a 870 µs msg (under the profiler), with a different task on every msg.
 */
export function textMemo(RED: NodeAPI): (key: string, values: Record<string, string>) => string {
  // Per key: literal text at even places, value names at odd places.
  const templates = new Map<string, string[]>();
  return (key, values) => {
    let parts = templates.get(key);
    if (parts === undefined) {
      const marked = Object.fromEntries(Object.keys(values).map((name) => [name, `${MARK}${name}${MARK}`]));
      parts = RED._(key, marked).split(MARK);
      templates.set(key, parts);
    }
    let text = parts[0];
    for (let i = 1; i < parts.length; i += 2) text += (values[parts[i]] ?? parts[i]) + parts[i + 1];
    return text;
  };
}

/** HH:MM of `at` in the runtime's local time zone (24-hour, as in every language of the catalogs). */
export function clockTime(at: Date): string {
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

/**
 * A request node's last answer as its status shows it: the text and when it came, e.g.
 * "BackupDatabase already running · 12:03", so an old answer does not read as the state now.
 * The one place the time goes in: every request node's final status (result or error code).
 */
export function answeredAt(text: string, at: Date = new Date()): string {
  return `${text} · ${clockTime(at)}`;
}

/** The address of the server a flow node points at, for messages; '' when there is none. */
export function serverUrl(RED: NodeAPI, id: string | undefined): string {
  try {
    return serverClient(RED, id).baseUrl;
  } catch {
    return '';
  }
}

/** The `plexButler` section of Node-RED's settings.js (sign-in, discovery, stream timings), or {}. */
export function plexButlerSection(RED: NodeAPI): Record<string, unknown> {
  const section: unknown = (RED.settings as unknown as Record<string, unknown>).plexButler;
  return typeof section === 'object' && section !== null ? (section as Record<string, unknown>) : {};
}

/** Whether anything is wired to output 2 (errors); if not, errors go to Catch nodes. */
export function errorOutputWired(config: FlowNodeDef): boolean {
  return Array.isArray(config.wires) && Array.isArray(config.wires[1]) && config.wires[1].length > 0;
}

type Send = (m: Array<NodeMessageInFlow | null>) => void;

/**
 * Wires the input and close handlers every flow node shares: status, output 1 for results,
 * output 2 (or done(err) when it is not wired) for errors, abort on close.
 * Every msg gets exactly one done(): on close, pending msgs end with a plain done() and send nothing.
 */
export function setupFlowNode<T>(RED: NodeAPI, node: Node, config: FlowNodeDef, setup: FlowNodeSetup<T>): void {
  const errorWired = errorOutputWired(config);
  // One signal for every msg of this node, aborted on close; each pending msg listens to it.
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);

  async function outcome(msg: NodeMessageInFlow): Promise<Outcome | ButlerError> {
    let client: ButlerClient | undefined;
    try {
      const input = setup.parse(msg);
      node.status({ fill: 'blue', shape: 'dot', text: setup.busy(input) });
      client = serverClient(RED, config.server);
      const done = await setup.work(client, input, msg, { signal: closing.signal });
      if (!done.failed) return done;
      msg.payload = done.payload;
      return localError(RED, done.failed, client.baseUrl);
    } catch (err) {
      return localError(RED, err, client?.baseUrl);
    }
  }

  function finish(msg: NodeMessageInFlow, result: Outcome | ButlerError, send: Send, done: (err?: Error) => void): void {
    if (closing.signal.aborted) return done();
    if (!(result instanceof ButlerError)) {
      msg.payload = result.payload;
      node.status({ fill: 'green', shape: 'dot', text: answeredAt(result.status) });
      send([msg, null]);
      return done();
    }
    node.status({ fill: 'red', shape: 'ring', text: answeredAt(result.code) });
    if (!errorWired) return done(result);
    (msg as NodeMessageInFlow & { error: unknown }).error = result.toJSON();
    send([null, msg]);
    done();
  }

  node.on('input', (msg, send, done) => {
    let ended = false;
    const end = (err?: Error): void => {
      if (ended) return;
      ended = true;
      if (err) done(err);
      else done();
    };
    outcome(msg)
      .then((result) => finish(msg, result, send, end))
      // Only a throw from send() or done() lands here: end the msg if it is not yet ended, else log.
      .catch((err: unknown) => {
        if (!ended) end(asButlerError(err));
        else node.error(`plex-butler: ${err instanceof Error ? err.message : String(err)}`);
      });
  });

  node.on('close', (_removed: boolean, done: () => void) => {
    node.status({});
    closing.abort();
    done();
  });
}

/** Reads a string property of a msg, or undefined. */
export function msgString(msg: NodeMessageInFlow, key: string): string | undefined {
  const value = (msg as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
