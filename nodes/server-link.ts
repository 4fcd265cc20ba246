// How a flow node reaches the plex-butler-server node its Server field names.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ButlerClient } from '../lib/butler/client';
import { ButlerError } from '../lib/common/errors';

/** The part of a plex-butler-server node that flow nodes use. */
export interface ServerNode extends Node {
  /** The shared client; throws NOT_CONFIGURED when the URL or token is missing or wrong. */
  getClient(): ButlerClient;
}

/** What every flow node's config holds: its server node, and its wires (output 2 wired or not). */
export interface FlowNodeDef extends NodeDef {
  server?: string;
  wires?: string[][];
}

/** The server node a flow node points at, when it offers `method`; else NOT_CONFIGURED. */
export function findServer<T extends object>(RED: NodeAPI, id: string | undefined, method: keyof T & string): T {
  const server = id ? (RED.nodes.getNode(id) as unknown as Record<string, unknown> | null) : null;
  if (!server || typeof server[method] !== 'function') {
    throw new ButlerError('NOT_CONFIGURED', 'No Plex server is configured: choose one in the node\'s Server field');
  }
  return server as unknown as T;
}

/**
 * The server node a flow node points at, found once when the flow node starts (Node-RED starts
 * config nodes first); with none, a stand-in whose getClient() throws why (NOT_CONFIGURED).
 */
export function linkedServer(RED: NodeAPI, id: string | undefined): Pick<ServerNode, 'getClient'> {
  try {
    return findServer<ServerNode>(RED, id, 'getClient');
  } catch (err) {
    return {
      getClient: () => {
        throw err;
      },
    };
  }
}

/** The address of the server a flow node points at, for messages; '' when there is none. */
export function serverUrl(RED: NodeAPI, id: string | undefined): string {
  try {
    return findServer<ServerNode>(RED, id, 'getClient').getClient().baseUrl;
  } catch {
    return '';
  }
}
