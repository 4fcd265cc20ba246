// Quiet hours over real sockets on 127.0.0.1: the history reader against a small test server
// (paging at exact page multiples, batches of durations, fallbacks, a failure midway, ratingKeys
// checked before a URL), and the plex-butler-quiet-hours node against the simulator's household.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeMessage } from 'node-red';
import { ButlerClient } from '../lib/butler/client';
import { readHistory } from '../lib/history/reader';
import { FALLBACK_MINUTES } from '../lib/history/watch-grid';
import { ButlerSimulator, HOUSEHOLD_QUIET, startSimulator } from '../sim/simulator';
import quietHoursNode from '../nodes/plex-butler-quiet-hours';
import { ALL_NODES, FlowNode, helper, Inbox, useRuntime } from './helpers';

interface TestView {
  viewedAt: number;
  ratingKey: string;
  type: string;
}

interface TestServer {
  url: string;
  /** Paths and queries asked for, in order. */
  asked: string[];
  close(): Promise<void>;
}

interface ServerSetup {
  views: TestView[];
  /** Minutes by ratingKey; a key not here is a deleted item. */
  durations: Record<string, number>;
  omitTotal?: boolean;
  /** History requests from this page start on answer 500. */
  failFrom?: number;
}

const json = (res: http.ServerResponse, status: number, data: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(data));
};

function historyAnswer(setup: ServerSetup, query: URLSearchParams, res: http.ServerResponse): void {
  const start = Number(query.get('X-Plex-Container-Start'));
  const size = Number(query.get('X-Plex-Container-Size'));
  const since = Number(query.get('viewedAt>'));
  if (setup.failFrom !== undefined && start >= setup.failFrom) return json(res, 500, {});
  const matching = setup.views.filter((v) => v.viewedAt >= since);
  const page = matching.slice(start, start + size);
  const mc: Record<string, unknown> = { size: page.length, offset: start };
  if (!setup.omitTotal) mc.totalSize = matching.length;
  if (page.length > 0) mc.Metadata = page;
  json(res, 200, { MediaContainer: mc });
}

function metadataAnswer(setup: ServerSetup, ids: string, res: http.ServerResponse): void {
  const found = ids.split(',').filter((k) => k in setup.durations);
  if (found.length === 0) return json(res, 404, {});
  json(res, 200, { MediaContainer: { size: found.length, Metadata: found.map((k) => ({ ratingKey: k, duration: setup.durations[k] * 60000 })) } });
}

