// Admin endpoints of the server dialog's "Sign in with Plex" and "Find servers" buttons.
// The editor polls a random handle of ours; the runtime polls plex.tv. Tokens are held only until
// the dialog received the server list, and are never logged.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { ButlerError } from '../lib/errors';
import { DEFAULT_GDM_ADDRESS, DEFAULT_GDM_PORT, discoverServers } from '../lib/gdm';
import { authPageUrl, DEFAULT_AUTH_URL, DEFAULT_PLEX_TV_URL, PinGoneError, PlexServer, PlexTvClient, probeServer, ProbeResult, RateLimitedError } from '../lib/plextv';
import { asButlerError, plexButlerSection } from './shared';
import { failureBody } from './server-admin';

/** The `plexButler` section of Node-RED's settings.js. */
export interface PlexButlerSettings {
  plexTvUrl: string;
  authUrl: string;
  gdmAddress: string;
  gdmPort: number;
}

/** A server as the dialog lists it; `token` only for a server the account owns. */
export interface ServerChoice {
  name: string;
  version: string;
  owned: boolean;
  clientIdentifier: string;
  token?: string;
  connections: ProbeResult[];
}

type SignInState = 'waiting' | 'listing' | 'done' | 'expired' | 'gone' | 'failed';

interface SignIn {
  handle: string;
  pinId: number;
  expiresAt: number;
  state: SignInState;
  lastSeen: number;
  delay: number;
  timer?: NodeJS.Timeout;
  warning?: string;
  error?: ButlerError;
  servers?: ServerChoice[];
}

const POLL_MS = 1000;
const MAX_POLL_MS = 8000;
/** The editor polls every second; a sign-in nobody asks about for this long is dropped. */
const ABANDONED_MS = 30_000;
const MAX_SIGN_INS = 8;
/** plex.tv's clock and ours differ: a PIN forgotten this close to its expiry counts as expired, not refused. */
const EXPIRY_MARGIN_MS = 5000;
const PROBE_TIMEOUT_MS = 3000;
const CLIENT_ID_FILE = '.plex-butler-client-id';

function readSettings(RED: NodeAPI): PlexButlerSettings {
  const s = plexButlerSection(RED);
  const text = (v: unknown, dflt: string): string => (typeof v === 'string' && v.trim() ? v.trim() : dflt);
  const port = Number(s.gdmPort);
  return {
    plexTvUrl: text(s.plexTvUrl, DEFAULT_PLEX_TV_URL),
    authUrl: text(s.authUrl, DEFAULT_AUTH_URL),
    gdmAddress: text(s.gdmAddress, DEFAULT_GDM_ADDRESS),
    gdmPort: Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_GDM_PORT,
  };
}

/** One client identifier per Node-RED instance, kept in the userDir (in memory if it cannot be). */
function clientIdentifier(RED: NodeAPI): () => string {
  let id: string | undefined;
  return () => {
    if (id) return id;
    const dir = (RED.settings as unknown as { userDir?: unknown }).userDir;
    const file = typeof dir === 'string' && dir ? path.join(dir, CLIENT_ID_FILE) : '';
    try {
      const stored = file ? fs.readFileSync(file, 'utf8').trim() : '';
      if (/^[\w-]{8,64}$/.test(stored)) return (id = stored);
    } catch {
      // none yet
    }
    id = `node-red-plex-butler-${randomUUID()}`;
    try {
      if (file) fs.writeFileSync(file, `${id}\n`, { mode: 0o600 });
    } catch {
      // read-only userDir: this identifier lasts until Node-RED restarts
    }
    return id;
  };
}

async function listServers(plexTv: PlexTvClient, accountToken: string): Promise<ServerChoice[]> {
  const servers: PlexServer[] = await plexTv.servers(accountToken);
  return Promise.all(
    servers.map(async (s) => ({
      name: s.name,
      version: s.version,
      owned: s.owned,
      clientIdentifier: s.clientIdentifier,
      ...(s.owned && s.accessToken ? { token: s.accessToken } : {}),
      connections: await probeServer(s, PROBE_TIMEOUT_MS),
    })),
  );
}

function text(body: unknown, key: string): string {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : '';
}

function fail(res: Response, err: unknown): void {
  res.json(failureBody(err));
}

class SignIns {
  private readonly all = new Map<string, SignIn>();

  constructor(private readonly plexTv: () => PlexTvClient) {}

  get size(): number {
    this.sweep();
    return this.all.size;
  }

  add(pinId: number, expiresAt: number): SignIn {
    const s: SignIn = { handle: randomBytes(18).toString('base64url'), pinId, expiresAt, state: 'waiting', lastSeen: Date.now(), delay: POLL_MS };
    this.all.set(s.handle, s);
    this.schedule(s);
    return s;
  }

  get(handle: string): SignIn | undefined {
    this.sweep();
    const s = this.all.get(handle);
    if (s) s.lastSeen = Date.now();
    return s;
  }

  drop(handle: string): void {
    const s = this.all.get(handle);
    if (s) clearTimeout(s.timer);
    this.all.delete(handle);
  }

