// plex.tv for "Sign in with Plex": the PIN flow and the account's servers (no Node-RED here).
import os from 'node:os';
import axios, { AxiosInstance } from 'axios';
import { ButlerClient } from '../butler/client';
import { ButlerError } from '../common/errors';
import { isObject, toBool, toText } from '../common/json';
import { PRODUCT, VERSION } from '../common/product';
import { transportFailure } from '../butler/transport';

export const DEFAULT_PLEX_TV_URL = 'https://plex.tv';
export const DEFAULT_AUTH_URL = 'https://app.plex.tv/auth';

export interface PlexTvOptions {
  /** Base URL of plex.tv (a fake on 127.0.0.1 in tests). */
  baseUrl?: string;
  /** Our client identifier: the same for this Node-RED instance, so the owner sees one device. */
  clientId: string;
  timeout?: number;
}

/** A PIN as plex.tv reports it; `authToken` is '' until the user allowed the sign-in. */
export interface Pin {
  id: number;
  code: string;
  expiresAt: number;
  authToken: string;
}

export interface PlexConnection {
  uri: string;
  protocol: string;
  address: string;
  port: number;
  local: boolean;
  relay: boolean;
}

/** A server of the account (a resource whose `provides` contains `server`). */
export interface PlexServer {
  name: string;
  version: string;
  clientIdentifier: string;
  owned: boolean;
  /** The server's own token (null or missing in the wild: then ''). */
  accessToken: string;
  connections: PlexConnection[];
}

/** Thrown for a PIN plex.tv no longer knows (expired, refused on the auth page, or never existed). */
export class PinGoneError extends ButlerError {
  constructor() {
    super('NOT_CONFIGURED', 'plex.tv no longer knows this sign-in (refused, expired or unknown): start again', { statusCode: 404 });
  }
}

/** Thrown for 429: plex.tv asks us to slow down. */
export class RateLimitedError extends ButlerError {
  constructor() {
    super('SERVER_ERROR', 'plex.tv asks to slow down (429): waiting a little longer between checks', { statusCode: 429 });
  }
}

type Json = Record<string, unknown>;

function asObject(v: unknown): Json {
  return isObject(v) ? v : {};
}

/** `expiresAt` (ISO text) or, failing that, `expiresIn` seconds from now. */
function expiry(pin: Json): number {
  const at = Date.parse(toText(pin.expiresAt));
  if (Number.isFinite(at)) return at;
  const inSec = Number(pin.expiresIn);
  return Date.now() + (Number.isFinite(inSec) && inSec > 0 ? inSec * 1000 : 900_000);
}

function parsePin(data: unknown): Pin {
  const pin = asObject(data);
  const id = Number(pin.id);
  const code = toText(pin.code);
  if (!Number.isFinite(id) || !code) throw new ButlerError('BAD_RESPONSE', 'plex.tv answered the PIN request without an id or code');
  return { id, code, expiresAt: expiry(pin), authToken: toText(pin.authToken) };
}