async function startServer(setup: ServerSetup): Promise<TestServer> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    asked.push(url);
    const [path, query = ''] = url.split('?');
    if (path === '/status/sessions/history/all') return historyAnswer(setup, new URLSearchParams(query), res);
    const m = /^\/library\/metadata\/(.+)$/.exec(path);
    if (m) return metadataAnswer(setup, m[1], res);
    json(res, 404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    asked,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const NOW = Date.parse('2026-01-12T00:00:00Z') / 1000;
/** `n` views one hour apart, newest first, cycling over `keys`. */
function views(n: number, keys: string[], type = 'episode'): TestView[] {
  return Array.from({ length: n }, (_, i) => ({ viewedAt: NOW - i * 3600, ratingKey: keys[i % keys.length], type }));
}

describe('quiet hours: reading the history', () => {
  let server: TestServer | undefined;
  let client: ButlerClient | undefined;
  afterEach(async () => {
    client?.close();
    await server?.close();
  });
  async function read(setup: ServerSetup, pageSize: number, batchSize = 50): Promise<ReturnType<typeof readHistory>> {
    server = await startServer(setup);
    client = new ButlerClient({ url: server.url, token: 't', retries: 0 });
    return readHistory(client, { since: NOW - 365 * 86400, timeZone: 'UTC', pageSize, batchSize });
  }
  const historyAsks = (): string[] => (server?.asked ?? []).filter((u) => u.startsWith('/status/sessions/history/all'));

  it('stops at totalSize when it is an exact multiple of the page: no empty page is asked for', async () => {
    const got = await read({ views: views(10, ['11']), durations: { 11: 30 } }, 5);
    assert.equal(got.grid.views, 10);
    assert.deepEqual(historyAsks().map((u) => new URLSearchParams(u.split('?')[1]).get('X-Plex-Container-Start')), ['0', '5']);
    assert.equal(got.requests, 3);
  });

  it('without a totalSize, reads until a page comes back short (here: empty)', async () => {
    const got = await read({ views: views(10, ['11']), durations: { 11: 30 }, omitTotal: true }, 5);
    assert.equal(got.grid.views, 10);
    assert.equal(historyAsks().length, 3);
  });

  it('sends the query as the server documents it: newest first, viewedAt>= written literally, the page in the query', async () => {
    await read({ views: views(3, ['11']), durations: { 11: 30 } }, 5);
    // Node's URL parser sends '>' as %3E on the wire (as python-plexapi's requests does); the server decodes it
    assert.equal(decodeURIComponent(historyAsks()[0]), `/status/sessions/history/all?sort=viewedAt:desc&viewedAt>=${NOW - 365 * 86400}&X-Plex-Container-Start=0&X-Plex-Container-Size=5`);
  });

  it('asks for each item\'s duration once, in batches, across pages (a deleted one too)', async () => {
    const keys = ['11', '12', '13', '14', '15', '16', '17', '19'];
    // 19 is deleted: not in the library
    const durations = Object.fromEntries(keys.slice(0, 7).map((k) => [k, 20]));
    const got = await read({ views: views(24, keys), durations }, 4, 3);
    const batches = (server?.asked ?? []).filter((u) => u.startsWith('/library/metadata/')).map((u) => u.slice(18).split(','));
    assert.deepEqual(batches.flat().sort(), keys);
    assert.ok(batches.every((b) => b.length <= 3));
    assert.equal(got.grid.minutes, 21 * 20 + 3 * FALLBACK_MINUTES.episode);
    assert.equal(got.fallbacks, 3);
  });

  it('counts a deleted item (missing in a batch, or 404 alone) at the fallback length of its type', async () => {
    const list: TestView[] = [
      { viewedAt: NOW, ratingKey: '21', type: 'movie' },
      { viewedAt: NOW - 20000, ratingKey: '22', type: 'episode' },
      { viewedAt: NOW - 40000, ratingKey: '23', type: 'track' },
      { viewedAt: NOW - 60000, ratingKey: '24', type: 'photo' },
    ];
    // batch of 2: [21, 22] answers only 22; [23, 24] answers 404 (none found)
    const got = await read({ views: list, durations: { 22: 50 } }, 10, 2);
    assert.equal(got.fallbacks, 3);
    assert.equal(got.grid.minutes, FALLBACK_MINUTES.movie + 50 + FALLBACK_MINUTES.track + 30);
  });

  it('never puts a ratingKey that is not a decimal id into a URL: that view gets the fallback', async () => {
    const list: TestView[] = [
      { viewedAt: NOW, ratingKey: '../../:/prefs?x=1', type: 'movie' },
      { viewedAt: NOW - 20000, ratingKey: '31', type: 'episode' },
    ];
    const got = await read({ views: list, durations: { 31: 10 } }, 10);
    assert.deepEqual((server?.asked ?? []).filter((u) => u.startsWith('/library')), ['/library/metadata/31']);
    assert.equal(got.grid.minutes, FALLBACK_MINUTES.movie + 10);
  });

  it('a server that keeps sending full pages is stopped with BAD_RESPONSE past maxViews', async () => {
    server = await startServer({ views: views(100, ['11']), durations: { 11: 30 }, omitTotal: true });
    client = new ButlerClient({ url: server.url, token: 't', retries: 0 });
    await assert.rejects(readHistory(client, { since: 0, timeZone: 'UTC', pageSize: 5, maxViews: 20 }), { code: 'BAD_RESPONSE' });
    assert.equal(historyAsks().length, 4);
  });

  it('a history failing midway rejects with the server\'s error, after the pages before it', async () => {
    await assert.rejects(read({ views: views(12, ['11']), durations: { 11: 30 }, failFrom: 5 }, 5), { code: 'SERVER_ERROR', statusCode: 500 });
    assert.equal(historyAsks().length, 2);
  });
});

type Msg = NodeMessage & Record<string, unknown>;
interface Payload {
  views: number;
  minutes: number;
  hours: number[];
  grid: number[][];
  timeZone: string;
  current: { startHour: number; endHour: number; share: number };
  suggested: { startHour: number; endHour: number; share: number } | null;
  applied: boolean;
  reason?: string;
}

describe('plex-butler-quiet-hours against the simulator\'s household', function () {
  let sim: ButlerSimulator;
  useRuntime({ history: { views: 600, days: 35, timeZone: 'Europe/Berlin' } }, (s) => (sim = s));

  async function run(props: Record<string, unknown>, msg: Record<string, unknown> = {}): Promise<{ ok: Inbox; err: Inbox }> {
    const flow: FlowNode[] = [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'plex-butler-server', name: 'Plex', url: sim.url, timeout: 5000, verifyTls: true },
      { id: 'ok', z: 'f1', type: 'helper' },
      { id: 'err', z: 'f1', type: 'helper' },
      { id: 'n1', z: 'f1', type: 'plex-butler-quiet-hours', server: 's1', days: 28, timeZone: 'Europe/Berlin', minGain: 5, ...props, wires: [['ok'], ['err']] },
    ];
    await helper.load([...ALL_NODES, quietHoursNode], flow, { s1: { token: sim.token } });
    const inboxes = { ok: new Inbox(helper.getNode('ok')), err: new Inbox(helper.getNode('err')) };
    helper.getNode('n1').receive({ payload: 'go', topic: 'keep', ...msg } as Msg);
    return inboxes;
  }

  it('suggests the hours the household leaves empty, and Apply moves the Butler window there', async () => {
    const { ok } = await run({ apply: true });
    const msg = (await ok.nth(0)) as Msg;
    const p = msg.payload as Payload;
    assert.equal(msg.topic, 'keep');
    assert.deepEqual({ startHour: p.suggested?.startHour, endHour: p.suggested?.endHour }, HOUSEHOLD_QUIET);
    assert.equal(p.suggested?.share, 0);
    assert.ok(p.current.share > 0.05, `current share ${p.current.share}`);
    assert.equal(p.applied, true);
    assert.deepEqual(sim.window, HOUSEHOLD_QUIET);
    assert.equal(p.grid.length, 7);
    assert.equal(p.grid.flat().reduce((a, b) => a + b, 0), p.minutes);
    assert.deepEqual(p.hours, p.grid.reduce((sum, row) => sum.map((m, h) => m + row[h]), new Array<number>(24).fill(0)));
  });

  it('with apply off it only reports; msg.apply true writes, msg.days narrows the history', async () => {
    const first = await run({ apply: false });
    const p = (await first.ok.nth(0)).payload as Payload;
    assert.deepEqual([p.applied, p.reason], [false, 'apply-off']);
    assert.deepEqual(sim.window, { startHour: 2, endHour: 5 });
    await helper.unload();
    const second = await run({ apply: false }, { apply: true, days: 7 });
    const q = (await second.ok.nth(0)).payload as Payload & { days: number };
    assert.equal(q.days, 7);
    assert.ok(q.views < p.views && q.views > 0);
    assert.equal(q.applied, true);
    assert.deepEqual(sim.window, HOUSEHOLD_QUIET);
  });

  it('does not write when the gain is below minGain', async () => {
    const { ok } = await run({ apply: true, minGain: 60 });
    const p = (await ok.nth(0)).payload as Payload;
    assert.deepEqual([p.applied, p.reason], [false, 'gain-below-minimum']);
    assert.equal(sim.requests.filter((r) => r.method === 'PUT').length, 0);
  });

  it('a window length of its own (windowHours)', async () => {
    const { ok } = await run({ windowHours: '2' });
    const p = (await ok.nth(0)).payload as Payload;
    assert.equal(((p.suggested?.endHour ?? 0) - (p.suggested?.startHour ?? 0) + 24) % 24, 2);
    assert.equal(p.suggested?.share, 0);
  });

  it('bad days or time zone go to output 2 as INVALID_SETTING, before any request', async () => {
    const { err } = await run({ timeZone: 'Nowhere/Atlantis' });
    assert.equal(((await err.nth(0)) as Msg & { error: { code: string } }).error.code, 'INVALID_SETTING');
    await helper.unload();
    const second = await run({}, { days: 400 });
    assert.equal(((await second.err.nth(0)) as Msg & { error: { code: string } }).error.code, 'INVALID_SETTING');
    assert.equal(sim.requests.length, 0);
  });
});

