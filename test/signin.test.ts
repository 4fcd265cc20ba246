// Sign in with Plex and Find servers: the admin routes against a fake plex.tv, real simulators,
// a bad-certificate server and a fake GDM responder, all on 127.0.0.1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverServers, parseGdmAnswer } from '../lib/setup/gdm';
import { authPageUrl, PinGoneError, PlexConnection, PlexTvClient, ProbeResult, rankConnections, RateLimitedError } from '../lib/setup/plextv';
import { PRODUCT, VERSION } from '../lib/common/product';
import { FakePlexTv, startFakePlexTv } from '../sim/plextv';
import { FakeGdm, gdmAnswerText, startFakeGdm } from '../sim/gdm';
import { ButlerSimulator, startSimulator } from '../sim/simulator';
import { absentUrl, forward, SwitchServer } from './fault-servers';
import { SignIns } from '../nodes/signin-admin';
import { ALL_NODES, eventually, FlowNode, helper, sleep } from './helpers';
import { makeCerts, Certs, TlsServer } from './tls';

type Reply = Record<string, unknown>;

/** helper.settings() with our section (the @types package does not know it). */
function useSettings(s: Record<string, unknown>): void {
  helper.settings(s as Parameters<typeof helper.settings>[0]);
}

/** A connection as the status reply shows it (the probe's result). */
type ConnectionView = ProbeResult;
interface ServerView {
  name: string;
  owned: boolean;
  version: string;
  token?: string;
  connections: ConnectionView[];
}

async function post(route: string, body: object = {}): Promise<Reply> {
  return (await helper.request().post(route).send(body).expect(200)).body as Reply;
}

/** Polls the status route the way the editor does, until the sign-in is no longer waiting. */
async function pollUntilOver(handle: string, ms = 15000): Promise<{ last: Reply; seen: Reply[] }> {
  const seen: Reply[] = [];
  const end = Date.now() + ms;
  for (;;) {
    const r = await post('/plex-butler/signin/status', { handle });
    seen.push(r);
    if (!(r.ok === true && (r.state === 'waiting' || r.state === 'listing'))) return { last: r, seen };
    if (Date.now() > end) throw new Error(`sign-in still ${String(r.state)} after ${ms} ms`);
    await sleep(200);
  }
}

function codeOf(authUrl: string): string {
  return new URLSearchParams(authUrl.split('#?')[1]).get('code') ?? '';
}

