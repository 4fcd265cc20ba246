import { ButlerError } from '../common/errors';
import { TASK_NAME } from '../common/validate';
import { isObject, mediaContainer, toBool } from '../common/json';

/** The Butler's maintenance window and per-task switches, as kept in the server preferences. */
export interface ButlerSettings {
  startHour: number;
  endHour: number;
  tasks: Record<string, boolean>;
}

function bad(message: string): ButlerError {
  return new ButlerError('BAD_RESPONSE', message);
}

/** Reads ButlerStartHour, ButlerEndHour and ButlerTask<Name> from GET /:/prefs. */
export function parsePrefs(body: string): ButlerSettings {
  const list = mediaContainer(body, 'preferences').Setting;
  if (!Array.isArray(list)) throw bad('Server sent preferences without a Setting list');
  const out: ButlerSettings = { startHour: NaN, endHour: NaN, tasks: {} };
  for (const s of list as unknown[]) {
    if (!isObject(s) || typeof s.id !== 'string') continue;
    if (s.id === 'ButlerStartHour') out.startHour = Number(s.value);
    else if (s.id === 'ButlerEndHour') out.endHour = Number(s.value);
    else if (s.id.startsWith('ButlerTask') && TASK_NAME.test(s.id.slice(10))) out.tasks[s.id.slice(10)] = toBool(s.value, false);
  }
  if (!Number.isInteger(out.startHour) || !Number.isInteger(out.endHour)) throw bad('Server preferences lack the Butler hours');
  return out;
}

function hour(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 23) {
    throw new ButlerError('INVALID_SETTING', `${key} must be a whole hour from 0 to 23`);
  }
  return value;
}

/**
 * Checks a requested change against the current settings and gives the PUT /:/prefs query.
 * Only startHour, endHour and tasks of known names with boolean values are accepted.
 */
export function settingsQuery(input: unknown, current: ButlerSettings): string {
  if (!isObject(input)) throw new ButlerError('INVALID_SETTING', 'Settings must be an object like {startHour, endHour, tasks}');
  const params = new URLSearchParams();
  for (const key of Object.keys(input)) {
    if (key !== 'startHour' && key !== 'endHour' && key !== 'tasks') {
      throw new ButlerError('INVALID_SETTING', `Unknown setting "${key.slice(0, 40)}": use startHour, endHour or tasks`);
    }
  }
  if (input.startHour !== undefined) params.set('ButlerStartHour', String(hour(input.startHour, 'startHour')));
  if (input.endHour !== undefined) params.set('ButlerEndHour', String(hour(input.endHour, 'endHour')));
  if (input.tasks !== undefined) {
    if (!isObject(input.tasks)) throw new ButlerError('INVALID_SETTING', 'tasks must be an object like {"BackupDatabase": true}');
    for (const [name, on] of Object.entries(input.tasks)) {
      // An own key of the server's list only: `in` would also accept constructor, toString, ….
      if (!TASK_NAME.test(name) || !Object.hasOwn(current.tasks, name)) {
        throw new ButlerError('INVALID_SETTING', `Unknown task "${name.slice(0, 40)}" in tasks`, { task: name.slice(0, 64) });
      }
      if (typeof on !== 'boolean') throw new ButlerError('INVALID_SETTING', `tasks.${name} must be true or false`, { task: name });
      params.set(`ButlerTask${name}`, on ? '1' : '0');
    }
  }
  if ([...params.keys()].length === 0) throw new ButlerError('INVALID_SETTING', 'Nothing to change: give startHour, endHour or tasks');
  return params.toString();
}
