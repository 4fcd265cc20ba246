// The request nodes' runner (tasks, start, stop, all, settings, quiet hours): a msg in, its
// input parsed and checked, a busy status, the node's work against the server, then output 1 with
// the result or output 2 (else Catch) with the error, the status saying when it answered.
import { setMaxListeners } from 'node:events';
import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { ButlerClient, CallOptions } from '../lib/butler/client';
import { ButlerError } from '../lib/common/errors';
import { asButlerError, errorOutput, InputEnd, localError } from './error-output';
import { FlowNodeDef, linkedServer } from './server-link';
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
 * Wires a request node: the input handler runs one msg (its input parsed and checked, the busy
 * status, the work against the server) and hands what came of it to the output step; on close,
 * every msg still running is aborted. Every msg gets exactly one done(): on close, pending msgs
 * end with a plain done() and send nothing.
 */
export function setupRequestNode<T>(RED: NodeAPI, node: Node, config: FlowNodeDef, setup: RequestNodeSetup<T>): void {
  const server = linkedServer(RED, config.server);
  const sendError = errorOutput(node, config);
  // One signal for every msg of this node, aborted on close; each pending msg listens to it.
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);

  node.on('input', (msg, send, done) => {
    let ended = false;
    const end: InputEnd = {
      send,
      done: (err) => {
        if (ended) return;
        ended = true;
        if (err) done(err);
        else done();
      },
    };
    let url = '';
    const run = async (): Promise<Outcome> => {
      const input = setup.parse(msg);
      node.status({ fill: 'blue', shape: 'dot', text: setup.busy(input) });
      const client = server.getClient();
      url = client.baseUrl;
      return setup.work(client, input, msg, { signal: closing.signal });
    };
    run()
      .then(
        (outcome) => output(msg, outcome, url, end),
        (thrown: unknown) => output(msg, { thrown }, url, end),
      )
      // Only a throw from send() or done() lands here: end the msg if it is not yet ended, else log.
      .catch((err: unknown) => {
        if (!ended) end.done(asButlerError(err));
        else node.error(`plex-butler: ${err instanceof Error ? err.message : String(err)}`);
      });
  });

  /**
   * The output step: the status says what the answer was and when it came, then output 1 with the
   * result in msg.payload, or output 2 (else Catch) with the error in the runtime's language (and
   * in msg.payload what was done, when the work was done in part).
   */
  function output(msg: NodeMessageInFlow, answer: Outcome | { thrown: unknown }, url: string, end: InputEnd): void {
    if (closing.signal.aborted) return end.done();
    if (!('thrown' in answer)) msg.payload = answer.payload;
    if ('thrown' in answer || answer.failed) {
      const error = localError(RED, 'thrown' in answer ? answer.thrown : answer.failed, url);
      node.status({ fill: 'red', shape: 'ring', text: answeredAt(error.code) });
      return sendError(error, msg, end);
    }
    node.status({ fill: 'green', shape: 'dot', text: answeredAt(answer.status) });
    end.send([msg, null]);
    end.done();
  }

  node.on('close', (_removed: boolean, done: () => void) => {
    node.status({});
    closing.abort();
    done();
  });
}
