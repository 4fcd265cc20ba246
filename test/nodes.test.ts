import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import { startSimulator, ButlerSimulator, DEFAULT_TASKS } from '../sim/simulator';
import { clockTime } from '../nodes/status-text';
import { absentUrl } from './fault-servers';
import { helper, Inbox, loadRig, Rig, sleep, untimed, useRuntime } from './helpers';

type Msg = NodeMessage & Record<string, unknown>;

describe('flow nodes in Node-RED', function () {
  let sim: ButlerSimulator;
  useRuntime({ runMs: 500 }, (s) => (sim = s));

  /** Loads one node of `type` with both outputs wired to helper nodes (or only output 1). */
  function rig(type: string, props: Record<string, unknown> = {}, opts: { errorWired?: boolean; token?: string; serverProps?: Record<string, unknown> } = {}): Promise<Rig> {
    const server = { url: sim.url, timeout: 2000, verifyTls: true, ...opts.serverProps };
    return loadRig(type, { server, token: opts.token ?? sim.token, props, errorWired: opts.errorWired, catchNode: true });
  }

  describe('plex-butler-tasks', () => {
    it('sends the task list on output 1 and keeps the rest of the msg', async () => {
      const r = await rig('plex-butler-tasks');
      const req = { headers: { a: 1 } };
      r.node.receive({ payload: 'go', topic: 'nightly', req } as Msg);
      const msg = (await r.ok.nth(0)) as Msg;
      assert.deepEqual(msg.payload, DEFAULT_TASKS);
      assert.equal(msg.topic, 'nightly');
      assert.equal(msg.req, req);
      assert.equal(r.err.msgs.length, 0);
      assert.deepEqual(untimed(r.statuses.at(-1)), { fill: 'green', shape: 'dot', text: 'plex-butler-tasks.status.listed' });
      assert.equal(r.statuses[0].fill, 'blue');
    });
  });

  describe('plex-butler-start', () => {
    it('starts the configured task: started, then already-running', async () => {
      const r = await rig('plex-butler-start', { task: 'BackupDatabase' });
      r.node.receive({ payload: 1 } as Msg);
      assert.deepEqual((await r.ok.nth(0)).payload, { task: 'BackupDatabase', action: 'start', result: 'started' });
      const asked = clockTime(new Date());
      r.node.receive({ payload: 2 } as Msg);
      assert.deepEqual((await r.ok.nth(1)).payload, { task: 'BackupDatabase', action: 'start', result: 'already-running' });
      // The last answer, and when it came: the time of the answer, not of the deploy.
      assert.equal(untimed(r.statuses.at(-1)).text, 'plex-butler-start.status.already-running');
      assert.ok([asked, clockTime(new Date())].includes(String(r.statuses.at(-1)?.text).slice(-5)), String(r.statuses.at(-1)?.text));
    });

    it('takes msg.task, else a string msg.payload, when the node has none', async () => {
      const r = await rig('plex-butler-start', { task: '' });
      r.node.receive({ task: 'OptimizeDatabase', payload: 'RefreshLibraries' } as Msg);
      assert.equal(((await r.ok.nth(0)).payload as { task: string }).task, 'OptimizeDatabase');
      r.node.receive({ payload: ' RefreshLibraries ' } as Msg);
      assert.equal(((await r.ok.nth(1)).payload as { task: string }).task, 'RefreshLibraries');
      assert.deepEqual(sim.running().sort(), ['OptimizeDatabase', 'RefreshLibraries']);
    });

    it('the node\'s own task wins over msg.task', async () => {
      const r = await rig('plex-butler-start', { task: 'CleanOldBundles' });
      r.node.receive({ task: 'OptimizeDatabase' } as Msg);
      assert.equal(((await r.ok.nth(0)).payload as { task: string }).task, 'CleanOldBundles');
    });

    it('unknown task: output 2 with msg.error, payload and other properties kept', async () => {
      const r = await rig('plex-butler-start', { task: '' });
      const res = { id: 'http-res' };
      r.node.receive({ task: 'NoSuchTask', payload: { keep: true }, res } as Msg);
      const msg = (await r.err.nth(0)) as Msg;
      assert.deepEqual(msg.payload, { keep: true });
      assert.equal(msg.res, res);
      assert.deepEqual(msg.error, { message: 'Plex has no Butler task named "NoSuchTask"', code: 'UNKNOWN_TASK', statusCode: 404, task: 'NoSuchTask' });
      assert.equal(r.ok.msgs.length, 0);
      assert.deepEqual(untimed(r.statuses.at(-1)), { fill: 'red', shape: 'ring', text: 'UNKNOWN_TASK' });
    });

    it('path-injection attempts never reach the server', async () => {
      const r = await rig('plex-butler-start', { task: '' });
      const attempts = ['../library/sections', 'BackupDatabase?X-Plex-Token=x', 'Backup%2FDatabase', 'Backup Database', 'BackupDatabase/../../identity', 'a#b'];
      attempts.forEach((task) => r.node.receive({ task } as Msg));
      r.node.receive({ payload: 12 } as Msg);
      r.node.receive({ task: { name: 'x' } } as Msg);
      for (let i = 0; i < attempts.length + 2; i++) {
        const m = (await r.err.nth(i)) as Msg;
        assert.equal((m.error as { code: string }).code, 'INVALID_TASK');
      }
      assert.equal(sim.requests.length, 0);
    });

    it('no output 2 wired: the error goes to Catch once, and output 1 stays quiet', async () => {
      const r = await rig('plex-butler-start', { task: 'NoSuchTask' }, { errorWired: false });
      r.node.receive({ payload: 'x', topic: 't' } as Msg);
      const caught = new Inbox(helper.getNode('caught'));
      const msg = (await caught.nth(0)) as Msg;
      const error = msg.error as { code: string; message: string; source: { id: string } };
      assert.equal(error.code, 'UNKNOWN_TASK');
      assert.equal(error.source.id, 'n1');
      assert.equal(msg.topic, 't');
      await sleep(100);
      assert.equal(caught.msgs.length, 1);
      assert.equal(r.ok.msgs.length + r.err.msgs.length, 0);
    });

    it('output 2 wired: Catch is not fired', async () => {
      const r = await rig('plex-butler-start', { task: 'NoSuchTask' });
      const caught = new Inbox(helper.getNode('caught'));
      r.node.receive({} as Msg);
      await r.err.nth(0);
      await sleep(100);
      assert.equal(caught.msgs.length, 0);
    });
  });

  describe('plex-butler-stop', () => {
    it('stopped, not-running and unknown', async () => {
      const r = await rig('plex-butler-stop', { task: '' });
      sim.setRunning('BackupDatabase', true);
      r.node.receive({ payload: 'BackupDatabase' } as Msg);
      assert.deepEqual((await r.ok.nth(0)).payload, { task: 'BackupDatabase', action: 'stop', result: 'stopped' });
      r.node.receive({ payload: 'BackupDatabase' } as Msg);
      assert.deepEqual((await r.ok.nth(1)).payload, { task: 'BackupDatabase', action: 'stop', result: 'not-running' });
      r.node.receive({ payload: 'Nope' } as Msg);
      assert.equal(((await r.err.nth(0)).error as { code: string }).code, 'UNKNOWN_TASK');
      assert.equal(untimed(r.statuses.at(-1)).text, 'UNKNOWN_TASK');
    });
  });

  describe('plex-butler-all', () => {
    it('start and stop by configuration', async () => {
      const r = await rig('plex-butler-all', { action: 'start' });
      r.node.receive({} as Msg);
      assert.deepEqual((await r.ok.nth(0)).payload, { action: 'start', result: 'started' });
      assert.ok(sim.running().length > 0);
    });

    it('action from msg.action, else msg.payload; anything else is INVALID_ACTION with no request', async () => {
      const r = await rig('plex-butler-all', { action: 'msg' });
      r.node.receive({ action: 'start' } as Msg);
      assert.deepEqual((await r.ok.nth(0)).payload, { action: 'start', result: 'started' });
      r.node.receive({ payload: 'stop' } as Msg);
      assert.deepEqual((await r.ok.nth(1)).payload, { action: 'stop', result: 'stopped' });
      assert.deepEqual(sim.running(), []);
      const before = sim.requests.length;
      r.node.receive({ payload: 'restart' } as Msg);
      r.node.receive({ payload: true } as Msg);
      assert.equal(((await r.err.nth(0)).error as { code: string }).code, 'INVALID_ACTION');
      assert.equal(((await r.err.nth(1)).error as { code: string }).code, 'INVALID_ACTION');
      assert.equal(sim.requests.length, before);
    });
  });

  describe('configuration problems', () => {
    it('no server selected: NOT_CONFIGURED on output 2', async () => {
      const r = await rig('plex-butler-tasks', { server: '' });
      r.node.receive({ payload: 'x' } as Msg);
      const m = (await r.err.nth(0)) as Msg;
      assert.equal((m.error as { code: string }).code, 'NOT_CONFIGURED');
      assert.equal(m.payload, 'x');
    });

    it('no token: NOT_CONFIGURED, no request', async () => {
      const r = await rig('plex-butler-tasks', {}, { token: '' });
      r.node.receive({} as Msg);
      assert.equal(((await r.err.nth(0)).error as { code: string }).code, 'NOT_CONFIGURED');
      assert.equal(sim.requests.length, 0);
    });

    it('a pasted "X-Plex-Token=" prefix and spaces are stripped', async () => {
      const r = await rig('plex-butler-tasks', {}, { token: `  X-Plex-Token=${sim.token} ` });
      r.node.receive({} as Msg);
      assert.equal(((await r.ok.nth(0)).payload as unknown[]).length, DEFAULT_TASKS.length);
    });

    it('a ${PLEX_TOKEN} reference in the token reads the environment', async () => {
      process.env.PLEX_BUTLER_TEST_TOKEN = sim.token;
      try {
        const r = await rig('plex-butler-tasks', {}, { token: '${PLEX_BUTLER_TEST_TOKEN}' });
        r.node.receive({} as Msg);
        assert.equal(((await r.ok.nth(0)).payload as unknown[]).length, DEFAULT_TASKS.length);
      } finally {
        delete process.env.PLEX_BUTLER_TEST_TOKEN;
      }
    });

    it('wrong token: UNAUTHORIZED, and the token is nowhere in msg or status', async () => {
      const r = await rig('plex-butler-start', { task: 'BackupDatabase' }, { token: 'not-the-owner-token-xyz' });
      r.node.receive({} as Msg);
      const m = await r.err.nth(0);
      assert.equal((m.error as { code: string; statusCode: number }).statusCode, 401);
      const seen = JSON.stringify([m, r.statuses]);
      assert.ok(!seen.includes('not-the-owner-token-xyz'));
    });

    it('server absent: UNREACHABLE on output 2 and in the status', async () => {
      const url = await absentUrl();
      const r = await rig('plex-butler-tasks', {}, { serverProps: { url, timeout: 1000 } });
      r.node.receive({} as Msg);
      assert.equal(((await r.err.nth(0)).error as { code: string }).code, 'UNREACHABLE');
      assert.equal(untimed(r.statuses.at(-1)).text, 'UNREACHABLE');
    });
  });

  describe('close', () => {
    it('closing with a request in flight sends nothing, clears status and ends quickly', async () => {
      const r = await rig('plex-butler-start', { task: 'BackupDatabase' });
      sim.options.latencyMs = 3000;
      r.node.receive({} as Msg);
      await sleep(100);
      const started = Date.now();
      await helper.unload();
      assert.ok(Date.now() - started < 1000);
      assert.deepEqual(untimed(r.statuses.at(-1)), {});
      await sleep(100);
      assert.equal(r.ok.msgs.length + r.err.msgs.length, 0);
    });
  });

  describe('admin endpoints', () => {
    async function post(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
      const res = await helper.request().post(path).send(body).expect(200);
      return res.body as Record<string, unknown>;
    }

    it('tasks: uses the deployed server with the stored token', async () => {
      await rig('plex-butler-tasks');
      const body = await post('/plex-butler/tasks', { id: 's1' });
      assert.equal(body.ok, true);
      assert.deepEqual(body.tasks, DEFAULT_TASKS);
      assert.ok(!JSON.stringify(body).includes(sim.token));
    });

    it('the stored token is never sent to another URL', async () => {
      await rig('plex-butler-tasks');
      const other = await startSimulator({ token: sim.token });
      try {
        const body = await post('/plex-butler/tasks', { id: 's1', url: other.url, token: '__PWRD__' });
        assert.equal(body.ok, false);
        assert.equal(body.code, 'NOT_CONFIGURED');
        assert.equal(other.requests.length, 0);
      } finally {
        await other.close();
      }
    });

    it('test: reports the version, or 401 for a wrong token typed in the dialog', async () => {
      await rig('plex-butler-tasks');
      const good = await post('/plex-butler/test', { id: 's1', url: sim.url, token: '__PWRD__' });
      assert.equal(good.ok, true);
      assert.match(String(good.version), /^1\./);
      assert.equal(good.tasks, DEFAULT_TASKS.length);
      const bad = await post('/plex-butler/test', { id: 's1', url: sim.url, token: 'typed-wrong-token' });
      assert.deepEqual(bad, { ok: false, code: 'UNAUTHORIZED', statusCode: 401, message: bad.message });
      assert.ok(!JSON.stringify(bad).includes('typed-wrong-token'));
    });

    it('a deployed server whose URL and token are ${VAR} references: the dialog sends the fields as saved and gets through', async () => {
      process.env.PLEX_BUTLER_TEST_URL = sim.url;
      process.env.PLEX_BUTLER_TEST_TOKEN = sim.token;
      try {
        await rig('plex-butler-tasks', {}, { token: '${PLEX_BUTLER_TEST_TOKEN}', serverProps: { url: '${PLEX_BUTLER_TEST_URL}' } });
        const tasks = await post('/plex-butler/tasks', { id: 's1', url: '${PLEX_BUTLER_TEST_URL}', token: '__PWRD__' });
        assert.equal(tasks.ok, true, JSON.stringify(tasks));
        assert.deepEqual(tasks.tasks, DEFAULT_TASKS);
        const test = await post('/plex-butler/test', { id: 's1', url: '${PLEX_BUTLER_TEST_URL}', token: '__PWRD__' });
        assert.equal(test.ok, true, JSON.stringify(test));
        // Another reference typed in the dialog is not read from the environment.
        const other = await post('/plex-butler/test', { id: 's1', url: '${PLEX_BUTLER_TEST_TOKEN}', token: '__PWRD__' });
        assert.equal(other.ok, false);
        assert.equal(other.code, 'NOT_CONFIGURED');
        assert.ok(!JSON.stringify(other).includes(sim.token));
      } finally {
        delete process.env.PLEX_BUTLER_TEST_URL;
        delete process.env.PLEX_BUTLER_TEST_TOKEN;
      }
    });

    it('an unset ${VAR} in the server URL is named in the error', async () => {
      const r = await rig('plex-butler-tasks', {}, { serverProps: { url: '${PLEX_BUTLER_NOT_SET}' } });
      r.node.receive({ payload: '' });
      const msg = (await r.err.nth(0)) as NodeMessage & { error: { code: string; message: string } };
      assert.equal(msg.error.code, 'NOT_CONFIGURED');
      assert.match(msg.error.message, /PLEX_BUTLER_NOT_SET/);
    });

    it('test before a deploy with ${PLEX_URL} and no token: says the token is missing (a deploy would not help); with a token: deploy first', async () => {
      await rig('plex-butler-tasks');
      const missing = await post('/plex-butler/test', { id: 'new-one', url: '${PLEX_URL}', token: '' });
      assert.equal(missing.code, 'NOT_CONFIGURED');
      assert.match(String(missing.message), /token is missing/);
      assert.doesNotMatch(String(missing.message), /deploy/);
      const stored = await post('/plex-butler/test', { id: 'new-one', url: sim.url, token: '__PWRD__' });
      assert.match(String(stored.message), /token is missing/);
      const envUrl = await post('/plex-butler/test', { id: 'new-one', url: '${PLEX_URL}', token: '${PLEX_TOKEN}' });
      assert.match(String(envUrl.message), /deploy first/);
    });

    it('test works for an undeployed server with a typed token', async () => {
      const body = await post('/plex-butler/test', { id: 'new-one', url: sim.url, token: sim.token, timeout: 2000, verifyTls: true });
      assert.equal(body.ok, true);
    });
  });
});

