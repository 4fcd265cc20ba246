// Status and error reports of the nodes that follow the notification stream (activity, playback).
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import type { ButlerError } from '../lib/common/errors';
import type { StreamState } from '../lib/events/stream';
import { errorOutput, localError } from './error-output';
import { FlowNodeDef, serverUrl } from './server-link';

export interface StreamReporter {
  /** `cause`: the outage under way, shown while reconnecting (else the last reported code). */
  state(state: StreamState, retryMs?: number, cause?: ButlerError): void;
  /** A lost connection (once per outage and cause) or a failed read: output 2, or Catch when it is not wired. */
  problem(err: unknown): void;
}

/** `connected` gives the status to show while the stream is up (default: "connected"). */
export function streamReporter(RED: NodeAPI, node: Node, config: FlowNodeDef, type: string, connected?: () => NodeStatus): StreamReporter {
  const sendError = errorOutput(node, config);
  let lastCode = '';
  return {
    state(state, retryMs, cause) {
      if (cause) lastCode = cause.code;
      if (state === 'connected') {
        lastCode = '';
        node.status(connected ? connected() : { fill: 'green', shape: 'dot', text: 'node-red:common.status.connected' });
      } else if (state === 'reconnecting') {
        const seconds = Math.max(1, Math.round((retryMs ?? 0) / 1000));
        node.status({ fill: 'yellow', shape: 'ring', text: RED._(`${type}.status.reconnecting`, { code: lastCode, seconds }) });
      } else if (state === 'connecting') {
        node.status({ fill: 'yellow', shape: 'ring', text: 'node-red:common.status.connecting' });
      }
    },
    problem(err) {
      const error = localError(RED, err, serverUrl(RED, config.server));
      lastCode = error.code;
      sendError(error, { topic: 'error', payload: null });
      node.status({ fill: 'red', shape: 'ring', text: error.code });
    },
  };
}
