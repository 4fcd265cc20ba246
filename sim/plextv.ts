// A fake plex.tv on 127.0.0.1: PINs with expiry, resources, /api/v2/user, and an auth page with
// Allow and Deny buttons. Nothing here talks to the real plex.tv.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeConnection {
  uri: string;
  local: boolean;
  relay?: boolean;
}

export interface FakeServer {
  name: string;
  owned: boolean;
  accessToken: string;
  version?: string;
  clientIdentifier?: string;
  connections: FakeConnection[];
}

export interface FakePlexTvOptions {
  port?: number;
  /** Lifetime of a new PIN (default 900 000 ms). */
  pinLifetimeMs?: number;
  servers?: FakeServer[];
  accountToken?: string;
}

interface FakePin {
  id: number;
  code: string;
  clientIdentifier: string;
  product: string;
  createdAt: number;
  expiresAt: number;
  authToken: string | null;
}

export interface FakeRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

const AUTH_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Fake Plex sign-in</title>
<style>body{font-family:sans-serif;background:#1f1f1f;color:#eee;text-align:center;padding-top:40px}
button{font-size:18px;margin:10px;padding:10px 28px;border:0;border-radius:4px;cursor:pointer}
#allow{background:#e5a00d}#deny{background:#555;color:#eee}</style></head><body>
<h2>Fake plex.tv (simulator)</h2><p id="who"></p>
<button id="allow">Allow</button><button id="deny">Deny</button><p id="done" role="status"></p>
<script>
var q = new URLSearchParams(location.hash.replace(/^#!?\\??/, ''));
var code = q.get('code') || '';
document.getElementById('who').textContent = (q.get('context[device][product]') || '?') + ' wants to access your Plex account';
function answer(what) {
  fetch('auth/' + what, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: code, clientID: q.get('clientID') }) })
    .then(function (r) { document.getElementById('done').textContent = r.ok ? (what === 'allow' ? 'Allowed: you can close this window' : 'Denied') : 'Unknown or expired code'; });
}
document.getElementById('allow').onclick = function () { answer('allow'); };
document.getElementById('deny').onclick = function () { answer('deny'); };
</script></body></html>`;

export class FakePlexTv {
  readonly requests: FakeRequest[] = [];
  readonly accountToken: string;
  /** Answer 429 to this many API requests (Infinity: until set back to 0). */
  rateLimit = 0;
  servers: FakeServer[];
  pinLifetimeMs: number;
  private readonly pins = new Map<number, FakePin>();
  private nextId = 1000 + Math.floor(Math.random() * 1000);
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: FakePlexTvOptions = {}) {
    this.accountToken = options.accountToken ?? `acct${randomBytes(12).toString('hex')}`;
    this.servers = options.servers ?? [];
    this.pinLifetimeMs = options.pinLifetimeMs ?? 900_000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The fake auth page; opened with `#?clientID=…&code=…`. */
  get authUrl(): string {
    return `${this.url}/auth`;
  }

  start(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.options.port ?? 0, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** What the Allow button does: links the PIN with this code to the account token. */
  allow(code: string): boolean {
    const pin = this.pinByCode(code);
    if (pin) pin.authToken = this.accountToken;
    return pin !== undefined;
  }

  /** What the Deny button does: plex.tv forgets the PIN. */
  deny(code: string): boolean {
    const pin = this.pinByCode(code);
    if (pin) this.pins.delete(pin.id);
    return pin !== undefined;
  }

  /** PINs still known (not expired, not denied). */
  get openPins(): number {
    this.dropExpired();
    return this.pins.size;
  }

  private pinByCode(code: string): FakePin | undefined {
    this.dropExpired();
    return [...this.pins.values()].find((p) => p.code === code);
  }

  private dropExpired(): void {
    for (const [id, p] of this.pins) if (p.expiresAt <= Date.now()) this.pins.delete(id);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const reply = this.route(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(reply.status, { 'Content-Type': reply.type ?? 'application/json', 'Cache-Control': 'no-store' });
      res.end(reply.body);
    });
  }

  private route(req: http.IncomingMessage, body: string): { status: number; body: string; type?: string } {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/auth') return { status: 200, body: AUTH_PAGE, type: 'text/html; charset=utf-8' };
    if (req.method === 'POST' && (path === '/auth/allow' || path === '/auth/deny')) {
      const code = String((parseJson(body) as { code?: unknown }).code ?? '');
      const known = path === '/auth/allow' ? this.allow(code) : this.deny(code);
      return known ? { status: 200, body: '{}' } : apiError(404, 1020, 'Code not found or expired');
    }
    if (path.startsWith('/api/') && this.rateLimit > 0) {
      this.rateLimit--;
      return apiError(429, 1003, 'Too many requests');
    }
    return this.api(req, path);
  }

  private api(req: http.IncomingMessage, path: string): { status: number; body: string } {
    const clientId = String(req.headers['x-plex-client-identifier'] ?? '');
    const token = String(req.headers['x-plex-token'] ?? '');
    if (req.method === 'POST' && path === '/api/v2/pins') {
      if (!clientId) return apiError(400, 1000, 'X-Plex-Client-Identifier is missing');
      const now = Date.now();
      const pin: FakePin = { id: this.nextId++, code: randomBytes(13).toString('hex').slice(0, 25), clientIdentifier: clientId, product: String(req.headers['x-plex-product'] ?? ''), createdAt: now, expiresAt: now + this.pinLifetimeMs, authToken: null };
      this.pins.set(pin.id, pin);
      return { status: 201, body: JSON.stringify(pinJson(pin)) };
    }
    const pinPath = /^\/api\/v2\/pins\/(\d+)$/.exec(path);
    if (req.method === 'GET' && pinPath) {
      this.dropExpired();
      const pin = this.pins.get(Number(pinPath[1]));
      if (!pin || pin.clientIdentifier !== clientId) return apiError(404, 1020, 'Code not found or expired');
      return { status: 200, body: JSON.stringify(pinJson(pin)) };
    }
    if (req.method === 'GET' && (path === '/api/v2/user' || path === '/api/v2/resources')) {
      if (token !== this.accountToken) return apiError(401, 1001, 'User could not be authenticated');
      const data = path === '/api/v2/user' ? { id: 1, uuid: 'fake-user', username: 'simulated', title: 'Simulated user' } : this.resources();
      return { status: 200, body: JSON.stringify(data) };
    }
    return apiError(404, 1002, 'Not found');
  }

  private resources(): unknown[] {
    const servers = this.servers.map((s, i) => ({
      name: s.name,
      product: 'Plex Media Server',
      productVersion: s.version ?? '1.41.3.9314-a0bfb8370',
      platform: 'Linux',
      clientIdentifier: s.clientIdentifier ?? `fake-server-${i + 1}`,
      provides: 'server',
      owned: s.owned,
      ownerId: s.owned ? null : 4242,
      sourceTitle: s.owned ? null : 'a friend',
      accessToken: s.accessToken,
      httpsRequired: false,
      presence: true,
      connections: s.connections.map((c) => {
        const u = new URL(c.uri);
        return { protocol: u.protocol.replace(':', ''), address: u.hostname, port: Number(u.port) || 32400, uri: c.uri, local: c.local, relay: c.relay === true, IPv6: false };
      }),
    }));
    const player = { name: 'Living room TV', product: 'Plex for Android (TV)', provides: 'client,player', clientIdentifier: 'fake-player', owned: true, accessToken: null, connections: [] };
    return [player, ...servers];
  }
}

function pinJson(pin: FakePin): Record<string, unknown> {
  return {
    id: pin.id,
    code: pin.code,
    product: pin.product,
    trusted: false,
    clientIdentifier: pin.clientIdentifier,
    expiresIn: Math.max(0, Math.round((pin.expiresAt - Date.now()) / 1000)),
    createdAt: new Date(pin.createdAt).toISOString(),
    expiresAt: new Date(pin.expiresAt).toISOString(),
    authToken: pin.authToken,
    newRegistration: null,
  };
}

function apiError(status: number, code: number, message: string): { status: number; body: string } {
  return { status, body: JSON.stringify({ errors: [{ code, message, status }] }) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

export async function startFakePlexTv(options?: FakePlexTvOptions): Promise<FakePlexTv> {
  const fake = new FakePlexTv(options);
  await fake.start();
  return fake;
}