  private sweep(): void {
    for (const s of this.all.values()) if (Date.now() - s.lastSeen > ABANDONED_MS) this.drop(s.handle);
  }

  private schedule(s: SignIn): void {
    s.timer = setTimeout(() => void this.check(s), s.delay);
    s.timer.unref();
  }

  private async check(s: SignIn): Promise<void> {
    if (this.all.get(s.handle) !== s) return;
    if (Date.now() - s.lastSeen > ABANDONED_MS) return this.drop(s.handle);
    if (Date.now() >= s.expiresAt) {
      s.state = 'expired';
      return;
    }
    try {
      const pin = await this.plexTv().checkPin(s.pinId);
      s.warning = undefined;
      s.delay = POLL_MS;
      if (pin.authToken) return void (await this.linked(s, pin.authToken));
    } catch (err) {
      if (err instanceof PinGoneError) {
        // plex.tv forgets a PIN its owner denied; near its expiry, a forgotten PIN may just have expired.
        const refused = s.expiresAt - Date.now() > EXPIRY_MARGIN_MS;
        s.state = refused ? 'gone' : 'expired';
        s.error = refused ? new ButlerError('NOT_CONFIGURED', 'Access was refused on the plex.tv page: start again to sign in', { statusCode: 404 }) : err;
        return;
      }
      // 429 and network trouble: say so, wait longer, keep trying until the PIN expires.
      s.warning = asButlerError(err).message;
      s.delay = err instanceof RateLimitedError ? Math.min(MAX_POLL_MS, s.delay * 2) : Math.min(MAX_POLL_MS, s.delay + POLL_MS);
    }
    if (this.all.get(s.handle) === s) this.schedule(s);
  }

  private async linked(s: SignIn, accountToken: string): Promise<void> {
    s.state = 'listing';
    try {
      s.servers = await listServers(this.plexTv(), accountToken);
      s.state = 'done';
    } catch (err) {
      s.state = 'failed';
      s.error = asButlerError(err);
    }
  }
}

/** The reply to a status poll; a finished sign-in is forgotten once its answer is sent. */
function statusReply(signIns: SignIns, s: SignIn | undefined): Record<string, unknown> {
  if (!s) return { ok: false, state: 'unknown', code: 'NOT_CONFIGURED', message: 'This sign-in is over or unknown: start again' };
  if (s.state === 'waiting' || s.state === 'listing') {
    return { ok: true, state: s.state, expiresAt: new Date(s.expiresAt).toISOString(), ...(s.warning ? { warning: s.warning } : {}) };
  }
  signIns.drop(s.handle);
  if (s.state === 'done') return { ok: true, state: 'done', servers: s.servers ?? [] };
  if (s.state === 'expired') return { ok: false, state: 'expired', code: 'TIMEOUT', message: 'The sign-in code expired before it was allowed: start again' };
  return { ...failureBody(s.error ?? new ButlerError('SERVER_ERROR', 'The sign-in failed')), state: s.state };
}

/** Registers the sign-in and discovery routes, guarded by plex-butler-server.write. */
export function registerSignInAdmin(RED: NodeAPI): void {
  const guard = RED.auth.needsPermission('plex-butler-server.write');
  const clientId = clientIdentifier(RED);
  const plexTv = (): PlexTvClient => new PlexTvClient({ baseUrl: readSettings(RED).plexTvUrl, clientId: clientId(), timeout: 10000 });
  const signIns = new SignIns(plexTv);

  RED.httpAdmin.post('/plex-butler/signin', guard, (_req: Request, res: Response) => {
    if (signIns.size >= MAX_SIGN_INS) return fail(res, new ButlerError('QUEUE_FULL', 'Too many sign-ins are open: finish or cancel one first'));
    plexTv()
      .createPin()
      .then((pin) => {
        const s = signIns.add(pin.id, pin.expiresAt);
        res.json({ ok: true, handle: s.handle, authUrl: authPageUrl(readSettings(RED).authUrl, clientId(), pin.code), expiresAt: new Date(pin.expiresAt).toISOString() });
      })
      .catch((err: unknown) => fail(res, err));
  });

  RED.httpAdmin.post('/plex-butler/signin/status', guard, (req: Request, res: Response) => {
    res.json(statusReply(signIns, signIns.get(text(req.body, 'handle'))));
  });

  RED.httpAdmin.post('/plex-butler/signin/cancel', guard, (req: Request, res: Response) => {
    signIns.drop(text(req.body, 'handle'));
    res.json({ ok: true });
  });

  RED.httpAdmin.post('/plex-butler/discover', guard, (_req: Request, res: Response) => {
    const { gdmAddress, gdmPort } = readSettings(RED);
    discoverServers({ address: gdmAddress, port: gdmPort })
      .then((r) => res.json({ ok: true, ms: r.ms, servers: r.servers.map((s) => ({ name: s.name, version: s.version, url: s.url, resourceIdentifier: s.resourceIdentifier })) }))
      .catch((err: unknown) => fail(res, new ButlerError('UNREACHABLE', `Discovery failed: ${asButlerError(err).message}`)));
  });
}