describe('plex-butler-quiet-hours with an empty history', function () {
  let sim: ButlerSimulator;
  useRuntime({ history: { views: 0 } }, (s) => (sim = s));

  it('is a result: views 0, suggested null, applied false', async () => {
    const flow: FlowNode[] = [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'plex-butler-server', name: 'Plex', url: sim.url, timeout: 5000, verifyTls: true },
      { id: 'ok', z: 'f1', type: 'helper' },
      { id: 'err', z: 'f1', type: 'helper' },
      { id: 'n1', z: 'f1', type: 'plex-butler-quiet-hours', server: 's1', apply: true, wires: [['ok'], ['err']] },
    ];
    await helper.load([...ALL_NODES, quietHoursNode], flow, { s1: { token: sim.token } });
    const ok = new Inbox(helper.getNode('ok'));
    helper.getNode('n1').receive({ payload: 'go' } as Msg);
    const p = (await ok.nth(0)).payload as Payload;
    assert.deepEqual([p.views, p.minutes, p.suggested, p.applied, p.reason], [0, 0, null, false, 'no-history']);
    assert.equal(p.current.share, 0);
    assert.deepEqual(sim.window, { startHour: 2, endHour: 5 });
  });
});

describe('the simulator\'s viewing history', () => {
  let sim: ButlerSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
  });
  async function get(path: string, token = sim?.token ?? ''): Promise<{ status: number; headers: Headers; body: Record<string, unknown> | undefined }> {
    const res = await fetch(`${sim?.url}${path}`, { headers: { 'X-Plex-Token': token, Accept: 'application/json' } });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }
  const container = (b: Record<string, unknown> | undefined): Record<string, unknown> => (b?.MediaContainer ?? {}) as Record<string, unknown>;

  it('pages newest first with size, totalSize, offset and X-Plex-Container-Total-Size; paging in headers works too', async () => {
    sim = await startSimulator({ history: { views: 30, days: 10 } });
    const page = await get('/status/sessions/history/all?sort=viewedAt:desc&viewedAt>=0&X-Plex-Container-Start=20&X-Plex-Container-Size=25');
    const mc = container(page.body);
    assert.deepEqual([mc.size, mc.totalSize, mc.offset, page.headers.get('x-plex-container-total-size')], [10, 30, 20, '30']);
    const items = mc.Metadata as Array<{ viewedAt: number }>;
    assert.ok(items.every((v, i) => i === 0 || items[i - 1].viewedAt >= v.viewedAt));
    const res = await fetch(`${sim.url}/status/sessions/history/all`, { headers: { 'X-Plex-Token': sim.token, Accept: 'application/json', 'X-Plex-Container-Start': '0', 'X-Plex-Container-Size': '4' } });
    assert.equal(container((await res.json()) as Record<string, unknown>).size, 4);
  });

  it('an empty history has no Metadata key; only the owner may read it', async () => {
    sim = await startSimulator({ history: { views: 0 }, sharedToken: 'shared-token' });
    const mc = container((await get('/status/sessions/history/all?X-Plex-Container-Start=0&X-Plex-Container-Size=50')).body);
    assert.deepEqual(mc, { size: 0, totalSize: 0, offset: 0 });
    assert.equal((await get('/status/sessions/history/all', 'shared-token')).status, 401);
  });

  it('a deleted item is missing from a batch and a 404 alone', async () => {
    sim = await startSimulator({ history: { views: 200 } });
    const [gone] = sim.history.deletedKeys;
    const batch = container((await get(`/library/metadata/1001,${gone},1002`)).body);
    assert.deepEqual((batch.Metadata as Array<{ ratingKey: string }>).map((m) => m.ratingKey), ['1001', '1002']);
    assert.equal((await get(`/library/metadata/${gone}`)).status, 404);
  });
});
