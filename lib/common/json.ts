// Coercion of the JSON Plex answers: objects, text and booleans as the server writes them, and
// the MediaContainer every answer wraps its content in.
import { ButlerError } from './errors';

export type Raw = Record<string, unknown>;

export function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or number as text; anything else is ''. */
export function toText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** true/false, 1/0 or "1"/"0" as a boolean; anything else is `fallback`. */
export function toBool(v: unknown, fallback: boolean): boolean {
  if (v === true || v === 1 || v === '1' || v === 'true') return true;
  if (v === false || v === 0 || v === '0' || v === 'false') return false;
  return fallback;
}

/** The MediaContainer object of a JSON answer; `what` names the answer in errors. */
export function mediaContainer(body: string, what: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new ButlerError('BAD_RESPONSE', `Server sent ${what} that are not JSON`);
  }
  const mc = isObject(data) ? data.MediaContainer : undefined;
  if (!isObject(mc)) throw new ButlerError('BAD_RESPONSE', `Server sent ${what} without a MediaContainer`);
  return mc;
}
