import { setTimeout as sleep } from 'node:timers/promises';
import type { ButlerClient, CallOptions } from '../butler/client';
import { judgeSessions, SessionTraces, sharedTraces } from './watching';

export interface IdleDef {
  onlyWhenIdle?: boolean;
  idleGrace?: number | string;
}

/** Grace period in seconds from the node's setting (bad values count as 0). */
function graceSeconds(def: IdleDef): number {
  const n = Number(def.idleGrace);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Per server (client): what Only when idle's own reads saw, used when no playback node follows the stream. */
const readTraces = new WeakMap<ButlerClient, SessionTraces>();

/**
 * Sessions that count as watching, by the playback node's judgement: a paused session counts, a
 * lingering one (a player that quit without a stop) does not. With a playback node on the same
 * server, lingering is judged from what its stream saw; without one, from this node's own reads:
 * a session whose position has not moved across reads lingerMs apart.
 */
async function watching(client: ButlerClient, call: CallOptions, lingerMs: number): Promise<number> {
  const sessions = await client.sessions(call);
  const now = Date.now();
  const options = { countPaused: true, lingerMs };
  const stream = sharedTraces(client);
  if (stream) return judgeSessions(sessions, stream, options, now).sessions;
  let own = readTraces.get(client);
  if (!own) readTraces.set(client, (own = new SessionTraces()));
  own.read(sessions, now);
  return judgeSessions(sessions, own, options, now).sessions;
}

/**
 * Playback sessions that should hold maintenance back: 0 means go. With a grace period the
 * idle state must hold across two reads that far apart (servers report phantom streams briefly).
 */
export async function busySessions(client: ButlerClient, def: IdleDef, call: CallOptions, lingerMs: number): Promise<number> {
  if (!def.onlyWhenIdle) return 0;
  const first = await watching(client, call, lingerMs);
  if (first > 0) return first;
  const grace = graceSeconds(def);
  if (grace === 0) return 0;
  await sleep(grace * 1000, undefined, { signal: call.signal });
  return watching(client, call, lingerMs);
}
