// Errors as flows get them: the ButlerError a fault stands for, in the runtime's language, on
// output 2 or else to Catch nodes (one rule for every node).
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { ButlerError } from '../lib/common/errors';

/** A ButlerError as it is; anything else is a fault of ours, not the server's. */
export function asButlerError(err: unknown): ButlerError {
  if (err instanceof ButlerError) return err;
  return new ButlerError('INTERNAL', `Internal error in plex-butler: ${err instanceof Error ? err.message : String(err)}`);
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

/** Whether anything is wired to output 2 (errors); if not, errors go to Catch nodes. */
function errorOutputWired(config: { wires?: string[][] }): boolean {
  return Array.isArray(config.wires) && Array.isArray(config.wires[1]) && config.wires[1].length > 0;
}

/** How a msg that came in through the node's input ends: Node-RED's `send` and `done` for it. */
export interface InputEnd {
  send(msgs: Array<NodeMessage | null>): void;
  done(err?: Error): void;
}

/** Sends `error` with `msg`; `input` when the msg came in through the node's input. */
export type ErrorOutput = (error: ButlerError, msg: NodeMessage, input?: InputEnd) => void;

/**
 * "Output 2, else Catch", the one rule of every node. Output 2 wired: the msg kept, `msg.error`
 * set, sent there (and the input msg done). Not wired: Catch nodes get it, through done(error)
 * for a msg from the input (the msg as it came in) or node.error(error, msg) for a msg the node
 * made itself (a stream outage, a failed read).
 */
export function errorOutput(node: Node, config: { wires?: string[][] }): ErrorOutput {
  const wired = errorOutputWired(config);
  return (error, msg, input) => {
    if (input && !wired) return input.done(error);
    const out = Object.assign(msg, { error: error.toJSON() });
    if (input) {
      input.send([null, out]);
      input.done();
    } else if (wired) node.send([null, out]);
    else node.error(error, out);
  };
}