function parseConnection(v: unknown): PlexConnection | undefined {
  const c = asObject(v);
  const uri = toText(c.uri);
  if (!/^https?:\/\//i.test(uri)) return undefined;
  return { uri, protocol: toText(c.protocol) || uri.split(':')[0], address: toText(c.address), port: Number(c.port) || 0, local: toBool(c.local, false), relay: toBool(c.relay, false) };
}

/** The servers among plex.tv's resources; players and other devices are left out. */
function parseServers(data: unknown): PlexServer[] {
  if (!Array.isArray(data)) throw new ButlerError('BAD_RESPONSE', 'plex.tv answered the resources request without a list');
  return data
    .map(asObject)
    .filter((d) => toText(d.provides).split(',').map((p) => p.trim()).includes('server'))
    .map((d) => ({
      name: toText(d.name) || toText(d.clientIdentifier) || '?',
      version: toText(d.productVersion),
      clientIdentifier: toText(d.clientIdentifier),
      owned: toBool(d.owned, false),
      accessToken: toText(d.accessToken),
      connections: (Array.isArray(d.connections) ? d.connections : []).map(parseConnection).filter((c): c is PlexConnection => c !== undefined),
    }));
}

/** The order the best clients try connections in: local, remote, relay; https plex.direct before http. */
function connectionRank(c: PlexConnection): number {
  const place = c.relay ? 2 : c.local ? 0 : 1;
  let scheme = 2;
  if (/^https:/i.test(c.uri)) scheme = /\.plex\.direct(:\d+)?(\/|$)/i.test(c.uri) ? 0 : 1;
  return place * 3 + scheme;
}

export function rankConnections(list: PlexConnection[]): PlexConnection[] {
  return list
    .map((c, i) => ({ c, i }))
    .sort((a, b) => connectionRank(a.c) - connectionRank(b.c) || a.i - b.i)
    .map((x) => x.c);
}

/** The auth page address with clientID, code and the product the owner sees. */
export function authPageUrl(authUrl: string, clientId: string, code: string): string {
  const q = new URLSearchParams();
  q.set('clientID', clientId);
  q.set('code', code);
  q.set('context[device][product]', PRODUCT);
  return `${authUrl.replace(/[#?].*$/, '')}#?${q.toString()}`;
}

export class PlexTvClient {
  private readonly http: AxiosInstance;

  constructor(options: PlexTvOptions) {
    this.http = axios.create({
      baseURL: (options.baseUrl ?? DEFAULT_PLEX_TV_URL).replace(/\/+$/, ''),
      timeout: options.timeout ?? 10000,
      maxContentLength: 4 << 20,
      validateStatus: () => true,
      proxy: false,
      headers: {
        Accept: 'application/json',
        'X-Plex-Client-Identifier': options.clientId,
        'X-Plex-Product': PRODUCT,
        'X-Plex-Version': VERSION,
        'X-Plex-Device': 'Node-RED',
        'X-Plex-Device-Name': `Node-RED on ${os.hostname()}`,
        'X-Plex-Platform': 'Node.js',
      },
    });
  }

  private async call(method: 'GET' | 'POST', path: string, token?: string, signal?: AbortSignal): Promise<{ status: number; data: unknown }> {
    try {
      const res = await this.http.request({ method, url: path, headers: token ? { 'X-Plex-Token': token } : {}, signal });
      if (res.status === 429) throw new RateLimitedError();
      return { status: res.status, data: res.data };
    } catch (err) {
      if (err instanceof ButlerError) throw err;
      throw transportFailure(err, this.http.defaults.baseURL ?? 'plex.tv').error;
    }
  }

  /** Asks for a new PIN; `signal` ends the request (the dialog that asked has gone). */
  async createPin(signal?: AbortSignal): Promise<Pin> {
    const res = await this.call('POST', '/api/v2/pins?strong=true', undefined, signal);
    if (res.status !== 201 && res.status !== 200) throw new ButlerError('SERVER_ERROR', `plex.tv refused to start a sign-in (${res.status})`, { statusCode: res.status });
    return parsePin(res.data);
  }

  async checkPin(id: number): Promise<Pin> {
    const res = await this.call('GET', `/api/v2/pins/${encodeURIComponent(String(id))}`);
    if (res.status === 404) throw new PinGoneError();
    if (res.status !== 200) throw new ButlerError('SERVER_ERROR', `plex.tv answered ${res.status} to the sign-in check`, { statusCode: res.status });
    return parsePin(res.data);
  }

  async servers(accountToken: string): Promise<PlexServer[]> {
    const res = await this.call('GET', '/api/v2/resources?includeHttps=1&includeRelay=1', accountToken);
    if (res.status === 401) throw new ButlerError('UNAUTHORIZED', 'plex.tv refused the account token (401)', { statusCode: 401 });
    if (res.status !== 200) throw new ButlerError('SERVER_ERROR', `plex.tv answered ${res.status} to the server list`, { statusCode: res.status });
    return parseServers(res.data);
  }
}

export interface ProbeResult {
  uri: string;
  local: boolean;
  relay: boolean;
  reachable: boolean;
  /** The token was refused (401/403): the address answers, the Butler will not. */
  refused: boolean;
  ms: number;
  code?: string;
  message?: string;
}

/** Tries one connection with an authenticated Butler request (GET /butler). */
async function probeConnection(c: PlexConnection, token: string, timeout: number): Promise<ProbeResult> {
  const started = Date.now();
  const client = new ButlerClient({ url: c.uri, token: token || 'none', timeout, verifyTls: true, retries: 0 });
  const base = { uri: c.uri, local: c.local, relay: c.relay };
  try {
    await client.listTasks();
    return { ...base, reachable: true, refused: false, ms: Date.now() - started };
  } catch (err) {
    const e = err instanceof ButlerError ? err : new ButlerError('UNREACHABLE', 'connection failed');
    const refused = e.code === 'UNAUTHORIZED';
    return { ...base, reachable: refused, refused, ms: Date.now() - started, code: e.code, message: e.message };
  } finally {
    client.close();
  }
}

/** Every connection of a server in rank order, all tried at once. */
export function probeServer(server: PlexServer, timeout = 3000): Promise<ProbeResult[]> {
  return Promise.all(rankConnections(server.connections).map((c) => probeConnection(c, server.accessToken, timeout)));
}
