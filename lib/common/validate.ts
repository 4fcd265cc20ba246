import { ButlerError } from './errors';

/** Task names PMS uses are letters and digits; anything else is refused before a request exists. */
export const TASK_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/** Activity uuids PMS sends are hex words joined by hyphens; nothing else goes into a URL. */
export const ACTIVITY_UUID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

/** Checks a uuid the server sent before it goes into DELETE /activities/{uuid}; throws BAD_RESPONSE. */
export function checkActivityUuid(value: unknown): string {
  if (typeof value !== 'string' || !ACTIVITY_UUID.test(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
    throw new ButlerError('BAD_RESPONSE', `Plex sent an activity uuid ${shown} that is not letters, digits and hyphens: it was not sent back`);
  }
  return value;
}

export type AllAction = 'start' | 'stop';

/** Checks an untrusted task name; returns it unchanged or throws INVALID_TASK. */
export function checkTaskName(value: unknown): string {
  if (typeof value !== 'string' || !TASK_NAME.test(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value) : typeof value;
    throw new ButlerError('INVALID_TASK', `Invalid task name ${shown}: expected letters and digits, e.g. BackupDatabase`);
  }
  return value;
}

/** Checks an untrusted start/stop action. */
export function checkAction(value: unknown): AllAction {
  const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (v === 'start' || v === 'stop') return v;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
  throw new ButlerError('INVALID_ACTION', `Invalid action ${shown}: expected "start" or "stop"`);
}

/**
 * Normalises a server address: adds http:// when no scheme is given, drops trailing slashes.
 * Refuses other schemes, user:password parts, queries and fragments.
 */
export function normaliseUrl(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new ButlerError('NOT_CONFIGURED', 'No server URL is set: open the plex-butler-server node and enter e.g. http://192.168.1.20:32400');
  }
  let text = raw.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = 'http://' + text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ButlerError('NOT_CONFIGURED', `Server URL "${shownUrl(raw)}" is not a valid address: expected e.g. http://192.168.1.20:32400`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ButlerError('NOT_CONFIGURED', `Server URL must start with http:// or https://, not ${url.protocol}//`);
  }
  if (url.username || url.password) {
    throw new ButlerError('NOT_CONFIGURED', 'Server URL must not contain a user name or password: put the token in the token field');
  }
  if (url.search || url.hash) {
    throw new ButlerError('NOT_CONFIGURED', 'Server URL must not contain a query (?…) or fragment (#…): put the token in the token field');
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** A typed URL as messages may repeat it: no query, fragment or user part (a token may hide there), short. */
function shownUrl(raw: string): string {
  const text = raw.trim().replace(/[?#][\s\S]*$/, '').replace(/^([^/]*\/\/)[^/]*@/, '$1');
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Strips spaces and a pasted "X-Plex-Token=" prefix from a token. */
export function cleanToken(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  return raw.trim().replace(/^X-Plex-Token\s*[=:]\s*/i, '').trim();
}
