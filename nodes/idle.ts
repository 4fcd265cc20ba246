import { setTimeout as sleep } from 'node:timers/promises';
import type { ButlerClient, CallOptions } from '../lib/client';

export interface IdleDef {
  onlyWhenIdle?: boolean;
  idleGrace?: number | string;
}

/** Grace period in seconds from the node's setting (bad values count as 0). */
function graceSeconds(def: IdleDef): number {
  const n = Number(def.idleGrace);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * Playback sessions that should hold maintenance back: 0 means go. With a grace period the
 * idle state must hold across two reads that far apart (servers report phantom streams briefly).
 */
export async function busySessions(client: ButlerClient, def: IdleDef, call: CallOptions): Promise<number> {
  if (!def.onlyWhenIdle) return 0;
  const first = await client.sessionCount(call);
  if (first > 0) return first;
  const grace = graceSeconds(def);
  if (grace === 0) return 0;
  await sleep(grace * 1000, undefined, { signal: call.signal });
  return client.sessionCount(call);
}
