// Stop all maintenance: the Butler, then the maintenance activities the server runs on its own.
import { ButlerError } from '../common/errors';
import { isMaintenance, NamedActivity, ServerActivity } from '../events/activity';
import type { ButlerClient, CallOptions } from './client';
import { ACTIVITY_UUID } from '../common/validate';

/** One activity as the stop result names it. */
export type { NamedActivity };

export interface StopMaintenanceResult {
  action: 'stop';
  result: 'stopped';
  /** Maintenance activities the server cancelled (200). */
  cancelled: NamedActivity[];
  /** Maintenance activities the server will not cancel: listed as not cancellable, or a 400. */
  notCancellable: NamedActivity[];
}

/** What was done, and the failure that ended it early (after the Butler stop), if any. */
export interface StopMaintenanceOutcome {
  payload: StopMaintenanceResult;
  failure?: ButlerError;
}

function named(a: ServerActivity): NamedActivity {
  return { uuid: a.uuid, type: a.type, title: a.title, subtitle: a.subtitle };
}

/**
 * DELETE /butler, GET /activities, then DELETE /activities/{uuid} for each maintenance activity
 * the list marks cancellable. A 404 means it ended meanwhile (in neither list). A failure of the
 * Butler stop is thrown; any later one comes back as `failure` beside what was done. A uuid of
 * the wrong shape is never sent: the others are still cancelled, then it is the failure.
 */
export async function stopMaintenance(client: ButlerClient, call: CallOptions = {}): Promise<StopMaintenanceOutcome> {
  await client.stopAll(call);
  const payload: StopMaintenanceResult = { action: 'stop', result: 'stopped', cancelled: [], notCancellable: [] };
  try {
    const maintenance = (await client.listActivities(call)).filter(isMaintenance);
    const malformed = maintenance.filter((a) => !ACTIVITY_UUID.test(a.uuid));
    for (const a of maintenance) {
      if (!a.cancellable) payload.notCancellable.push(named(a));
      else if (!malformed.includes(a)) await cancelOne(client, a, payload, call);
    }
    // Raises the BAD_RESPONSE that names the first malformed uuid.
    if (malformed.length > 0) await client.cancelActivity(malformed[0].uuid, call);
    return { payload };
  } catch (err) {
    const failure = err instanceof ButlerError ? err : new ButlerError('INTERNAL', `Unexpected failure: ${String(err)}`);
    return { payload, failure };
  }
}

async function cancelOne(client: ButlerClient, a: ServerActivity, into: StopMaintenanceResult, call: CallOptions): Promise<void> {
  const outcome = await client.cancelActivity(a.uuid, call);
  if (outcome === 'cancelled') into.cancelled.push(named(a));
  else if (outcome === 'not-cancellable') into.notCancellable.push(named(a));
}