describe('Sign in with Plex and Find servers', function () {
  this.timeout(20000);
  let plexTv: FakePlexTv;
  let owned: ButlerSimulator;
  let relay: ButlerSimulator;
  let shared: ButlerSimulator;
  let badCert: TlsServer;
  let certs: Certs;
  let gdm: FakeGdm;
  let userDir = '';
  let dead = '';
  const logged: string[] = [];
  const originals = { log: console.log, warn: console.warn, error: console.error };

  before(async () => {
    certs = makeCerts();
    // Both real connections answer after 700 ms: tested one after the other they would take 1.4 s.
    owned = await startSimulator({ latencyMs: 700 });
    relay = await startSimulator({ token: owned.token, latencyMs: 700 });
    shared = await startSimulator({ sharedToken: 'shared-user-token-0123' });
    badCert = new TlsServer(owned.url, certs.wrongHost);
    await badCert.listen();
    dead = await absentUrl();
    plexTv = await startFakePlexTv({
      servers: [
        {
          name: 'Home',
          owned: true,
          accessToken: owned.token,
          version: '1.41.3.9314-a0bfb8370',
          connections: [
            { uri: relay.url, local: false, relay: true },
            { uri: dead, local: false },
            { uri: owned.url, local: true },
            { uri: badCert.url, local: true },
          ],
        },
        { name: 'Friend', owned: false, accessToken: 'shared-user-token-0123', connections: [{ uri: shared.url, local: false }] },
      ],
    });
    gdm = await startFakeGdm({
      servers: [
        { name: 'Den: upstairs', port: 32400, resourceIdentifier: 'aaa111', version: '1.41.0', extra: { Host: 'den.local:32400' } },
        { name: 'Office', port: 32401, resourceIdentifier: 'bbb222' },
      ],
      copies: 3,
      garbage: true,
      gapMs: 30,
    });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-signin-'));
    await (helper.startServer as unknown as () => Promise<void>)();
  });

  after(async () => {
    await new Promise<void>((r) => helper.stopServer(() => r()));
    helper.settings({});
    await Promise.all([plexTv.close(), owned.close(), relay.close(), shared.close(), badCert.close(), gdm.close()]);
    certs.remove();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    plexTv.rateLimit = 0;
    plexTv.pinLifetimeMs = 900_000;
    useSettings({ userDir, plexButler: { plexTvUrl: plexTv.url, authUrl: plexTv.authUrl, gdmAddress: '127.0.0.1', gdmPort: gdm.port } });
    const flow: FlowNode[] = [{ id: 's1', type: 'plex-butler-server', name: '', url: owned.url, timeout: 2000, verifyTls: true }];
    await helper.load(ALL_NODES, flow, {});
    logged.length = 0;
    const keep = (...args: unknown[]): void => void logged.push(args.map(String).join(' '));
    console.log = keep;
    console.warn = keep;
    console.error = keep;
  });

  afterEach(async () => {
    Object.assign(console, originals);
    await helper.unload();
  });

  describe('the PIN flow', () => {
    it('linked: Allow lists the servers, owned with its token, shared without, connections ranked and tested in parallel', async () => {
      const start = await post('/plex-butler/signin');
      assert.equal(start.ok, true, JSON.stringify(start));
      const authUrl = String(start.authUrl);
      assert.ok(authUrl.startsWith(`${plexTv.authUrl}#?clientID=`), authUrl);
      assert.ok(authUrl.includes(`context%5Bdevice%5D%5Bproduct%5D=${PRODUCT}`), authUrl);
      const handle = String(start.handle);
      assert.ok(handle.length >= 20);

      const create = plexTv.requests.find((r) => r.method === 'POST' && r.url === '/api/v2/pins?strong=true');
      assert.ok(create, 'a strong PIN was asked for');
      assert.equal(create.headers['x-plex-product'], PRODUCT);
      assert.equal(create.headers['x-plex-version'], VERSION);
      assert.equal(create.headers.accept, 'application/json');
      assert.match(String(create.headers['x-plex-device-name']), /Node-RED/);
      const clientId = String(create.headers['x-plex-client-identifier']);
      assert.ok(authUrl.includes(`clientID=${encodeURIComponent(clientId)}`));
      const pinId = /\/api\/v2\/pins\/(\d+)/.exec(plexTv.requests.map((r) => r.url).join(' '));
      assert.ok(!pinId || !handle.includes(pinId[1]), 'the handle is not the PIN id');

      const waiting = await post('/plex-butler/signin/status', { handle });
      assert.equal(waiting.state, 'waiting');
      await sleep(1200);
      assert.ok(plexTv.requests.some((r) => r.method === 'GET' && /^\/api\/v2\/pins\/\d+$/.test(r.url)), 'the runtime polls plex.tv');
      assert.ok(plexTv.allow(codeOf(authUrl)));
      const allowedAt = Date.now();
      const { last, seen } = await pollUntilOver(handle);
      const listedMs = Date.now() - allowedAt;
      assert.equal(last.state, 'done', JSON.stringify(last));

      const servers = last.servers as ServerView[];
      assert.deepEqual(servers.map((s) => [s.name, s.owned]), [['Home', true], ['Friend', false]]);
      const [home, friend] = servers;
      assert.equal(home.token, owned.token);
      assert.equal(home.version, '1.41.3.9314-a0bfb8370');
      assert.equal(friend.token, undefined, 'a shared server is listed without a token');
      assert.deepEqual(home.connections.map((c) => c.uri), [badCert.url, owned.url, dead, relay.url], 'local https, local http, remote, relay');
      assert.deepEqual(home.connections.map((c) => [c.reachable, c.code ?? 'ok']), [[false, 'TLS'], [true, 'ok'], [false, 'UNREACHABLE'], [true, 'ok']]);
      assert.ok(home.connections[1].ms >= 650, 'latency measured');
      // 1 s poll interval + 0.7 s probes in parallel; one after the other would be ≥ 1.4 s of probing alone.
      assert.ok(listedMs < 1000 + 1350, `servers listed ${listedMs} ms after Allow`);
      assert.deepEqual(friend.connections.map((c) => [c.reachable, c.refused]), [[true, true]], 'the shared server refuses the Butler (403)');

      // Probes used each server's own token against /butler, never the account token.
      assert.ok(owned.requests.some((r) => r.url === '/butler' && r.headers['x-plex-token'] === owned.token));
      for (const sim of [owned, relay, shared]) assert.ok(!sim.requests.some((r) => r.headers['x-plex-token'] === plexTv.accountToken));
      const resources = plexTv.requests.find((r) => r.url === '/api/v2/resources?includeHttps=1&includeRelay=1');
      assert.ok(resources && resources.headers['x-plex-token'] === plexTv.accountToken);

      // The sign-in is gone once the servers were handed over; no token before that, nor in the log.
      assert.equal((await post('/plex-butler/signin/status', { handle })).state, 'unknown');
      for (const r of seen.slice(0, -1)) assert.ok(!JSON.stringify(r).includes(owned.token));
      for (const secret of [plexTv.accountToken, owned.token]) {
        assert.ok(!JSON.stringify(seen).includes(plexTv.accountToken));
        assert.ok(!logged.join('\n').includes(secret), 'a token in the log');
      }
      console.info(`      (servers listed ${listedMs} ms after Allow)`);
    });

    it('denied: plex.tv forgets the PIN (404) long before it expires: the dialog is told access was refused', async () => {
      const start = await post('/plex-butler/signin');
      assert.ok(plexTv.deny(codeOf(String(start.authUrl))));
      const { last } = await pollUntilOver(String(start.handle));
      assert.equal(last.ok, false);
      assert.equal(last.state, 'gone');
      assert.equal(last.statusCode, 404);
      assert.match(String(last.message), /^Access was refused on the plex\.tv page/);
    });

    it('a PIN plex.tv forgets within seconds of its expiry counts as expired, not refused', async () => {
      plexTv.pinLifetimeMs = 4000;
      const start = await post('/plex-butler/signin');
      assert.ok(plexTv.deny(codeOf(String(start.authUrl))));
      const { last } = await pollUntilOver(String(start.handle));
      assert.equal(last.state, 'expired');
      assert.doesNotMatch(String(last.message), /refused/);
    });

    it('expired: the runtime reads expiresAt and stops', async () => {
      plexTv.pinLifetimeMs = 1500;
      const start = await post('/plex-butler/signin');
      assert.ok(Date.parse(String(start.expiresAt)) - Date.now() < 1600);
      const { last } = await pollUntilOver(String(start.handle));
      assert.equal(last.state, 'expired');
      assert.equal(last.code, 'TIMEOUT');
    });

    it('429: a warning while waiting, slower polling, and the sign-in still completes', async () => {
      const start = await post('/plex-butler/signin');
      plexTv.rateLimit = 2;
      await sleep(1300);
      const warned = await post('/plex-butler/signin/status', { handle: start.handle });
      assert.equal(warned.state, 'waiting');
      assert.match(String(warned.warning), /429/);
      plexTv.allow(codeOf(String(start.authUrl)));
      const { last } = await pollUntilOver(String(start.handle));
      assert.equal(last.state, 'done');
    });

    it('429 or no plex.tv when starting: a clear message', async () => {
      plexTv.rateLimit = 1;
      const limited = await post('/plex-butler/signin');
      assert.equal(limited.ok, false);
      assert.equal(limited.statusCode, 429);
      await helper.unload();
      useSettings({ userDir, plexButler: { plexTvUrl: await absentUrl() } });
      await helper.load(ALL_NODES, [], {});
      const down = await post('/plex-butler/signin');
      assert.equal(down.ok, false);
      assert.equal(down.code, 'UNREACHABLE');
      assert.match(String(down.message), /Cannot reach/);
    });

    it('cancel (button or popup closed): the runtime stops polling plex.tv and forgets the handle', async () => {
      const start = await post('/plex-butler/signin');
      await sleep(1100);
      assert.deepEqual(await post('/plex-butler/signin/cancel', { handle: start.handle }), { ok: true });
      await sleep(300); // a check already on its way may still arrive
      const polls = (): number => plexTv.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/api/v2/pins/')).length;
      const before = polls();
      await sleep(1500);
      assert.equal(polls(), before, 'no more polls after cancel');
      const after = await post('/plex-butler/signin/status', { handle: start.handle });
      assert.equal(after.state, 'unknown');
      assert.equal((await post('/plex-butler/signin/status', { handle: 'made-up' })).state, 'unknown');
    });

    describe('while the PIN is being created (plex.tv slow to answer)', () => {
      let slow: SwitchServer;
      /** PIN creations the slow plex.tv saw dropped by the runtime before it answered. */
      let dropped = 0;

      beforeEach(async () => {
        slow = new SwitchServer(plexTv.url);
        await slow.start();
        dropped = 0;
        // POST /api/v2/pins waits 800 ms before it reaches the fake plex.tv; the rest goes at once.
        await slow.set({
          kind: 'custom',
          handle: (req, res) => {
            if (req.method !== 'POST') return forward(plexTv.url, req, res);
            const t = setTimeout(() => forward(plexTv.url, req, res), 800);
            res.on('close', () => {
              if (!res.writableFinished) {
                clearTimeout(t);
                dropped++;
              }
            });
          },
        });
        await helper.unload();
        useSettings({ userDir, plexButler: { plexTvUrl: slow.url, authUrl: plexTv.authUrl } });
        await helper.load(ALL_NODES, [], {});
      });

      afterEach(async () => {
        await slow.stop();
      });

      it('the limit of 8 holds for requests at once: the place is taken before plex.tv answers', async () => {
        const replies = await Promise.all(Array.from({ length: 12 }, () => post('/plex-butler/signin')));
        const codes = replies.map((r) => (r.ok === true ? 'ok' : String(r.code)));
        assert.deepEqual([codes.filter((c) => c === 'ok').length, codes.filter((c) => c === 'QUEUE_FULL').length], [8, 4], codes.join());
        // A cancelled one frees its place.
        const open = replies.filter((r) => r.ok === true).map((r) => r.handle);
        await post('/plex-butler/signin/cancel', { handle: open.pop() });
        const again = await post('/plex-butler/signin');
        assert.equal(again.ok, true);
        for (const handle of [...open, again.handle]) await post('/plex-butler/signin/cancel', { handle });
      });

      it('cancel while the PIN is created: the runtime stops asking plex.tv and never polls for it', async () => {
        const posts = (): number => plexTv.requests.filter((r) => r.method === 'POST').length;
        const postsBefore = posts();
        const req = helper.request().post('/plex-butler/signin').send({});
        // The dialog gives up (its request is aborted) 300 ms into the 800 ms creation.
        await assert.rejects(req.timeout(300).then(() => undefined));
        assert.equal(await eventually(() => (dropped === 1 ? undefined : `dropped ${dropped}`), 2000), undefined);
        await sleep(1500);
        assert.equal(posts(), postsBefore, 'the creation never reached plex.tv, so there is no PIN to poll');
      });
    });

    it('a finished sign-in nobody reads is dropped with its tokens after signInAbandonMs', async () => {
      await helper.unload();
      useSettings({ userDir, plexButler: { plexTvUrl: plexTv.url, authUrl: plexTv.authUrl, signInAbandonMs: 2500 } });
      await helper.load(ALL_NODES, [], {});
      const start = await post('/plex-butler/signin');
      assert.ok(plexTv.allow(codeOf(String(start.authUrl))));
      const listed = (): boolean => plexTv.requests.some((r) => r.url.startsWith('/api/v2/resources'));
      assert.equal(await eventually(() => (listed() ? undefined : 'not listed'), 4000), undefined);
      const listedAt = Date.now();
      // Nobody asks (the dialog was closed without a cancel); 2.5 s after the list it is gone.
      await sleep(2500 + 1500);
      const late = await post('/plex-butler/signin/status', { handle: start.handle });
      assert.equal(late.state, 'unknown', `${Date.now() - listedAt} ms after the list: ${String(late.state)}`);
      assert.ok(!JSON.stringify(late).includes(owned.token));
    });

    it('the drop needs no admin call: a timer forgets the finished sign-in and its tokens', async () => {
      const signIns = new SignIns(() => new PlexTvClient({ baseUrl: plexTv.url, clientId: 'test-client-2' }), () => 1500);
      const pin = await new PlexTvClient({ baseUrl: plexTv.url, clientId: 'test-client-2' }).createPin();
      signIns.add(pin.id, pin.expiresAt);
      assert.ok(plexTv.allow(pin.code));
      const listing = (): boolean => plexTv.requests.some((r) => r.url.startsWith('/api/v2/resources'));
      assert.equal(await eventually(() => (listing() ? undefined : 'not listed'), 3000), undefined);
      assert.equal(signIns.count, 1, 'held while the servers are listed and until the bound');
      assert.equal(await eventually(() => (signIns.count === 0 ? undefined : 'still held'), 1500 + 700 + 2000, 50), undefined);
    });

    it('keeps one client identifier for this Node-RED, stored in the userDir', async () => {
      const from = plexTv.requests.length;
      for (let i = 0; i < 2; i++) await post('/plex-butler/signin/cancel', { handle: (await post('/plex-butler/signin')).handle });
      const ids = new Set(plexTv.requests.slice(from).filter((r) => r.method === 'POST').map((r) => r.headers['x-plex-client-identifier']));
      assert.equal(ids.size, 1);
      const stored = fs.readFileSync(path.join(userDir, '.plex-butler-client-id'), 'utf8').trim();
      assert.ok(ids.has(stored));
    });
  });

  describe('plex.tv client and ranking', () => {
    it('an unknown PIN is 404 (PinGoneError), 429 is RateLimitedError', async () => {
      const client = new PlexTvClient({ baseUrl: plexTv.url, clientId: 'test-client-1' });
      await assert.rejects(client.checkPin(1), PinGoneError);
      plexTv.rateLimit = 1;
      await assert.rejects(client.checkPin(1), RateLimitedError);
      await assert.rejects(client.servers('wrong'), /401/);
    });

    it('ranks local before remote before relay, https plex.direct before other https before http', () => {
      const c = (uri: string, local: boolean, relay = false): PlexConnection => ({ uri, local, relay, protocol: '', address: '', port: 0 });
      const list = [
        c('https://1-2-3-4.abc.plex.direct:8443', false, true),
        c('http://10.0.0.2:32400', true),
        c('http://5.6.7.8:32400', false),
        c('https://10.0.0.2:32400', true),
        c('https://10-0-0-2.abc.plex.direct:32400', true),
        c('https://5-6-7-8.abc.plex.direct:32400', false),
      ];
      assert.deepEqual(rankConnections(list).map((x) => x.uri), [
        'https://10-0-0-2.abc.plex.direct:32400',
        'https://10.0.0.2:32400',
        'http://10.0.0.2:32400',
        'https://5-6-7-8.abc.plex.direct:32400',
        'http://5.6.7.8:32400',
        'https://1-2-3-4.abc.plex.direct:8443',
      ]);
    });

    it('builds the auth page address with brackets percent-encoded', () => {
      const url = authPageUrl('https://app.plex.tv/auth', 'cid', 'CODE1');
      assert.equal(url, `https://app.plex.tv/auth#?clientID=cid&code=CODE1&context%5Bdevice%5D%5Bproduct%5D=${PRODUCT}`);
    });
  });

  describe('GDM discovery', () => {
    it('several servers, duplicates, a value containing ":", garbage datagrams: two servers, IP from the source address', async () => {
      const before = gdm.searches;
      const r = await discoverServers({ address: '127.0.0.1', port: gdm.port });
      assert.equal(gdm.searches, before + 1);
      assert.deepEqual(r.servers.map((s) => [s.name, s.url, s.version, s.resourceIdentifier]), [
        ['Den: upstairs', 'http://127.0.0.1:32400', '1.41.0', 'aaa111'],
        ['Office', 'http://127.0.0.1:32401', '1.41.3.9314-a0bfb8370', 'bbb222'],
      ]);
      assert.equal(r.ignored, 4, 'garbage ignored');
      // 10 datagrams 30 ms apart, then 1 s of silence.
      assert.ok(r.ms >= 1000 && r.ms < 2100, `collected in ${r.ms} ms`);
      console.info(`      (GDM collected in ${r.ms} ms)`);
    });

    it('no answer: an empty list after the total time', async () => {
      const port = Number(new URL(await absentUrl()).port);
      const r = await discoverServers({ address: '127.0.0.1', port, totalMs: 400 });
      assert.deepEqual(r.servers, []);
      assert.ok(r.ms >= 380 && r.ms < 1000);
    });

    it('parses one answer: splits each line on the first ":" only', () => {
      const text = gdmAnswerText({ name: 'A:B:C', port: 32400, resourceIdentifier: 'x1', extra: { Host: 'http://h:1' } });
      assert.equal(parseGdmAnswer(text, '192.0.2.9')?.name, 'A:B:C');
      assert.equal(parseGdmAnswer(text, '192.0.2.9')?.url, 'http://192.0.2.9:32400');
      assert.equal(parseGdmAnswer('HTTP/1.0 200 OK\r\nName: x\r\n', '1.2.3.4'), undefined);
    });

    it('the Find servers route lists the fake responder\'s servers', async () => {
      const r = await post('/plex-butler/discover');
      assert.equal(r.ok, true);
      assert.deepEqual((r.servers as Array<{ url: string }>).map((s) => s.url), ['http://127.0.0.1:32400', 'http://127.0.0.1:32401']);
    });
  });
});
