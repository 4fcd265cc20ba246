// The request nodes' runner (tasks, start, stop, all, settings, quiet hours): a msg in, its
// input parsed and checked, a busy status, the node's work against the server, then output 1 with
// the result or output 2 (else Catch) with the error, the status saying when it answered.
import { setMaxListeners } from 'node:events';
import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { ButlerClient, CallOptions } from '../lib/butler/client';
import { ButlerError } from '../lib/common/errors';
import { asButlerError, errorOutput, InputEnd, localError } from './error-output';
import { findServer, FlowNodeDef, ServerNode } from './server-link';
import { answeredAt } from './status-text';

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
export interface RequestNodeSetup<T> {
  parse: (msg: NodeMessageInFlow) => T;
  /** Status text while a request runs: a catalog key, or a text RED._ filled in. */
  busy: (input: T) => string;
  work: (client: ButlerClient, input: T, msg: NodeMessageInFlow, call: CallOptions) => Promise<Outcome>;
}

/**
 * Wires the input and close handlers every flow node shares: status, output 1 for results,
 * output 2 (or done(err) when it is not wired) for errors, abort on close.
 * Every msg gets exactly one done(): on close, pending msgs end with a plain done() and send nothing.
 */
export function setupRequestNode<T>(RED: NodeAPI, node: Node, config: FlowNodeDef, setup: RequestNodeSetup<T>): void {
  const sendError = errorOutput(node, config);
  // One signal for every msg of this node, aborted on close; each pending msg listens to it.
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);

  async function outcome(msg: NodeMessageInFlow): Promise<Outcome | ButlerError> {
    let client: ButlerClient | undefined;
    try {
      const input = setup.parse(msg);
      node.status({ fill: 'blue', shape: 'dot', text: setup.busy(input) });
      client = findServer<ServerNode>(RED, config.server, 'getClient').getClient();
      const done = await setup.work(client, input, msg, { signal: closing.signal });
      if (!done.failed) return done;
      msg.payload = done.payload;
      return localError(RED, done.failed, client.baseUrl);
    } catch (err) {
      return localError(RED, err, client?.baseUrl);
    }
  }

  function finish(msg: NodeMessageInFlow, result: Outcome | ButlerError, send: InputEnd['send'], done: InputEnd['done']): void {
    if (closing.signal.aborted) return done();
    if (!(result instanceof ButlerError)) {
      msg.payload = result.payload;
      node.status({ fill: 'green', shape: 'dot', text: answeredAt(result.status) });
      send([msg, null]);
      return done();
    }
    node.status({ fill: 'red', shape: 'ring', text: answeredAt(result.code) });
    sendError(result, msg, { send, done });
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
