// What every request to one Plex server carries: one axios instance with its agents, the
// identifying headers and the token (only ever in X-Plex-Token), the TLS setting, and the naming
// of what went wrong. The Butler calls and the notification stream both go through it.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import axios, { AxiosInstance, isAxiosError, isCancel } from 'axios';
import { ButlerError } from '../common/errors';
import { normaliseUrl } from '../common/validate';
import { PRODUCT, VERSION } from '../common/product';
import type { Failure } from './retry';

export interface ServerHttpOptions {
  url: string;
  token: string;
  verifyTls?: boolean;
  clientId?: string;
  /** Sockets for calls at once (the stream has its own). */
  maxSockets: number;
  /** Largest answer body accepted. */
  maxBodyBytes: number;
}

/** A server's answer to a call, body read as text. */
export interface Answer {
  status: number;
  body: string;
  retryAfter?: string;
}

/** A server's answer to the stream request, body still flowing. */
export interface StreamAnswer {
  status: number;
  contentType: string;
  body: Readable;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);
const TLS_PREFIX = /^(ERR_SSL_|ERR_TLS_|CERT_)/;
const NAME_NOT_FOUND = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return '';
}

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || TLS_PREFIX.test(code);
}

function isNameNotFound(code: string): boolean {
  return NAME_NOT_FOUND.has(code);
}

/** Names a socket-level failure (refused, reset, DNS, TLS, broken or oversized answer) of a call to `baseUrl`. */
export function transportFailure(err: unknown, baseUrl: string): Failure {
  const code = errorCode(err);
  if (isTlsCode(code)) {
    const error = new ButlerError('TLS', `TLS problem with ${baseUrl} (${code}): use the server's plex.direct address, or turn off "Verify TLS certificate" in the server node`);
    return { error, lasting: true };
  }
  if (code === 'ERR_BAD_RESPONSE' && isAxiosError(err)) {
    // axios raises this code for two things: the body passed maxContentLength (no response
    // yet), or the connection broke while the body came (the response is attached).
    if (err.response === undefined) return { error: new ButlerError('BAD_RESPONSE', 'Plex answer too large: refused past the size limit'), lasting: true };
    return { error: new ButlerError('UNREACHABLE', `Connection to ${baseUrl} broke during the answer`) };
  }
  const lasting = isNameNotFound(code);
  const what = lasting ? 'host name not found' : code || 'connection failed';
  return { error: new ButlerError('UNREACHABLE', `Cannot reach Plex at ${baseUrl} (${what})`), lasting };
}

/** What a 404 means on a route: each route of the client declares one, `statusError` reads it. */
export type NotFoundMeaning =
  /** Something the caller reads: a stop of a task that is not running, an activity that ended, a deleted item. */
  | 'an-answer'
  /** Every Plex server has the route: the URL points elsewhere. */
  | 'no-butler'
  /** The server has no task of the name in the route. */
  | 'unknown-task';

/** What `statusError` needs to know of the route besides the status. */
export interface StatusContext {
  notFound: NotFoundMeaning;
  /** The task the route names, for 'unknown-task'. */
  task?: string;
  /** The server's Retry-After header, named in a 5xx error. */
  retryAfter?: string;
}

export function unknownTaskError(task: string): ButlerError {
  return new ButlerError('UNKNOWN_TASK', `Plex has no Butler task named "${task}"`, { statusCode: 404, task });
}

export class ServerHttp {
  readonly baseUrl: string;
  private readonly axios: AxiosInstance;
  private readonly callAgents: { http: http.Agent; https: https.Agent };
  private readonly streamAgents: { http: http.Agent; https: https.Agent };

