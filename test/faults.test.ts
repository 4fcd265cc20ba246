// The fault matrix of issue 4: each fault is met by a real plex-butler-* node in Node-RED
// (or, for the TLS cases that need a trusted CA, by the client in a child process), over real
// sockets on 127.0.0.1. Each row checks the error code, the time to the error (never past the
// node's timeout plus MARGIN), the status, that the msg is kept, and that the next msg succeeds
// once the fault is gone. The measured table is printed at the end.
import assert from 'node:assert/strict';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import type { NodeMessage } from 'node-red';
import { ButlerClient } from '../lib/butler/client';
import { ButlerError } from '../lib/common/errors';
import type { ButlerErrorCode, ButlerErrorInfo } from '../lib/common/errors';
import { startSimulator, ButlerSimulator } from '../sim/simulator';
import { Behaviour, switchServer, SwitchServer } from './fault-servers';
import { helper, loadRig, Rig, sleep, startHelperServer, stopHelperServer, untimed } from './helpers';
import { makeCerts, Certs, TlsServer, TrustingClient } from './tls';

type Msg = NodeMessage & Record<string, unknown>;

/** The budget most rows give the server node; a row may set its own. */
const TIMEOUT = 1000;
/** How far past its timeout a node may answer. */
const MARGIN = 300;
const PMS_401 = '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>';
const GOOD_LIST = '{"ButlerTasks":{"ButlerTask":[{"name":"BackupDatabase","enabled":1}]}}';

interface Row {
  fault: string;
  via: string;
  code: string;
  status: string;
  ms: number;
  budget: number;
  tries: string;
  next: string;
}

interface ServerProps {
  url: string;
  timeout: number;
  verifyTls?: boolean;
}

/** What a row does once the fault is measured: heal the server, or redeploy with new settings. */
type Recovery = { heal: () => Promise<void> } | { redeploy: Partial<ServerProps> } | { none: string };

interface Fault {
  name: string;
  type?: 'plex-butler-tasks' | 'plex-butler-start' | 'plex-butler-stop';
  timeout?: number;
  code: ButlerErrorCode;
  /** Builds the fault; returns where the node points, how it recovers and how many tries the server saw. */
  setup: () => Promise<{ url: string; verifyTls?: boolean; recovery: Recovery; tries?: () => number }>;
  /** Extra checks on the error and the time it took. */
  check?: (error: ButlerErrorInfo, ms: number, tries: number | undefined) => void;
  /** Runs while the request is under way, e.g. to sample memory. */
  during?: () => () => void;
  /** Runs once the node is deployed, just before the msg is sent. */
  arm?: () => Promise<void>;
  /** A short measured note for the table. */
  note?: () => string;
}

