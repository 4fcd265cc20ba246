// Admin endpoints of the server dialog's "Sign in with Plex" and "Find servers" buttons.
// The editor polls a random handle of ours; the runtime polls plex.tv. Tokens are held only until
// the dialog received the server list, or for `signInAbandonMs` (30 s) if it never asks, and are
// never logged.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import { ButlerError } from '../lib/common/errors';
import { discoverServers } from '../lib/setup/gdm';
import { authPageUrl, PinGoneError, PlexServer, PlexTvClient, probeServer, ProbeResult, RateLimitedError } from '../lib/setup/plextv';
import { asButlerError } from './error-output';
import { signInSettings } from './runtime-settings';
import { adminPost, failureBody, replyFailure } from './admin-reply';

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
/** Sign-ins open at once, those whose PIN is still being created included. */
const MAX_SIGN_INS = 8;
/** plex.tv's clock and ours differ: a PIN forgotten this close to its expiry counts as expired, not refused. */
const EXPIRY_MARGIN_MS = 5000;
const PROBE_TIMEOUT_MS = 3000;
const CLIENT_ID_FILE = '.plex-butler-client-id';

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

/**
 * The sign-ins in progress. Every one has a timer while it is held: the next check of plex.tv while
 * waiting, and once finished the drop of its result (the servers' tokens) if nobody reads it.
 */
export class SignIns {
  private readonly all = new Map<string, SignIn>();
  /** Requests whose PIN is still being created: they hold a place under MAX_SIGN_INS. */
  private creating = 0;

  constructor(
    private readonly plexTv: () => PlexTvClient,
    private readonly abandonMs: () => number,
  ) {}

  /** Sign-ins held in memory now (without dropping the abandoned ones first). */
  get count(): number {
    return this.all.size;
  }

  /** Takes a place for a new sign-in, synchronously, or false when all are taken. */
  reserve(): boolean {
    this.sweep();
    if (this.all.size + this.creating >= MAX_SIGN_INS) return false;
    this.creating++;
    return true;
  }

  /** Gives back a place taken by reserve() (after add(), or when the PIN never came). */
  release(): void {
    this.creating--;
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

  private held(s: SignIn): boolean {
    return this.all.get(s.handle) === s;
  }

  private abandoned(s: SignIn): boolean {
    return Date.now() - s.lastSeen > this.abandonMs();
  }

  private sweep(): void {
    for (const s of this.all.values()) if (this.abandoned(s)) this.drop(s.handle);
  }

  private schedule(s: SignIn): void {
    s.timer = setTimeout(() => void this.check(s), s.delay);
    s.timer.unref();
  }

  /** Ends a sign-in; its result is dropped unread after `abandonMs`. */
  private settle(s: SignIn, state: SignInState, error?: ButlerError): void {
    if (!this.held(s)) return;
    s.state = state;
    s.error = error;
    clearTimeout(s.timer);
    s.timer = setTimeout(() => this.drop(s.handle), this.abandonMs());
    s.timer.unref();
  }

  private async check(s: SignIn): Promise<void> {
    if (!this.held(s)) return;
    if (this.abandoned(s)) return this.drop(s.handle);
    if (Date.now() >= s.expiresAt) return this.settle(s, 'expired');
    try {
      const pin = await this.plexTv().checkPin(s.pinId);
      if (!this.held(s)) return; // cancelled while plex.tv answered
      s.warning = undefined;
      s.delay = POLL_MS;
      if (pin.authToken) return void (await this.linked(s, pin.authToken));
    } catch (err) {
      if (err instanceof PinGoneError) {
        // plex.tv forgets a PIN its owner denied; near its expiry, a forgotten PIN may just have expired.
        const refused = s.expiresAt - Date.now() > EXPIRY_MARGIN_MS;
        if (!refused) return this.settle(s, 'expired', err);
        return this.settle(s, 'gone', new ButlerError('NOT_CONFIGURED', 'Access was refused on the plex.tv page: start again to sign in', { statusCode: 404 }));
      }
      // 429 and network trouble: say so, wait longer, keep trying until the PIN expires.
      s.warning = asButlerError(err).message;
      s.delay = err instanceof RateLimitedError ? Math.min(MAX_POLL_MS, s.delay * 2) : Math.min(MAX_POLL_MS, s.delay + POLL_MS);
    }
    if (this.held(s)) this.schedule(s);
  }

  private async linked(s: SignIn, accountToken: string): Promise<void> {
    s.state = 'listing';
    try {
      const servers = await listServers(this.plexTv(), accountToken);
      if (this.held(s)) s.servers = servers;
      this.settle(s, 'done');
    } catch (err) {
      this.settle(s, 'failed', asButlerError(err));
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
  const clientId = clientIdentifier(RED);
  const plexTv = (): PlexTvClient => new PlexTvClient({ baseUrl: signInSettings(RED).plexTvUrl, clientId: clientId(), timeout: 10000 });
  const signIns = new SignIns(plexTv, () => signInSettings(RED).signInAbandonMs);

  adminPost(RED, '/plex-butler/signin', (_req: Request, res: Response) => {
    // The place is taken before the await, so requests at once cannot all pass the limit.
    if (!signIns.reserve()) return replyFailure(res, new ButlerError('QUEUE_FULL', 'Too many sign-ins are open: finish or cancel one first'));
    // The dialog cancelled (or closed) while the PIN was being created: stop asking plex.tv.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    plexTv()
      .createPin(gone.signal)
      .then((pin) => {
        if (gone.signal.aborted) return;
        const s = signIns.add(pin.id, pin.expiresAt);
        res.json({ ok: true, handle: s.handle, authUrl: authPageUrl(signInSettings(RED).authUrl, clientId(), pin.code), expiresAt: new Date(pin.expiresAt).toISOString() });
      })
      .catch((err: unknown) => {
        if (!gone.signal.aborted) replyFailure(res, err);
      })
      .finally(() => signIns.release());
  });

  adminPost(RED, '/plex-butler/signin/status', (req: Request, res: Response) => {
    res.json(statusReply(signIns, signIns.get(text(req.body, 'handle'))));
  });

  adminPost(RED, '/plex-butler/signin/cancel', (req: Request, res: Response) => {
    signIns.drop(text(req.body, 'handle'));
    res.json({ ok: true });
  });

  adminPost(RED, '/plex-butler/discover', (_req: Request, res: Response) => {
    const { gdmAddress, gdmPort } = signInSettings(RED);
    discoverServers({ address: gdmAddress, port: gdmPort })
      .then((r) => res.json({ ok: true, ms: r.ms, servers: r.servers.map((s) => ({ name: s.name, version: s.version, url: s.url, resourceIdentifier: s.resourceIdentifier })) }))
      .catch((err: unknown) => replyFailure(res, new ButlerError('UNREACHABLE', `Discovery failed: ${asButlerError(err).message}`)));
  });
}