  constructor(options: ServerHttpOptions) {
    this.baseUrl = normaliseUrl(options.url);
    if (!options.token) throw new ButlerError('NOT_CONFIGURED', 'No Plex token is set: open the plex-butler-server node and enter the server owner\'s token');
    const rejectUnauthorized = options.verifyTls !== false;
    // axios sets 60 s keep-alive on each socket; the same value here keeps the agent from setting
    // it back on every release (8 system calls a request).
    const pool = { keepAlive: true, keepAliveMsecs: 60000, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, scheduling: 'lifo' as const };
    this.callAgents = { http: new http.Agent(pool), https: new https.Agent({ ...pool, rejectUnauthorized }) };
    // The stream holds its socket for hours: it must not take one of the calls' sockets.
    this.streamAgents = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false, rejectUnauthorized }) };
    this.axios = axios.create({
      baseURL: this.baseUrl,
      httpAgent: this.callAgents.http,
      httpsAgent: this.callAgents.https,
      proxy: false,
      maxRedirects: 0,
      maxContentLength: options.maxBodyBytes,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      headers: {
        Accept: 'application/json',
        'X-Plex-Token': options.token,
        'X-Plex-Client-Identifier': options.clientId || randomUUID(),
        'X-Plex-Product': PRODUCT,
        'X-Plex-Version': VERSION,
        'X-Plex-Platform': 'Node.js',
      },
    });
  }

  /** One try on the wire, as it came: a network failure is thrown (name it with `transportFailure`). */
  async request(method: string, route: string, signal: AbortSignal): Promise<Answer> {
    const res = await this.axios.request<string>({ method, url: route, signal });
    const answer: Answer = { status: res.status, body: typeof res.data === 'string' ? res.data : '' };
    const retryAfter: unknown = res.headers['retry-after'];
    if (typeof retryAfter === 'string') answer.retryAfter = retryAfter;
    return answer;
  }

  /** A streamed GET for server-sent events; the caller bounds what it reads. */
  async openStream(route: string, signal: AbortSignal): Promise<StreamAnswer> {
    try {
      const res = await this.axios.request<Readable>({
        method: 'GET',
        url: route,
        signal,
        responseType: 'stream',
        // The stream lasts for hours: its size is bounded per event by the reader, not in total.
        maxContentLength: -1,
        httpAgent: this.streamAgents.http,
        httpsAgent: this.streamAgents.https,
        headers: { Accept: 'text/event-stream' },
      });
      const type: unknown = res.headers['content-type'];
      return { status: res.status, contentType: typeof type === 'string' ? type : '', body: res.data };
    } catch (err) {
      throw isCancel(err) ? err : this.transportFailure(err).error;
    }
  }

  /**
   * What a status says went wrong, or undefined for an answer the caller reads (2xx, and a 404
   * where the route declares it an answer). The route's 404 meaning is read here, and only here.
   */
  statusError(status: number, context: StatusContext = { notFound: 'an-answer' }): ButlerError | undefined {
    const extra = { statusCode: status };
    if (status >= 200 && status < 300) return undefined;
    if (status === 404) return this.notFoundError(context);
    if (status === 401) {
      return new ButlerError('UNAUTHORIZED', 'Plex refused the token (401): enter the server owner\'s token again (a plex.tv password reset changes it)', extra);
    }
    if (status === 403) {
      return new ButlerError('UNAUTHORIZED', 'Plex refused this token for the Butler (403): it must be the server owner\'s token, not a shared user\'s', extra);
    }
    if (status === 400) return new ButlerError('BAD_REQUEST', 'Plex rejected the request (400)', extra);
    if (status >= 500) return new ButlerError('SERVER_ERROR', `Plex server error (${status})${context.retryAfter ? `, retry after ${context.retryAfter}` : ''}`, extra);
    if (status >= 300 && status < 400) {
      return new ButlerError('BAD_RESPONSE', `${this.baseUrl} redirected (${status}); redirects are not followed so the token stays with the configured address: set the URL to the final address`, extra);
    }
    return new ButlerError('BAD_RESPONSE', `Unexpected answer from Plex (${status})`, extra);
  }

  private notFoundError({ notFound, task }: StatusContext): ButlerError | undefined {
    if (notFound === 'unknown-task' && task !== undefined) return unknownTaskError(task);
    if (notFound === 'no-butler') {
      return new ButlerError('BAD_RESPONSE', `No Butler at ${this.baseUrl} (404): check the server URL, including any reverse-proxy path`, { statusCode: 404 });
    }
    return undefined;
  }

  /** Names a socket-level failure of a call to this server. */
  transportFailure(err: unknown): Failure {
    return transportFailure(err, this.baseUrl);
  }

  /** Frees every socket. */
  destroy(): void {
    for (const agent of [this.callAgents.http, this.callAgents.https, this.streamAgents.http, this.streamAgents.https]) agent.destroy();
  }
}