describe('fault matrix (issue 4): time to error, status, msg kept, recovery', function () {
  this.timeout(20000);
  const rows: Row[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  let sim: ButlerSimulator;
  let certs: Certs;
  /** The slow-DNS row needs `localhost` to be 127.0.0.1 only, so that nothing else is ever dialled. */
  let localhostIsLoopback4 = false;

  before(async () => {
    const all = await dns.lookup('localhost', { all: true });
    localhostIsLoopback4 = all.length > 0 && all.every((a) => a.address === '127.0.0.1');
    await startHelperServer();
    sim = await startSimulator({ runMs: 60000 });
    certs = makeCerts();
  });
  after(async () => {
    certs.remove();
    await sim.close();
    await stopHelperServer();
    printTable(rows);
  });
  afterEach(async () => {
    await helper.unload();
    for (const c of cleanups.splice(0).reverse()) await c();
    sim.reset();
  });

  function rig(type: string, server: ServerProps): Promise<Rig> {
    const props = { url: server.url, timeout: server.timeout, verifyTls: server.verifyTls !== false };
    return loadRig(type, { server: props, token: sim.token, props: { task: 'BackupDatabase' } });
  }

  /** A port whose behaviour the row switches; `healthy` forwards to the simulator. */
  async function server(behaviour: Behaviour): Promise<SwitchServer> {
    const s = await switchServer(sim.url, behaviour);
    cleanups.push(() => s.stop());
    return s;
  }

  const heal = (s: SwitchServer): Recovery => ({ heal: () => s.set({ kind: 'healthy' }) });
  const canned = (status: number, body = '', headers: Record<string, string> = {}): Behaviour => ({ kind: 'canned', answer: { status, body, headers } });

  async function runFault(f: Fault): Promise<void> {
    const type = f.type ?? 'plex-butler-tasks';
    const timeout = f.timeout ?? TIMEOUT;
    const made = await f.setup();
    let r = await rig(type, { url: made.url, timeout, verifyTls: made.verifyTls });
    const msg = { _msgid: 'fault-1', payload: { sensor: 'door', open: true }, topic: 'nightly', extra: [1, 2, 3] };
    await f.arm?.();
    const stopSampling = f.during?.();
    const started = Date.now();
    r.node.receive(msg as Msg);
    const out = (await r.err.nth(0, timeout + 5000)) as Msg;
    const ms = Date.now() - started;
    stopSampling?.();
    const error = out.error as ButlerErrorInfo;

    assert.equal(error.code, f.code, error.message);
    assert.ok(ms <= timeout + MARGIN, `${f.name}: error after ${ms} ms, budget ${timeout} ms`);
    assert.deepEqual(untimed(r.statuses.at(-1)), { fill: 'red', shape: 'ring', text: f.code });
    assert.equal(out._msgid, 'fault-1');
    assert.deepEqual(out.payload, { sensor: 'door', open: true });
    assert.equal(out.topic, 'nightly');
    assert.deepEqual(out.extra, [1, 2, 3]);
    assert.equal(r.ok.msgs.length, 0);
    assert.ok(!JSON.stringify(error).includes(sim.token));
    const tries = made.tries?.();
    const statusText = String(r.statuses.at(-1)?.text);
    f.check?.(error, ms, tries);

    let next: string;
    const rec = made.recovery;
    if ('none' in rec) {
      next = `n/a (${rec.none})`;
    } else {
      if ('heal' in rec) {
        await rec.heal();
      } else {
        await helper.unload();
        r = await rig(type, { url: made.url, timeout, verifyTls: made.verifyTls, ...rec.redeploy });
      }
      r.node.receive({ _msgid: 'fault-2', payload: 'again' } as Msg);
      const good = (await r.ok.nth(0, timeout + 5000)) as Msg;
      assert.equal(good._msgid, 'fault-2');
      if (type === 'plex-butler-tasks') assert.ok(Array.isArray(good.payload) && good.payload.length > 0);
      else assert.equal((good.payload as { task: string }).task, 'BackupDatabase');
      assert.equal(r.statuses.at(-1)?.fill, 'green');
      next = 'heal' in rec ? 'ok' : `ok after redeploy (${Object.entries(rec.redeploy).map(([k, v]) => `${k}: ${String(v)}`).join(', ')})`;
    }
    const note = f.note ? ` [${f.note()}]` : '';
    rows.push({ fault: f.name + note, via: type, code: f.code, status: statusText, ms, budget: timeout, tries: tries === undefined ? '-' : String(tries), next });
  }

  const faults: Fault[] = [
    {
      name: 'server absent (nothing listens on the port)',
      code: 'UNREACHABLE',
      setup: async () => {
        const s = await server({ kind: 'healthy' });
        await s.stop();
        return { url: s.url, recovery: { heal: () => s.start() } };
      },
      check: (e) => assert.match(e.message, /ECONNREFUSED/),
    },
    {
      name: 'refuses (every connection reset at once)',
      code: 'UNREACHABLE',
      setup: async () => {
        const s = await server({ kind: 'refuse' });
        return { url: s.url, recovery: heal(s), tries: () => s.connections };
      },
      check: (_e, _ms, tries) => assert.ok((tries ?? 0) >= 2, 'a read is retried'),
    },
    {
      name: 'accepts and never answers',
      code: 'TIMEOUT',
      setup: async () => {
        const s = await server({ kind: 'hang' });
        return { url: s.url, recovery: heal(s), tries: () => s.connections };
      },
      check: (_e, ms) => assert.ok(ms >= TIMEOUT - 50, `TIMEOUT came early, after ${ms} ms`),
    },
    {
      name: 'answers the headers, then stalls the body',
      code: 'TIMEOUT',
      setup: async () => {
        const s = await server({ kind: 'stall-body' });
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (_e, ms, tries) => {
        assert.ok(ms >= TIMEOUT - 50);
        assert.equal(tries, 1);
      },
    },
    {
      name: 'resets mid-body',
      code: 'UNREACHABLE',
      setup: async () => {
        const s = await server({ kind: 'reset-body' });
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (_e, _ms, tries) => assert.ok((tries ?? 0) >= 2, 'a read is retried'),
    },
    {
      name: '500 without Retry-After (not retried)',
      code: 'SERVER_ERROR',
      setup: async () => {
        const s = await server(canned(500, 'Internal Server Error'));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, _ms, tries) => {
        assert.equal(e.statusCode, 500);
        assert.equal(tries, 1);
      },
    },
    {
      name: '500 with Retry-After: 1 (still not retried)',
      code: 'SERVER_ERROR',
      setup: async () => {
        const s = await server(canned(500, '', { 'Retry-After': '1' }));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, _ms, tries) => {
        assert.match(e.message, /retry after 1/);
        assert.equal(tries, 1);
      },
    },
    {
      name: '502 without Retry-After (read retried with backoff)',
      code: 'SERVER_ERROR',
      setup: async () => {
        const s = await server(canned(502, 'Bad Gateway'));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, _ms, tries) => {
        assert.equal(e.statusCode, 502);
        assert.ok((tries ?? 0) >= 2 && (tries ?? 0) <= 4, `${tries} tries`);
      },
    },
    {
      name: '502 with Retry-After: 0 (retries capped at 3)',
      code: 'SERVER_ERROR',
      setup: async () => {
        const s = await server(canned(502, '', { 'Retry-After': '0' }));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (_e, _ms, tries) => assert.equal(tries, 4),
    },
    {
      name: '503 without Retry-After (read retried with backoff)',
      code: 'SERVER_ERROR',
      setup: async () => {
        const s = await server(canned(503, 'Service Unavailable'));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, _ms, tries) => {
        assert.equal(e.statusCode, 503);
        assert.ok((tries ?? 0) >= 2 && (tries ?? 0) <= 4, `${tries} tries`);
      },
    },
    (() => {
      let s: SwitchServer;
      return {
        name: '503 with Retry-After: 1 inside the budget (waits 1 s between tries)',
        code: 'SERVER_ERROR',
        timeout: 2500,
        setup: async () => {
          s = await server(canned(503, '', { 'Retry-After': '1' }));
          return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
        },
        check: (_e, _ms, tries) => {
          assert.ok((tries ?? 0) >= 2);
          const gaps = s.requests.slice(1).map((r, i) => r.at - s.requests[i].at);
          assert.ok(gaps.every((g) => g >= 950), `gaps ${gaps.join(', ')} ms`);
        },
      } satisfies Fault;
    })(),
    {
      name: '503 with Retry-After: 120 past the budget (fails at once)',
      code: 'SERVER_ERROR',
      setup: async () => {
        const s = await server(canned(503, '', { 'Retry-After': '120' }));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, ms, tries) => {
        assert.match(e.message, /retry after 120/);
        assert.equal(tries, 1);
        assert.ok(ms < 300, `${ms} ms`);
      },
    },
    {
      name: '502, then the retry hangs: the 502 is reported at the deadline',
      code: 'SERVER_ERROR',
      setup: async () => {
        const s = await server({
          kind: 'custom',
          handle: (req, res) => {
            req.resume();
            if (s.requests.length === 1) res.writeHead(502, { 'Retry-After': '0.3' }).end();
          },
        });
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, ms, tries) => {
        assert.equal(e.statusCode, 502);
        assert.ok(ms >= TIMEOUT - 50, `${ms} ms`);
        assert.equal(tries, 2);
      },
    },
    {
      name: '503 on a start (a write is sent once)',
      type: 'plex-butler-start',
      code: 'SERVER_ERROR',
      setup: async () => {
        const s = await server(canned(503, '', { 'Retry-After': '0' }));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, _ms, tries) => {
        assert.equal(e.task, 'BackupDatabase');
        assert.equal(tries, 1);
      },
    },
    {
      name: 'HTML page with 200',
      code: 'BAD_RESPONSE',
      setup: async () => {
        const s = await server(canned(200, '<!DOCTYPE html><html><head><title>Router login</title></head><body></body></html>', { 'Content-Type': 'text/html' }));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, _ms, tries) => {
        assert.match(e.message, /HTML page \("Router login"\)/);
        assert.equal(tries, 1);
      },
    },
    {
      name: 'truncated JSON with 200',
      code: 'BAD_RESPONSE',
      setup: async () => {
        const s = await server(canned(200, GOOD_LIST.slice(0, 40), { 'Content-Type': 'application/json' }));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e) => assert.match(e.message, /does not parse/),
    },
    ...(['Content-Length', 'chunked'] as const).map((framing): Fault => {
      let s: SwitchServer;
      let base = 0;
      let peak = 0;
      return {
        name: `20 MB body with 200 (${framing}): refused past 1 MiB, memory bounded`,
        code: 'BAD_RESPONSE',
        setup: async () => {
          s = await server({ kind: 'huge', bytes: 20 * 1024 * 1024, chunked: framing === 'chunked' });
          return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
        },
        during: () => {
          const used = (): number => {
            const m = process.memoryUsage();
            return m.heapUsed + m.arrayBuffers;
          };
          base = used();
          peak = base;
          const t = setInterval(() => (peak = Math.max(peak, used())), 2);
          return () => {
            clearInterval(t);
            peak = Math.max(peak, used());
          };
        },
        check: (e, _ms, tries) => {
          assert.match(e.message, /too large/);
          assert.equal(tries, 1);
          const grew = (peak - base) / 1024 / 1024;
          assert.ok(grew < 12, `heap + buffers grew ${grew.toFixed(1)} MB`);
          assert.ok(s.bytesSent < 12 * 1024 * 1024, `server got rid of ${s.bytesSent} bytes: the client kept reading`);
        },
        note: () => `heap+buffers peak +${((peak - base) / 1048576).toFixed(1)} MB, server wrote ${(s.bytesSent / 1048576).toFixed(1)} MB`,
      };
    }),
    {
      name: 'gzip bomb with 200 (20 kB inflating to 20 MB): refused past 1 MiB',
      code: 'BAD_RESPONSE',
      setup: async () => {
        const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
        assert.ok(bomb.length < 64 * 1024);
        const s = await server({ kind: 'canned', answer: { status: 200, body: bomb, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } } });
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, _ms, tries) => {
        assert.match(e.message, /too large/);
        assert.equal(tries, 1);
      },
    },
    {
      name: 'stop: 404 after 600 ms, then the task list never comes (one budget for both)',
      type: 'plex-butler-stop',
      code: 'TIMEOUT',
      setup: async () => {
        const s = await server({
          kind: 'custom',
          handle: (req, res) => {
            req.resume();
            if (req.method !== 'DELETE') return; // the list read hangs
            setTimeout(() => {
              if (!res.destroyed) res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><head><title>Not Found</title></head></html>');
            }, 600);
          },
        });
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, ms, tries) => {
        assert.equal(e.task, 'BackupDatabase');
        assert.ok(ms >= TIMEOUT - 50, `${ms} ms`);
        assert.equal(tries, 2, 'DELETE, then GET /butler');
      },
    },
    {
      name: '401 with the PMS HTML page',
      type: 'plex-butler-start',
      code: 'UNAUTHORIZED',
      setup: async () => {
        const s = await server(canned(401, PMS_401, { 'Content-Type': 'text/html' }));
        return { url: s.url, recovery: heal(s), tries: () => s.requests.length };
      },
      check: (e, _ms, tries) => {
        assert.equal(e.statusCode, 401);
        assert.doesNotMatch(e.message, /<html|<h1/);
        assert.equal(tries, 1);
      },
    },
    {
      name: 'unresolvable host (.invalid never resolves)',
      code: 'UNREACHABLE',
      setup: async () => ({ url: 'http://plex-butler-fault.invalid:32400', recovery: { none: 'the name never resolves' } }),
      check: (e) => assert.match(e.message, /host name not found/),
    },
    (() => {
      let s: SwitchServer;
      let release: (() => Promise<void>) | undefined;
      return {
        name: 'slow DNS (name lookup stalled past the timeout)',
        code: 'TIMEOUT',
        setup: async () => {
          s = await server({ kind: 'healthy' });
          cleanups.push(async () => release?.());
          return {
            url: `http://localhost:${new URL(s.url).port}`,
            tries: () => s.connections,
            recovery: {
              heal: async () => {
                await release?.();
                release = undefined;
                await sleep(50);
                assert.equal(s.connections, 0, 'the cancelled lookup must not connect later');
              },
            },
          };
        },
        // After the deploy: Node-RED itself uses the worker threads while it loads a flow.
        arm: async () => {
          release = await stallResolver();
        },
        check: (_e, ms, tries) => {
          assert.ok(ms >= TIMEOUT - 50);
          assert.equal(tries, 0, 'no connection while the name was not known');
        },
      } satisfies Fault;
    })(),
    {
      name: 'TLS self-signed certificate, verifyTls on',
      code: 'TLS',
      setup: async () => {
        const s = new TlsServer(sim.url, certs.selfSigned);
        await s.listen();
        cleanups.push(() => s.close());
        return { url: s.url, verifyTls: true, recovery: { redeploy: { verifyTls: false } }, tries: () => s.requests };
      },
      check: (e, _ms, tries) => {
        assert.match(e.message, /SELF_SIGNED/);
        assert.match(e.message, /Verify TLS certificate/);
        assert.equal(tries, 0, 'no request got past the handshake');
      },
    },
  ];

  for (const f of faults) {
    it(f.name, async function () {
      if (f.name.startsWith('slow DNS') && !localhostIsLoopback4) this.skip();
      await runFault(f);
    });
  }

  it('a stop whose list read joins a later, slower list call still ends within its own timeout', async () => {
    const s = await server({
      kind: 'custom',
      handle: (req, res) => {
        req.resume();
        const [status, after, body] = req.method === 'DELETE' ? [404, 500, ''] : [200, 1500, GOOD_LIST];
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(status).end(body);
        }, after);
      },
    });
    const client = new ButlerClient({ url: s.url, token: 't', timeout: TIMEOUT });
    cleanups.push(() => client.close());
    const t0 = Date.now();
    const stop = client.stopTask('BackupDatabase').then(
      () => assert.fail('the stop should time out'),
      (e: ButlerError) => ({ code: e.code, ms: Date.now() - t0 }),
    );
    await sleep(450);
    const t1 = Date.now();
    const list = client.listTasks().then(
      () => assert.fail('the list should time out'),
      (e: ButlerError) => ({ code: e.code, ms: Date.now() - t1 }),
    );
    const [a, b] = await Promise.all([stop, list]);
    assert.equal(a.code, 'TIMEOUT');
    assert.ok(a.ms <= TIMEOUT + 100, `the stop took ${a.ms} ms`);
    assert.equal(b.code, 'TIMEOUT');
    assert.ok(b.ms >= TIMEOUT - 50 && b.ms <= TIMEOUT + 100, `the list took ${b.ms} ms`);
    assert.deepEqual(s.requests.map((r) => r.method), ['DELETE', 'GET'], 'the stop joined the list call');
  });

  describe('TLS with the test CA trusted (client in a child process, NODE_EXTRA_CA_CERTS)', () => {
    let tls: TlsServer;
    let child: TrustingClient;
    beforeEach(async () => {
      tls = new TlsServer(sim.url, certs.good);
      await tls.listen();
      child = TrustingClient.start(certs.caFile);
      const control = await child.call({ url: tls.url, token: sim.token, timeout: TIMEOUT, verifyTls: true });
      assert.ok(control.ok, `the trusted certificate must work first: ${control.message}`);
    });
    afterEach(async () => {
      await child.close();
      await tls.close();
    });

    const cases = [
      { name: 'TLS wrong host name (a plex.direct certificate reached by IP)', pair: 'wrongHost', detail: /ERR_TLS_CERT_ALTNAME_INVALID/ },
      { name: 'TLS expired certificate', pair: 'expired', detail: /CERT_HAS_EXPIRED/ },
    ] as const;
    for (const c of cases) {
      it(c.name, async () => {
        tls.use(certs[c.pair]);
        const before = tls.requests;
        const bad = await child.call({ url: tls.url, token: sim.token, timeout: TIMEOUT, verifyTls: true });
        assert.equal(bad.ok, false);
        assert.equal(bad.code, 'TLS');
        assert.match(bad.message ?? '', c.detail);
        assert.ok(bad.ms <= TIMEOUT + MARGIN);
        assert.equal(tls.requests, before, 'no request got past the handshake');
        const off = await child.call({ url: tls.url, token: sim.token, timeout: TIMEOUT, verifyTls: false });
        assert.equal(off.ok, true, 'verifyTls off accepts it');
        tls.use(certs.good);
        const good = await child.call({ url: tls.url, token: sim.token, timeout: TIMEOUT, verifyTls: true });
        assert.equal(good.ok, true, good.message);
        rows.push({ fault: c.name, via: 'client (child)', code: 'TLS', status: 'n/a', ms: bad.ms, budget: TIMEOUT, tries: '0', next: 'ok (valid certificate; also ok with verifyTls off)' });
      });
    }
  });
});

/**
 * Makes name lookups slow for real: getaddrinfo runs on libuv's worker threads, so blocking every
 * worker (each opening a FIFO nobody writes to) makes a lookup of `localhost` wait in line.
 * Returns the release function.
 */
async function stallResolver(): Promise<() => Promise<void>> {
  const size = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-dns-'));
  const fifos = Array.from({ length: size }, (_, i) => path.join(dir, `worker-${i}`));
  for (const f of fifos) execFileSync('mkfifo', [f]);
  const readers = fifos.map((f) => fs.promises.open(f, 'r'));
  await sleep(20);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    for (const f of fifos) {
      // Non-blocking: ENXIO until the reader's open has begun, never a stuck main thread.
      for (let i = 0; ; i++) {
        try {
          fs.closeSync(fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
          break;
        } catch (err) {
          if (i > 400) throw err;
          await sleep(5);
        }
      }
    }
    for (const h of await Promise.all(readers)) await h.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

function printTable(rows: Row[]): void {
  if (rows.length === 0) return;
  const head = ['fault', 'met by', 'code', 'status', 'time to error', 'budget', 'server saw', 'next msg'];
  const lines = rows.map((r) => [r.fault, r.via, r.code, r.status, `${r.ms} ms`, `${r.budget} ms`, r.tries, r.next]);
  const out = [head, head.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`);
  console.log(`\nFault matrix: measured time to error (timeout per row, margin ${MARGIN} ms)\n${out.join('\n')}\n`);
}
