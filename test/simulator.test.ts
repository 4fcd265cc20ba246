import assert from 'node:assert/strict';
import http from 'node:http';
import { ButlerSimulator, DEFAULT_TASKS, SimTask, startSimulator } from '../sim/simulator';
import { sleep } from './helpers';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const UNAUTHORIZED = '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>';

function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  agent: http.Agent | false = false,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          // every answer must carry these
          assert.equal(res.headers['content-length'], String(Buffer.byteLength(body)));
          assert.equal(res.headers['x-plex-protocol'], '1.0');
          assert.equal(res.headers['cache-control'], 'no-cache');
        } catch (err) {
          reject(err);
          return;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}


interface JsonTask {
  name: string;
  interval: number;
  enabled: unknown;
  scheduleRandomized: unknown;
  title: string;
  description: string;
}

describe('Butler simulator', () => {
  let sim: ButlerSimulator;
  const auth = (): Record<string, string> => ({ 'X-Plex-Token': sim.token });
  const json = (): Record<string, string> => ({ ...auth(), Accept: 'application/json' });

  beforeEach(async () => {
    sim = await startSimulator({ sharedToken: 'shared-user-token', runMs: 300 });
  });
  afterEach(async () => {
    await sim.close();
  });

  describe('setup', () => {
    it('listens on 127.0.0.1 with a random port and a random 20-char token', () => {
      assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(sim.url, 'http://127.0.0.1:0');
      assert.equal(sim.token.length, 20);
    });

    it('default tasks hold the required ones, a disabled and a randomized one', () => {
      assert.ok(DEFAULT_TASKS.length >= 12);
      for (const n of ['BackupDatabase', 'OptimizeDatabase', 'RefreshLibraries', 'CleanOldBundles']) {
        const t = DEFAULT_TASKS.find((x) => x.name === n);
        assert.ok(t && t.enabled, n);
      }
      assert.ok(DEFAULT_TASKS.some((t) => !t.enabled));
      assert.ok(DEFAULT_TASKS.some((t) => t.scheduleRandomized));
      assert.ok(DEFAULT_TASKS.every((t) => /^[A-Za-z0-9]+$/.test(t.name)));
      assert.equal(new Set(DEFAULT_TASKS.map((t) => t.name)).size, DEFAULT_TASKS.length);
    });
  });

  describe('authentication', () => {
    it('401 with the exact HTML page without a token', async () => {
      const r = await call(sim.url, 'GET', '/butler', { Accept: 'application/json' });
      assert.equal(r.status, 401);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.equal(r.body, UNAUTHORIZED);
    });

    it('401 with a wrong token, and for write routes', async () => {
      const bad = { 'X-Plex-Token': sim.token + 'x' };
      for (const [m, p] of [['GET', '/butler'], ['POST', '/butler'], ['DELETE', '/butler'], ['POST', '/butler/BackupDatabase']]) {
        const r = await call(sim.url, m, p, bad);
        assert.equal(r.status, 401, `${m} ${p}`);
        assert.equal(r.body, UNAUTHORIZED);
      }
      assert.deepEqual(sim.running(), []);
    });

    it('ignores the token in the query string but records the request', async () => {
      const r = await call(sim.url, 'GET', `/butler?X-Plex-Token=${sim.token}`);
      assert.equal(r.status, 401);
      assert.equal(sim.requests.length, 1);
      assert.equal(sim.requests[0].method, 'GET');
      assert.equal(sim.requests[0].url, `/butler?X-Plex-Token=${sim.token}`);
    });

    it('records headers of every request in order', async () => {
      await call(sim.url, 'GET', '/identity', { 'X-Plex-Client-Identifier': 'abc' });
      await call(sim.url, 'POST', '/butler/BackupDatabase', auth());
      assert.deepEqual(sim.requests.map((q) => `${q.method} ${q.url}`), ['GET /identity', 'POST /butler/BackupDatabase']);
      assert.equal(sim.requests[0].headers['x-plex-client-identifier'], 'abc');
      assert.equal(sim.requests[1].headers['x-plex-token'], sim.token);
    });

    it('403 Forbidden page for a shared user token', async () => {
      const r = await call(sim.url, 'POST', '/butler/BackupDatabase', { 'X-Plex-Token': 'shared-user-token' });
      assert.equal(r.status, 403);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.equal(r.body, '<html><head><title>Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>');
      assert.equal(sim.isRunning('BackupDatabase'), false);
      const list = await call(sim.url, 'GET', '/butler', { 'X-Plex-Token': 'shared-user-token' });
      assert.equal(list.status, 403);
    });

    it('a token changed at run time takes effect (password reset)', async () => {
      const old = sim.token;
      sim.options.token = 'new-token';
      assert.equal((await call(sim.url, 'GET', '/butler', { 'X-Plex-Token': old })).status, 401);
      assert.equal((await call(sim.url, 'GET', '/butler', { 'X-Plex-Token': 'new-token' })).status, 200);
    });

    it('uses the given token', async () => {
      const s = await startSimulator({ token: 'fixed-token' });
      try {
        assert.equal(s.token, 'fixed-token');
        assert.equal((await call(s.url, 'GET', '/butler', { 'X-Plex-Token': 'fixed-token' })).status, 200);
      } finally {
        await s.close();
      }
    });
  });

  describe('routing errors', () => {
    it('404 Not Found page for an unknown path', async () => {
      const r = await call(sim.url, 'GET', '/library/sections', auth());
      assert.equal(r.status, 404);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.equal(r.body, '<html><head><title>Not Found</title></head><body><h1>404 Not Found</h1></body></html>');
    });

    it('404 for a path with more segments', async () => {
      const r = await call(sim.url, 'POST', '/butler/BackupDatabase/extra', auth());
      assert.equal(r.status, 404);
      assert.equal(sim.isRunning('BackupDatabase'), false);
    });

    it('405 HTML page for a wrong method on a known path', async () => {
      const a = await call(sim.url, 'PUT', '/butler', auth());
      assert.equal(a.status, 405);
      assert.match(String(a.headers['content-type']), /^text\/html/);
      assert.match(a.body, /<h1>405 Method Not Allowed<\/h1>/);
      const b = await call(sim.url, 'GET', '/butler/BackupDatabase', auth());
      assert.equal(b.status, 405);
      assert.equal(sim.isRunning('BackupDatabase'), false);
    });
  });

  describe('GET /butler', () => {
    it('JSON with Accept: application/json, disabled tasks included', async () => {
      const r = await call(sim.url, 'GET', '/butler', json());
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      const data = JSON.parse(r.body) as { ButlerTasks: { ButlerTask: JsonTask[] } };
      const list = data.ButlerTasks.ButlerTask;
      assert.equal(list.length, DEFAULT_TASKS.length);
      const backup = list.find((t) => t.name === 'BackupDatabase');
      assert.deepEqual(backup, {
        name: 'BackupDatabase',
        interval: 3,
        scheduleRandomized: false,
        enabled: true,
        title: 'Backup Database',
        description: "Create a backup copy of the server's database in the configured backup directory",
      });
      assert.ok(list.some((t) => t.enabled === false));
    });

    it('XML without an Accept header', async () => {
      const r = await call(sim.url, 'GET', '/butler', auth());
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/xml;charset=utf-8');
      assert.ok(r.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
      assert.match(r.body, /<ButlerTasks>[\s\S]*<\/ButlerTasks>/);
      assert.match(r.body, /<ButlerTask name="BackupDatabase" interval="3" scheduleRandomized="0" enabled="1" title="Backup Database"/);
      assert.equal((r.body.match(/<ButlerTask /g) ?? []).length, DEFAULT_TASKS.length);
      assert.match(r.body, /enabled="0"/);
    });

    it('XML for a mixed Accept header', async () => {
      const r = await call(sim.url, 'GET', '/butler', { ...auth(), Accept: 'application/json, text/plain, */*' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/xml;charset=utf-8');
      assert.ok(r.body.startsWith('<?xml'));
    });

    it('escapes XML attributes', async () => {
      const task: SimTask = { name: 'Odd', title: 'A & B <c>', description: 'say "hi"', interval: 2, enabled: false, scheduleRandomized: true };
      sim.options.tasks = [task];
      const r = await call(sim.url, 'GET', '/butler', auth());
      assert.match(r.body, /<ButlerTask name="Odd" interval="2" scheduleRandomized="1" enabled="0" title="A &amp; B &lt;c&gt;" description="say &quot;hi&quot;"\/>/);
    });

    for (const [fmt, on, off] of [
      ['bool', true, false],
      ['int', 1, 0],
      ['string', '1', '0'],
    ] as const) {
      it(`boolFormat ${fmt} gives ${JSON.stringify(on)}/${JSON.stringify(off)}`, async () => {
        sim.options.boolFormat = fmt;
        const r = await call(sim.url, 'GET', '/butler', json());
        const list = (JSON.parse(r.body) as { ButlerTasks: { ButlerTask: JsonTask[] } }).ButlerTasks.ButlerTask;
        for (const t of list) {
          const src = DEFAULT_TASKS.find((x) => x.name === t.name);
          assert.ok(src);
          assert.equal(t.enabled, src.enabled ? on : off);
          assert.equal(t.scheduleRandomized, src.scheduleRandomized ? on : off);
          assert.equal(typeof t.interval, 'number');
        }
        // XML keeps 0/1 whatever the JSON format
        const x = await call(sim.url, 'GET', '/butler', auth());
        assert.match(x.body, /enabled="1"/);
        assert.doesNotMatch(x.body, /enabled="true"/);
      });
    }
  });

  describe('single task', () => {
    it('POST starts a task (200, empty body), 202 while it runs', async () => {
      const a = await call(sim.url, 'POST', '/butler/BackupDatabase', auth());
      assert.equal(a.status, 200);
      assert.equal(a.body, '');
      assert.equal(sim.isRunning('BackupDatabase'), true);
      assert.deepEqual(sim.running(), ['BackupDatabase']);
      const b = await call(sim.url, 'POST', '/butler/BackupDatabase', auth());
      assert.equal(b.status, 202);
      assert.equal(b.body, '');
    });

    it('POST an unknown task gives the 404 page', async () => {
      const r = await call(sim.url, 'POST', '/butler/NoSuchTask', auth());
      assert.equal(r.status, 404);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.match(r.body, /<h1>404 Not Found<\/h1>/);
      assert.deepEqual(sim.running(), []);
    });

    it('matches names exactly (case sensitive)', async () => {
      const r = await call(sim.url, 'POST', '/butler/backupdatabase', auth());
      assert.equal(r.status, 404);
    });

    it('percent-decodes the name', async () => {
      const r = await call(sim.url, 'POST', '/butler/Backup%44atabase', auth());
      assert.equal(r.status, 200);
      assert.equal(sim.isRunning('BackupDatabase'), true);
      const bad = await call(sim.url, 'POST', '/butler/%E0%A4%A', auth());
      assert.equal(bad.status, 404);
    });

    it('accepts a trailing slash', async () => {
      const a = await call(sim.url, 'POST', '/butler/OptimizeDatabase/', auth());
      assert.equal(a.status, 200);
      assert.equal(sim.isRunning('OptimizeDatabase'), true);
      const b = await call(sim.url, 'DELETE', '/butler/OptimizeDatabase/', auth());
      assert.equal(b.status, 200);
      assert.equal(sim.isRunning('OptimizeDatabase'), false);
    });

    it('starts a disabled task too', async () => {
      const disabled = DEFAULT_TASKS.find((t) => !t.enabled);
      assert.ok(disabled);
      const r = await call(sim.url, 'POST', `/butler/${disabled.name}`, auth());
      assert.equal(r.status, 200);
      assert.equal(sim.isRunning(disabled.name), true);
    });

    it('a started task stops by itself after runMs', async () => {
      await call(sim.url, 'POST', '/butler/CleanOldBundles', auth());
      assert.equal(sim.isRunning('CleanOldBundles'), true);
      await sleep(150);
      assert.equal(sim.isRunning('CleanOldBundles'), true);
      await sleep(250);
      assert.equal(sim.isRunning('CleanOldBundles'), false);
      const again = await call(sim.url, 'POST', '/butler/CleanOldBundles', auth());
      assert.equal(again.status, 200);
    });

    it('DELETE stops a running task (200, empty body)', async () => {
      sim.setRunning('RefreshLibraries', true);
      const r = await call(sim.url, 'DELETE', '/butler/RefreshLibraries', auth());
      assert.equal(r.status, 200);
      assert.equal(r.body, '');
      assert.equal(sim.isRunning('RefreshLibraries'), false);
    });

    it('DELETE gives 404 for a task not running, and an unknown one', async () => {
      const a = await call(sim.url, 'DELETE', '/butler/RefreshLibraries', auth());
      assert.equal(a.status, 404);
      assert.match(a.body, /404 Not Found/);
      const b = await call(sim.url, 'DELETE', '/butler/NoSuchTask', auth());
      assert.equal(b.status, 404);
    });
  });

  describe('all tasks', () => {
    it('POST /butler starts every enabled task and skips disabled ones', async () => {
      const r = await call(sim.url, 'POST', '/butler', auth());
      assert.equal(r.status, 200);
      assert.equal(r.body, '');
      const want = DEFAULT_TASKS.filter((t) => t.enabled).map((t) => t.name).sort();
      assert.deepEqual([...sim.running()].sort(), want);
      for (const t of DEFAULT_TASKS.filter((x) => !x.enabled)) assert.equal(sim.isRunning(t.name), false);
    });

    it('DELETE /butler stops everything (200, empty body)', async () => {
      await call(sim.url, 'POST', '/butler', auth());
      sim.setRunning('DeepMediaAnalysis', true);
      assert.ok(sim.running().length > 1);
      const r = await call(sim.url, 'DELETE', '/butler', auth());
      assert.equal(r.status, 200);
      assert.equal(r.body, '');
      assert.deepEqual(sim.running(), []);
    });

    it('DELETE /butler answers 200 when nothing runs', async () => {
      const r = await call(sim.url, 'DELETE', '/butler', auth());
      assert.equal(r.status, 200);
    });
  });

  describe('GET /identity', () => {
    it('answers JSON without a token, with a stable machine id', async () => {
      const a = await call(sim.url, 'GET', '/identity');
      assert.equal(a.status, 200);
      assert.match(String(a.headers['content-type']), /^application\/json/);
      const body = JSON.parse(a.body) as { MediaContainer: Record<string, unknown> };
      assert.equal(body.MediaContainer.size, 0);
      assert.equal(body.MediaContainer.claimed, true);
      assert.equal(body.MediaContainer.version, '1.41.8.9834-0bd4b0fd3');
      assert.match(String(body.MediaContainer.machineIdentifier), /^[0-9a-f]{16,}$/);
      const b = await call(sim.url, 'GET', '/identity', { Accept: 'application/json' });
      assert.equal(b.body, a.body);
    });
  });

  describe('test controls', () => {
    it('setRunning and reset', async () => {
      sim.setRunning('BackupDatabase', true);
      const r = await call(sim.url, 'POST', '/butler/BackupDatabase', auth());
      assert.equal(r.status, 202);
      sim.setRunning('BackupDatabase', false);
      assert.equal(sim.isRunning('BackupDatabase'), false);
      sim.setRunning('OptimizeDatabase', true);
      assert.equal(sim.requests.length, 1);
      sim.reset();
      assert.equal(sim.requests.length, 0);
      assert.deepEqual(sim.running(), []);
    });

    it('setRunning(true) is not limited by runMs', async () => {
      sim.setRunning('BackupDatabase', true);
      await sleep(400);
      assert.equal(sim.isRunning('BackupDatabase'), true);
    });

    it('latencyMs delays answers', async () => {
      sim.options.latencyMs = 120;
      const t0 = Date.now();
      const r = await call(sim.url, 'GET', '/identity');
      assert.equal(r.status, 200);
      assert.ok(Date.now() - t0 >= 100, `took ${Date.now() - t0} ms`);
    });
  });

  describe('lifecycle', () => {
    it('keep-alive works and close() completes with an open idle connection', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const a = await call(sim.url, 'GET', '/identity', {}, agent);
        const b = await call(sim.url, 'GET', '/butler', json(), agent);
        assert.equal(a.status, 200);
        assert.equal(b.status, 200);
        // both requests went over one socket, still open
        const free = Object.values(agent.freeSockets).flat();
        assert.equal(free.length, 1);
        sim.setRunning('BackupDatabase', true);
        await call(sim.url, 'POST', '/butler/OptimizeDatabase', auth(), agent);
        const url = sim.url;
        const t0 = Date.now();
        await Promise.race([
          sim.close(),
          sleep(2000).then(() => assert.fail('close() hung')),
        ]);
        assert.ok(Date.now() - t0 < 1000);
        assert.deepEqual(sim.running(), []);
        await assert.rejects(call(url, 'GET', '/identity'), /ECONNREFUSED/);
      } finally {
        agent.destroy();
      }
    });

    it('close() completes while an answer is delayed', async () => {
      sim.options.latencyMs = 5000;
      const pending = call(sim.url, 'GET', '/identity');
      pending.catch(() => undefined);
      await sleep(50);
      const t0 = Date.now();
      await sim.close();
      assert.ok(Date.now() - t0 < 1000);
      await assert.rejects(pending);
    });

    it('start() twice is refused and close() twice is harmless', async () => {
      await assert.rejects(sim.start());
      await sim.close();
      await sim.close();
      assert.equal(sim.url, '');
    });

    it('a given port is used', async () => {
      const probe = await startSimulator();
      const port = Number(new URL(probe.url).port);
      await probe.close();
      const s = await startSimulator({ port });
      try {
        assert.equal(s.url, `http://127.0.0.1:${port}`);
        assert.equal((await call(s.url, 'GET', '/identity')).status, 200);
      } finally {
        await s.close();
      }
    });
  });
});
