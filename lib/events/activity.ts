// Activity notifications (what the server works on), and which of them are Butler maintenance.
import { isObject, toBool, toText } from '../common/json';

/** What names one activity, in every view of it (a notification, GET /activities, a run, a stop result). */
export interface NamedActivity {
  uuid: string;
  type: string;
  title: string;
  subtitle: string;
}

/** One activity notification, flattened. */
export interface ActivityEvent extends NamedActivity {
  event: 'started' | 'updated' | 'ended';
  progress: number;
}

const EVENTS = new Set(['started', 'updated', 'ended']);

// Activity types and titles of Butler work. PMS does not document the type strings, so this
// matches both the types seen for maintenance and the task wording in titles.
const MAINTENANCE_TYPE = /^(butler|media\.(generate|analy[sz]e|bif|thumbnails?|intros?|credits?|markers?|loudness|voice)|library\.(update|refresh|scan)|database)/i;
const MAINTENANCE_TEXT = /butler|back(ing)? ?up|optimi[sz]|analy[sz]|thumbnail|marker|intro|credit|loudness|blur ?hash|index files|refresh|garbage|clean old|upgrade media|gracenote|auto ?tags|voice activity/i;

/** What the maintenance rule reads of an activity, from a notification or from GET /activities. */
export type ActivityText = Pick<ActivityEvent, 'type' | 'title' | 'subtitle'>;

/** The *Only maintenance activities* rule, shared by the activity, all and report nodes. */
export function isMaintenance(e: ActivityText): boolean {
  return MAINTENANCE_TYPE.test(e.type) || MAINTENANCE_TEXT.test(e.title) || MAINTENANCE_TEXT.test(e.subtitle);
}

/** ActivityNotification entries (one object or a list) as events; others are skipped. */
export function toActivityEvents(notes: unknown): ActivityEvent[] {
  const list: unknown[] = Array.isArray(notes) ? notes : notes === undefined ? [] : [notes];
  const out: ActivityEvent[] = [];
  for (const n of list) {
    if (!isObject(n) || typeof n.event !== 'string' || !EVENTS.has(n.event)) continue;
    const a = isObject(n.Activity) ? n.Activity : {};
    const progress = Number(a.progress);
    out.push({
      event: n.event as ActivityEvent['event'],
      uuid: String(n.uuid ?? a.uuid ?? ''),
      type: String(a.type ?? ''),
      title: String(a.title ?? ''),
      subtitle: String(a.subtitle ?? ''),
      progress: Number.isFinite(progress) ? progress : -1,
    });
  }
  return out;
}

/** One entry of GET /activities. */
export interface ServerActivity extends NamedActivity {
  /** 0–100; -1 when the server does not know (indeterminate) or does not say. */
  progress: number;
  cancellable: boolean;
}

/** The Activity list of a GET /activities MediaContainer (one object or a list; none = empty). */
export function toServerActivities(list: unknown): ServerActivity[] {
  const items: unknown[] = Array.isArray(list) ? list : list === undefined ? [] : [list];
  return items.filter(isObject).map((a) => {
    const progress = Number(a.progress);
    return {
      uuid: toText(a.uuid),
      type: toText(a.type),
      title: toText(a.title),
      subtitle: toText(a.subtitle),
      progress: Number.isFinite(progress) ? progress : -1,
      cancellable: toBool(a.cancellable, false),
    };
  });
}
