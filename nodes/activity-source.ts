import type { NodeAPI } from 'node-red';
import type { ActivityEvent, StreamState } from '../lib/activity';
import type { ButlerError } from '../lib/errors';
import { findServer } from './shared';

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
  return findServer<ActivitySource>(RED, id, 'watchActivity');
}
