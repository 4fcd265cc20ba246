import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ButlerClient, ButlerError, parseTaskList, normaliseUrl, cleanToken, checkTaskName, checkAction } from '../lib';
import { startSimulator, ButlerSimulator, DEFAULT_TASKS } from '../sim/simulator';
import { absentUrl, cannedServer, hangingServer, partialBodyServer, resettingServer, FaultServer } from './fault-servers';
import { sleep } from './helpers';

async function rejectsWith(p: Promise<unknown>, code: string): Promise<ButlerError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ButlerError, `expected a ButlerError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

describe('ButlerClient against the simulator', () => {
  let sim: ButlerSimulator;
  let client: ButlerClient;

  beforeEach(async () => {
    sim = await startSimulator({ runMs: 300 });
    client = new ButlerClient({ url: sim.url, token: sim.token, timeout: 3000 });
  });
  afterEach(async () => {
    client.close();
    await sim.close();
  });

  it('lists every task in server order with typed fields', async () => {
    const tasks = await client.listTasks();
    assert.deepEqual(
      tasks.map((t) => t.name),
      DEFAULT_TASKS.map((t) => t.name),
    );
    const backup = tasks.find((t) => t.name === 'BackupDatabase');
    const simBackup = DEFAULT_TASKS.find((t) => t.name === 'BackupDatabase');
    assert.deepEqual(backup, simBackup);
    assert.ok(tasks.some((t) => t.enabled === false), 'disabled tasks are listed');
  });

  for (const boolFormat of ['int', 'string'] as const) {
    it(`reads booleans sent as ${boolFormat}`, async () => {
      sim.options.boolFormat = boolFormat;
      const tasks = await client.listTasks();
      assert.deepEqual(tasks, DEFAULT_TASKS);
    });
  }

  it('sends the identifying headers and the token only as a header', async () => {
    await client.listTasks();
    const req = sim.requests.at(-1);
    assert.ok(req);
    assert.equal(req.headers['x-plex-token'], sim.token);
    assert.equal(req.headers.accept, 'application/json');
    assert.equal(req.headers['x-plex-product'], 'node-red-contrib-plex-butler');
    assert.match(String(req.headers['x-plex-version']), /^\d+\.\d+\.\d+/);
    assert.ok(String(req.headers['x-plex-client-identifier']).length > 0);
    assert.equal(req.url, '/butler');
  });

  it('keeps one client identifier across requests', async () => {
    await client.listTasks();
    await client.startTask('BackupDatabase');
    const ids = new Set(sim.requests.map((r) => r.headers['x-plex-client-identifier']));
    assert.equal(ids.size, 1);
  });

  it('starts a task, then reports it already running (202)', async () => {
    assert.deepEqual(await client.startTask('BackupDatabase'), { task: 'BackupDatabase', action: 'start', result: 'started' });
    assert.equal(sim.isRunning('BackupDatabase'), true);
    assert.deepEqual(await client.startTask('BackupDatabase'), { task: 'BackupDatabase', action: 'start', result: 'already-running' });
  });

  it('starts a task that is disabled in the settings', async () => {
    const disabled = DEFAULT_TASKS.find((t) => !t.enabled);
    assert.ok(disabled);
    assert.equal((await client.startTask(disabled.name)).result, 'started');
  });

  it('answers UNKNOWN_TASK for a start of a name the server does not know', async () => {
    const err = await rejectsWith(client.startTask('NoSuchTask'), 'UNKNOWN_TASK');
    assert.equal(err.statusCode, 404);
    assert.equal(err.task, 'NoSuchTask');
  });

  it('stops a running task', async () => {
    await client.startTask('OptimizeDatabase');
    assert.deepEqual(await client.stopTask('OptimizeDatabase'), { task: 'OptimizeDatabase', action: 'stop', result: 'stopped' });
    assert.equal(sim.isRunning('OptimizeDatabase'), false);
  });

  it('tells a known task that is not running from an unknown name on stop', async () => {
    assert.equal((await client.stopTask('CleanOldBundles')).result, 'not-running');
    await rejectsWith(client.stopTask('NoSuchTask'), 'UNKNOWN_TASK');
  });

  it('a task stops by itself after it ran', async () => {
    await client.startTask('RefreshLibraries');
    await sleep(450);
    assert.equal((await client.startTask('RefreshLibraries')).result, 'started');
  });

  it('starts all enabled tasks and stops all', async () => {
    assert.deepEqual(await client.startAll(), { action: 'start', result: 'started' });
    const enabled = DEFAULT_TASKS.filter((t) => t.enabled).map((t) => t.name);
    assert.deepEqual(sim.running().sort(), enabled.sort());
    assert.deepEqual(await client.runAll('stop'), { action: 'stop', result: 'stopped' });
    assert.deepEqual(sim.running(), []);
  });

  it('reads the identity', async () => {
    const id = await client.identity();
    assert.match(id.version, /^1\.\d+/);
    assert.match(id.machineIdentifier, /^[0-9a-f]+$/);
  });

  it('answers UNAUTHORIZED for a wrong token (401) and a shared user token (403)', async () => {
    const wrong = new ButlerClient({ url: sim.url, token: 'wrong-token' });
    const e401 = await rejectsWith(wrong.listTasks(), 'UNAUTHORIZED');
    assert.equal(e401.statusCode, 401);
    assert.ok(!e401.message.includes('wrong-token'));
    wrong.close();
    await sim.close();
    sim = await startSimulator({ sharedToken: 'shared-user-token' });
    const shared = new ButlerClient({ url: sim.url, token: 'shared-user-token' });
    const e403 = await rejectsWith(shared.startTask('BackupDatabase'), 'UNAUTHORIZED');
    assert.equal(e403.statusCode, 403);
    shared.close();
  });

  it('refuses bad task names before any request', async () => {
    const before = sim.requests.length;
    for (const bad of ['../library/sections', 'BackupDatabase?X-Plex-Token=x', 'Backup%2FDatabase', 'Backup Database', '', '1Task', 'a/b', 'Ünïcode']) {
      await rejectsWith(client.startTask(bad), 'INVALID_TASK');
      await rejectsWith(client.stopTask(bad), 'INVALID_TASK');
    }
    await rejectsWith(client.startTask(42), 'INVALID_TASK');
    assert.equal(sim.requests.length, before);
  });

  it('shares one HTTP call between identical concurrent requests', async () => {
    sim.options.latencyMs = 50;
    const results = await Promise.all(Array.from({ length: 20 }, () => client.listTasks()));
    assert.equal(results.length, 20);
    assert.equal(sim.requests.filter((r) => r.method === 'GET').length, 1);
    const starts = await Promise.all(Array.from({ length: 50 }, () => client.startTask('BackupDatabase')));
    assert.ok(starts.every((r) => r.result === 'started'));
    assert.equal(sim.requests.filter((r) => r.method === 'POST').length, 1);
  });

  it('bounds requests in flight', async () => {
    const limited = new ButlerClient({ url: sim.url, token: sim.token, maxInFlight: 2 });
    sim.options.latencyMs = 50;
    const names = DEFAULT_TASKS.slice(0, 6).map((t) => t.name);
    const calls = names.map((n) => limited.startTask(n));
    await sleep(10);
    assert.deepEqual(limited.load, { active: 2, waiting: 4 });
    await Promise.all(calls);
    assert.deepEqual(limited.load, { active: 0, waiting: 0 });
    limited.close();
  });

  it('answers QUEUE_FULL past the queue bound', async () => {
    const limited = new ButlerClient({ url: sim.url, token: sim.token, maxInFlight: 1, maxQueue: 2 });
    sim.options.latencyMs = 50;
    const names = DEFAULT_TASKS.slice(0, 4).map((t) => t.name);
    const settled = await Promise.allSettled(names.map((n) => limited.startTask(n)));
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
    );
    const last = settled[3];
    assert.ok(last.status === 'rejected' && last.reason instanceof ButlerError && last.reason.code === 'QUEUE_FULL');
    limited.close();
  });

  it('close() aborts calls in flight with ABORTED and refuses later calls', async () => {
    sim.options.latencyMs = 1000;
    const call = client.listTasks();
    await sleep(50);
    client.close();
    await rejectsWith(call, 'ABORTED');
    await rejectsWith(client.startAll(), 'ABORTED');
  });

  it('a caller signal ends only that caller\'s wait', async () => {
    sim.options.latencyMs = 200;
    const ctrl = new AbortController();
    const a = client.listTasks({ signal: ctrl.signal });
    const b = client.listTasks();
    ctrl.abort();
    await rejectsWith(a, 'ABORTED');
    assert.equal((await b).length, DEFAULT_TASKS.length);
  });

  it('works under a reverse-proxy path prefix', async () => {
    const seen: import('node:http').IncomingMessage[] = [];
    const proxy = await cannedServer({ status: 200, body: '{"ButlerTasks":{"ButlerTask":{"name":"BackupDatabase"}}}' }, seen);
    const c = new ButlerClient({ url: proxy.url + '/plex/', token: 't' });
    const tasks = await c.listTasks();
    assert.equal(seen[0].url, '/plex/butler');
    assert.deepEqual(tasks, [{ name: 'BackupDatabase', title: 'BackupDatabase', description: '', interval: null, enabled: true, scheduleRandomized: false }]);
    c.close();
    await proxy.close();
  });
});

describe('ButlerClient on a broken network', () => {
  const servers: FaultServer[] = [];
  const clients: ButlerClient[] = [];
  const make = (url: string, timeout = 800): ButlerClient => {
    const c = new ButlerClient({ url, token: 'secret-token-123', timeout });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });

  it('absent server: UNREACHABLE, reads retried within the budget', async () => {
    const url = await absentUrl();
    const started = Date.now();
    const err = await rejectsWith(make(url, 2000).listTasks(), 'UNREACHABLE');
    assert.match(err.message, /ECONNREFUSED/);
    assert.ok(Date.now() - started < 2300);
    assert.ok(!err.message.includes('secret-token-123'));
  });

  it('hanging server: TIMEOUT near the timeout, not later', async () => {
    const s = await hangingServer();
    servers.push(s);
    const started = Date.now();
    await rejectsWith(make(s.url, 500).startTask('BackupDatabase'), 'TIMEOUT');
    const took = Date.now() - started;
    assert.ok(took >= 450 && took < 900, `took ${took} ms`);
  });

  it('body that stalls after the headers: TIMEOUT', async () => {
    const s = await partialBodyServer('stall');
    servers.push(s);
    await rejectsWith(make(s.url, 500).listTasks(), 'TIMEOUT');
  });

  it('reset: UNREACHABLE; a write is sent once, a read is retried', async () => {
    const s = await resettingServer();
    servers.push(s);
    const c = make(s.url, 3000);
    await rejectsWith(c.startTask('BackupDatabase'), 'UNREACHABLE');
    assert.equal(s.connections, 1);
    await rejectsWith(c.listTasks(), 'UNREACHABLE');
    assert.ok(s.connections >= 3, `read tried ${s.connections - 1} times`);
  });

  it('a kept-alive socket the server dropped: the call goes again once on a new socket, a fresh socket\'s failure does not', async () => {
    // Each connection's first request is answered and the socket kept alive; its second is cut
    // without an answer, the way a server drops a socket that sat idle past its keep-alive timeout.
    const seen = { connections: 0, requests: 0 };
    const served = new WeakMap<object, number>();
    const server = http.createServer((req, res) => {
      seen.requests++;
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n === 2) return req.socket.destroy();
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
    });
    server.on('connection', () => seen.connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const c = make(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 3000);
      assert.equal((await c.startTask('BackupDatabase')).result, 'started');
      assert.equal((await c.startTask('OptimizeDatabase')).result, 'started');
      assert.deepEqual(seen, { connections: 2, requests: 3 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    // The first request on a new socket that is cut is not sent again (the reset test above, too).
    const s = await resettingServer();
    servers.push(s);
    await rejectsWith(make(s.url, 3000).startTask('BackupDatabase'), 'UNREACHABLE');
    assert.equal(s.connections, 1);
  });

  it('reset mid-body: UNREACHABLE', async () => {
    const s = await partialBodyServer('reset');
    servers.push(s);
    await rejectsWith(make(s.url, 2000).startAll(), 'UNREACHABLE');
  });

  it('500 on a write: SERVER_ERROR with the status, no retry', async () => {
    const seen: import('node:http').IncomingMessage[] = [];
    const s = await cannedServer({ status: 500, body: 'oops' }, seen);
    servers.push(s);
    const err = await rejectsWith(make(s.url).startAll(), 'SERVER_ERROR');
    assert.equal(err.statusCode, 500);
    assert.equal(seen.length, 1);
  });

  it('503 then 200 on a read: retried and succeeds', async () => {
    const seen: import('node:http').IncomingMessage[] = [];
    const s = await cannedServer(
      [
        { status: 503, headers: { 'Retry-After': '0' } },
        { status: 200, body: '{"ButlerTasks":{"ButlerTask":[{"name":"BackupDatabase","enabled":1}]}}' },
      ],
      seen,
    );
    servers.push(s);
    const tasks = await make(s.url, 3000).listTasks();
    assert.equal(tasks[0].name, 'BackupDatabase');
    assert.equal(seen.length, 2);
  });

  it('HTML with 200: BAD_RESPONSE naming the page', async () => {
    const s = await cannedServer({ status: 200, body: '<html><head><title>Router login</title></head></html>', headers: { 'Content-Type': 'text/html' } });
    servers.push(s);
    const err = await rejectsWith(make(s.url).listTasks(), 'BAD_RESPONSE');
    assert.match(err.message, /Router login/);
  });

  it('truncated JSON with 200: BAD_RESPONSE', async () => {
    const s = await cannedServer({ status: 200, body: '{"ButlerTasks":{"ButlerTask":[{"name":"Back' });
    servers.push(s);
    await rejectsWith(make(s.url).listTasks(), 'BAD_RESPONSE');
  });

  it('a body past the size limit: BAD_RESPONSE', async () => {
    const s = await cannedServer({ status: 200, body: Buffer.alloc(3 * 1024 * 1024, 0x20) });
    servers.push(s);
    await rejectsWith(make(s.url, 3000).listTasks(), 'BAD_RESPONSE');
  });

  it('a redirect is not followed (the token stays home)', async () => {
    const seen: import('node:http').IncomingMessage[] = [];
    const target = await cannedServer({ status: 200, body: '{"ButlerTasks":{}}' }, seen);
    const s = await cannedServer({ status: 302, headers: { Location: target.url + '/butler' } });
    servers.push(s, target);
    await rejectsWith(make(s.url).listTasks(), 'BAD_RESPONSE');
    assert.equal(seen.length, 0);
  });

  it('404 on /butler: BAD_RESPONSE pointing at the URL', async () => {
    const s = await cannedServer({ status: 404, body: 'Not Found' });
    servers.push(s);
    const err = await rejectsWith(make(s.url).startAll(), 'BAD_RESPONSE');
    assert.match(err.message, /reverse-proxy path/);
  });

  it('400: BAD_REQUEST', async () => {
    const s = await cannedServer({ status: 400 });
    servers.push(s);
    await rejectsWith(make(s.url).stopAll(), 'BAD_REQUEST');
  });

  it('unresolvable host: UNREACHABLE saying the name was not found', async () => {
    const err = await rejectsWith(make('http://no-such-host.invalid:32400', 3000).listTasks(), 'UNREACHABLE');
    assert.match(err.message, /host name not found/);
  });
});

describe('input checks', () => {
  it('normalises and checks server URLs', () => {
    assert.equal(normaliseUrl('192.168.1.20:32400/'), 'http://192.168.1.20:32400');
    assert.equal(normaliseUrl(' https://example.org/plex/ '), 'https://example.org/plex');
    for (const bad of ['', 'ftp://x', 'http://u:p@host', 'http://host/?X-Plex-Token=abc', 'http://', '::::']) {
      assert.throws(() => normaliseUrl(bad), (e: unknown) => e instanceof ButlerError && e.code === 'NOT_CONFIGURED' && !e.message.includes('abc'), bad);
    }
  });

  it('cleans pasted tokens', () => {
    assert.equal(cleanToken('  abc123  '), 'abc123');
    assert.equal(cleanToken('X-Plex-Token=abc123'), 'abc123');
    assert.equal(cleanToken(undefined), '');
  });

  it('checks task names and actions', () => {
    assert.equal(checkTaskName('GenerateAutoTags'), 'GenerateAutoTags');
    assert.throws(() => checkTaskName('a'.repeat(65)), /INVALID_TASK|Invalid task/);
    assert.equal(checkAction(' START '), 'start');
    assert.throws(() => checkAction('restart'), (e: unknown) => e instanceof ButlerError && e.code === 'INVALID_ACTION');
  });

  it('parses the XML answer, entities and a single task object', () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?><ButlerTasks><ButlerTask name="BackupDatabase" interval="3" scheduleRandomized="0" enabled="1" title="Backup &amp; more" description="a &quot;b&quot; &#233;"/></ButlerTasks>';
    assert.deepEqual(parseTaskList(xml), [{ name: 'BackupDatabase', title: 'Backup & more', description: 'a "b" é', interval: 3, enabled: true, scheduleRandomized: false }]);
    assert.deepEqual(parseTaskList('{"ButlerTasks":{"size":0}}'), []);
    assert.throws(() => parseTaskList('{"ButlerTasks":{"ButlerTask":[{"title":"x"}]}}'), /without a name/);
  });

  it('the client refuses to be built without a URL or token', () => {
    assert.throws(() => new ButlerClient({ url: '', token: 't' }), (e: unknown) => e instanceof ButlerError && e.code === 'NOT_CONFIGURED');
    assert.throws(() => new ButlerClient({ url: 'http://127.0.0.1:1', token: '' }), (e: unknown) => e instanceof ButlerError && e.code === 'NOT_CONFIGURED');
  });
});
