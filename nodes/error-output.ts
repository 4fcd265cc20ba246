// Errors as flows get them: the ButlerError a fault stands for, in the runtime's language.
import type { NodeAPI } from 'node-red';
import { ButlerError } from '../lib/common/errors';

/** A ButlerError as it is; anything else is a fault of ours, not the server's. */
export function asButlerError(err: unknown): ButlerError {
  if (err instanceof ButlerError) return err;
  return new ButlerError('INTERNAL', `Internal error in plex-butler: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * An error as flows and logs get it: `message` from the catalog by code (Node-RED's runtime
 * language), `detail` the client's own English account of what happened. Without a catalog
 * (RED._ answers the key itself) the message is the client's.
 */
export function localError(RED: NodeAPI, err: unknown, url = ''): ButlerError {
  const e = asButlerError(err);
  const key = `plex-butler-server.error.${e.code}`;
  const text = RED._(key, { url, status: e.statusCode ?? '', task: e.task ?? '' });
  const local = new ButlerError(e.code, text && text !== key ? text : e.message, { statusCode: e.statusCode, task: e.task });
  local.detail = e.detail ?? e.message;
  return local;
}

/** Whether anything is wired to output 2 (errors); if not, errors go to Catch nodes. */
export function errorOutputWired(config: { wires?: string[][] }): boolean {
  return Array.isArray(config.wires) && Array.isArray(config.wires[1]) && config.wires[1].length > 0;
}
