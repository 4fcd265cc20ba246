// What the admin routes of the server dialog share: the one way a route is registered (POST,
// guarded by plex-butler-server.write) and the one answer for a failure.
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { asButlerError } from './error-output';

/** Registers a POST admin route; only users allowed to change server nodes get through. */
export function adminPost(RED: NodeAPI, path: string, handle: (req: Request, res: Response) => void): void {
  RED.httpAdmin.post(path, RED.auth.needsPermission('plex-butler-server.write'), handle);
}

/** What an admin route answers for a failure: never the token, only the error's code and words. */
export function failureBody(err: unknown): { ok: false; code: string; message: string; statusCode?: number } {
  const e = asButlerError(err);
  return { ok: false, code: e.code, message: e.message, ...(e.statusCode ? { statusCode: e.statusCode } : {}) };
}

/** Answers the request with `failureBody(err)`. */
export function replyFailure(res: Response, err: unknown): void {
  res.json(failureBody(err));
}
