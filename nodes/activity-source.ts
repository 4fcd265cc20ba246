import type { NodeAPI } from 'node-red';
import type { ActivityEvent, StreamState } from '../lib/activity';
import { ButlerError } from '../lib/errors';

/** What a watcher of the server's activity stream is told. */
export interface ActivityWatcher {
  activity(event: ActivityEvent): void;
  state(state: StreamState, retryMs?: number): void;
  problem(err: ButlerError): void;
}

/** The server node's side: one stream however many watchers; returns the unsubscribe. */
export interface ActivitySource {
  watchActivity(watcher: ActivityWatcher): () => void;
}

/** Finds the activity source of a server node id, or throws NOT_CONFIGURED. */
export function activitySource(RED: NodeAPI, id: string | undefined): ActivitySource {
  const server = id ? (RED.nodes.getNode(id) as unknown as Partial<ActivitySource> | null) : null;
  if (!server || typeof server.watchActivity !== 'function') {
    throw new ButlerError('NOT_CONFIGURED', 'No Plex server is configured: choose one in the node\'s Server field');
  }
  return server as ActivitySource;
}
