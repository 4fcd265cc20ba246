import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { ButlerClient, CallOptions } from '../lib/client';
import { ButlerError } from '../lib/errors';

/** The part of a plex-butler-server node that flow nodes use. */
export interface ServerNode extends Node {
  /** The shared client; throws NOT_CONFIGURED when the URL or token is missing or wrong. */
  getClient(): ButlerClient;
}

export interface FlowNodeDef extends NodeDef {
  server?: string;
  wires?: string[][];
}

export type Translate = (key: string, params?: Record<string, string | number>) => string;

const MARK = '\u0001';

/**
 * RED._ costs ~100 µs a call: translate each template once, then fill in string values for every
 * msg. Numbers may pick a plural form, so they are passed for real and are part of the cache key.
 */
export function cachedText(RED: NodeAPI): Translate {
  const cache = new Map<string, string>();
  return (key, params = {}) => {
    const names = Object.keys(params);
    const strings = names.filter((n) => typeof params[n] === 'string');
    const id = [key, ...names.map((n) => (typeof params[n] === 'string' ? n : `${n}=${params[n]}`))].join('\u0000');
    let template = cache.get(id);
    if (template === undefined) {
      const args: Record<string, string | number> = { ...params };
      strings.forEach((n, i) => (args[n] = `${MARK}${i}${MARK}`));
      template = RED._(key, args);
      if (cache.size < 500) cache.set(id, template);
    }
    let out = template;
    strings.forEach((n, i) => (out = out.split(`${MARK}${i}${MARK}`).join(String(params[n]))));
    return out;
  };
}

/** What a flow node's work returns: the new payload and the status text to show. */
export interface Outcome {
  payload: unknown;
  status: string;
}

export type Work = (client: ButlerClient, msg: NodeMessageInFlow, call: CallOptions) => Promise<Outcome>;

export interface FlowNodeSetup {
  /** Status text while a request runs. */
  busy: (msg: NodeMessageInFlow) => string;
  work: Work;
}

export function asButlerError(err: unknown): ButlerError {
  if (err instanceof ButlerError) return err;
  return new ButlerError('BAD_RESPONSE', err instanceof Error ? err.message : String(err));
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
export function serverClient(RED: NodeAPI, id: string | undefined): ButlerClient {
  return findServer<ServerNode>(RED, id, 'getClient').getClient();
}

/** Whether anything is wired to output 2 (errors); if not, errors go to Catch nodes. */
export function errorOutputWired(config: FlowNodeDef): boolean {
  return Array.isArray(config.wires) && Array.isArray(config.wires[1]) && config.wires[1].length > 0;
}

/**
 * Wires the input and close handlers every flow node shares: status, output 1 for results,
 * output 2 (or done(err) when it is not wired) for errors, abort on close.
 * Every msg gets exactly one done(): on close, pending msgs end with a plain done() and send nothing.
 */
export function setupFlowNode(RED: NodeAPI, node: Node, config: FlowNodeDef, setup: FlowNodeSetup): void {
  const errorWired = errorOutputWired(config);
  const pending = new Set<AbortController>();
  let closing = false;

  const status = (s: { fill?: 'red' | 'green' | 'blue'; shape?: 'dot' | 'ring'; text?: string }): void => {
    if (!closing) node.status(s);
  };

  async function handle(msg: NodeMessageInFlow, send: (m: Array<NodeMessageInFlow | null>) => void, done: (err?: Error) => void, signal: AbortSignal): Promise<void> {
    let result: { outcome: Outcome } | { error: ButlerError };
    try {
      status({ fill: 'blue', shape: 'dot', text: setup.busy(msg) });
      result = { outcome: await setup.work(serverClient(RED, config.server), msg, { signal }) };
    } catch (err) {
      result = { error: asButlerError(err) };
    }
    if (closing) {
      done();
      return;
    }
    if ('outcome' in result) {
      msg.payload = result.outcome.payload;
      status({ fill: 'green', shape: 'dot', text: result.outcome.status });
      send([msg, null]);
      done();
      return;
    }
    const error = result.error;
    status({ fill: 'red', shape: 'ring', text: error.code });
    if (errorWired) {
      (msg as NodeMessageInFlow & { error: unknown }).error = error.toJSON();
      send([null, msg]);
      done();
    } else {
      done(error);
    }
  }

  node.on('input', (msg, send, done) => {
    const ctrl = new AbortController();
    pending.add(ctrl);
    let finished = false;
    const once = (err?: Error): void => {
      if (finished) return;
      finished = true;
      if (err) done(err);
      else done();
    };
    handle(msg, send, once, ctrl.signal)
      // Only a throw from send() or done() lands here: end the msg if it is not yet ended, else log.
      .catch((err: unknown) => {
        if (!finished) once(asButlerError(err));
        else node.error(`plex-butler: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => pending.delete(ctrl));
  });

  node.on('close', (_removed: boolean, done: () => void) => {
    node.status({});
    closing = true;
    for (const ctrl of pending) ctrl.abort();
    pending.clear();
    done();
  });
}

/** Reads a string property of a msg, or undefined. */
export function msgString(msg: NodeMessageInFlow, key: string): string | undefined {
  const value = (msg as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
