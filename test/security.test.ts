// Security (issue 4): untrusted task names and actions (property tests), the token in every
// output we can capture, the admin endpoints (SSRF, bounded time), and a real Node-RED with
// adminAuth in a child process (permissions, flow export, credential file, log).
import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import fc from 'fast-check';
import type { Node, NodeMessage } from 'node-red';
import { ButlerClient, ButlerError, normaliseUrl } from '../lib';
import { startSimulator, ButlerSimulator, DEFAULT_TASKS } from '../sim/simulator';
import { absentUrl, switchServer, SwitchServer } from './fault-servers';
import { ALL_NODES, eventually, FlowNode, freePort, helper, Inbox, sleep, spyStatus, useHelperServer } from './helpers';
import { makeCerts, Certs, TlsServer } from './tls';
import { FakePlexTv, startFakePlexTv } from '../sim/plextv';
import { FakeGdm, startFakeGdm } from '../sim/gdm';
import activityNode from '../nodes/plex-butler-activity';
import playbackNode from '../nodes/plex-butler-playback';
import settingsNode from '../nodes/plex-butler-settings';

type Msg = NodeMessage & Record<string, unknown>;

/** The contract, written out on its own: letters and digits, a letter first, at most 64. */
function isTaskName(s: string): boolean {
  if (s.length < 1 || s.length > 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const digit = c >= 48 && c <= 57;
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

/** Pieces of path, query and encoding tricks, glued into hostile names. */
const piece = fc.constantFrom(
  '/', '.', '..', '../', '%2F', '%2f', '%2E%2E', '%00', '%', '?', '#', '&', '=', ';', ':', '@', '\\', ' ', '\t', '\n', '\r\n',
  '\u0000', 'X-Plex-Token=', 'identity', 'library', 'Backup', 'Database', 'A', 'z', '0', '9', 'é', 'ß', '\u202e', '\u00a0',
  '\ufeff', '\u212a', 'İ', '😀', 'Ａ', '٣',
);
const hostile = fc.array(piece, { maxLength: 8 }).map((a) => a.join(''));
const known = fc.constantFrom(...DEFAULT_TASKS.map((t) => t.name));
/** A valid name with one foreign character slipped in: the near misses a lax check lets through. */
const nearMiss = fc
  .tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{1,20}$/), fc.constantFrom('.', '%', '%2F', '/', '?', '#', ' ', '-', '_', '~', '+', 'é', 'ı', '\u212a', '０', '\n'), fc.nat())
  .map(([name, c, at]) => name.slice(0, 1 + (at % name.length)) + c + name.slice(1 + (at % name.length)));
const taskNames = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary-ascii', maxLength: 70 }),
  hostile,
  fc.tuple(known, hostile).map(([k, h]) => k + h),
  nearMiss,
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,70}$/),
  known,
);

describe('security', function () {
  this.timeout(30000);
  let sim: ButlerSimulator;

  beforeEach(async () => {
    sim = await startSimulator({ runMs: 60000, token: `tok${randomBytes(12).toString('hex')}` });
  });
  afterEach(async () => {
    await sim.close();
  });

  describe('untrusted task names and actions (fast-check)', () => {
    let client: ButlerClient;
    beforeEach(() => {
      client = new ButlerClient({ url: sim.url, token: sim.token, timeout: 3000 });
    });
    afterEach(() => client.close());

    /** Runs `call`; returns the new simulator requests and the error code, if any. */
    async function sent(call: () => Promise<unknown>): Promise<{ reqs: Array<{ method: string; url: string }>; code?: string; task?: string }> {
      const before = sim.requests.length;
      try {
        await call();
        return { reqs: sim.requests.slice(before) };
      } catch (err) {
        assert.ok(err instanceof ButlerError, String(err));
        return { reqs: sim.requests.slice(before), code: err.code, task: err.task };
      }
    }

    it('start: INVALID_TASK with no request, or exactly one POST to exactly /butler/<name>', async () => {
      await fc.assert(
        fc.asyncProperty(taskNames, async (name) => {
          const r = await sent(() => client.startTask(name));
          if (!isTaskName(name)) {
            assert.equal(r.code, 'INVALID_TASK');
            assert.deepEqual(r.reqs, []);
            return;
          }
          assert.ok(r.code === undefined || r.code === 'UNKNOWN_TASK', r.code);
          assert.deepEqual(r.reqs.map((q) => `${q.method} ${q.url}`), [`POST /butler/${name}`]);
          if (r.code) assert.equal(r.task, name);
        }),
        { numRuns: 400 },
      );
    });

    it('stop: INVALID_TASK with no request, or exactly one DELETE to exactly /butler/<name> (plus the list read on 404)', async () => {
      await fc.assert(
        fc.asyncProperty(taskNames, async (name) => {
          const r = await sent(() => client.stopTask(name));
          if (!isTaskName(name)) {
            assert.equal(r.code, 'INVALID_TASK');
            assert.deepEqual(r.reqs, []);
            return;
          }
          const lines = r.reqs.map((q) => `${q.method} ${q.url}`);
          assert.deepEqual(lines.filter((l) => l !== 'GET /butler'), [`DELETE /butler/${name}`]);
          assert.ok(lines.length <= 2);
        }),
        { numRuns: 300 },
      );
    });

    it('any other value as a task name is INVALID_TASK with no request', async () => {
      await fc.assert(
        fc.asyncProperty(fc.anything().filter((v) => typeof v !== 'string'), async (value) => {
          for (const call of [() => client.startTask(value), () => client.stopTask(value)]) {
            const r = await sent(call);
            assert.equal(r.code, 'INVALID_TASK');
            assert.deepEqual(r.reqs, []);
          }
        }),
        { numRuns: 200 },
      );
    });

    describe('through Node-RED', () => {
      useHelperServer();

      async function rig(type: string, props: Record<string, unknown>): Promise<(msg: Record<string, unknown>) => Promise<Msg>> {
        const flow: FlowNode[] = [
          { id: 'f1', type: 'tab' },
          { id: 's1', type: 'plex-butler-server', name: '', url: sim.url, timeout: 3000, verifyTls: true },
          { id: 'n1', z: 'f1', type, name: '', server: 's1', ...props, wires: [['out'], ['out']] },
          { id: 'out', z: 'f1', type: 'helper' },
        ];
        await helper.load(ALL_NODES, flow, { s1: { token: sim.token } });
        const inbox = new Inbox(helper.getNode('out'));
        const node = helper.getNode('n1') as Node;
        return async (msg) => {
          const n = inbox.msgs.length;
          node.receive(msg as Msg);
          return (await inbox.nth(n)) as Msg;
        };
      }

      it('plex-butler-start with msg.task from outside: INVALID_TASK and no request, or one POST to /butler/<trimmed name>', async () => {
        const send = await rig('plex-butler-start', { task: '' });
        const values = fc.oneof(taskNames, taskNames.map((s) => ` ${s}\t`), fc.anything());
        await fc.assert(
          fc.asyncProperty(values, async (task) => {
            const before = sim.requests.length;
            const out = await send({ task, payload: 'from mqtt' });
            const reqs = sim.requests.slice(before).map((q) => `${q.method} ${q.url}`);
            const name = typeof task === 'string' ? task.trim() : undefined;
            const error = out.error as { code: string } | undefined;
            if (name === undefined || !isTaskName(name)) {
              assert.equal(error?.code, 'INVALID_TASK');
              assert.deepEqual(reqs, []);
              assert.equal(out.payload, 'from mqtt');
            } else {
              assert.deepEqual(reqs, [`POST /butler/${name}`]);
            }
          }),
          { numRuns: 150 },
        );
      });

      it('plex-butler-all with msg.action from outside: INVALID_ACTION and no request, or one POST/DELETE to exactly /butler', async () => {
        const send = await rig('plex-butler-all', { action: 'msg' });
        const actions = fc.oneof(
          fc.constantFrom('start', 'stop', ' START ', 'Stop\n', 'restart', 'start;stop', 'start/../identity', 'ſtart', 'ＳＴＡＲＴ', 'stop?X-Plex-Token=x'),
          hostile,
          fc.string({ unit: 'binary', maxLength: 12 }),
          fc.anything(),
        );
        await fc.assert(
          fc.asyncProperty(actions, async (action) => {
            const before = sim.requests.length;
            const out = await send({ action });
            const reqs = sim.requests.slice(before).map((q) => `${q.method} ${q.url}`);
            const wanted = typeof action === 'string' ? action.trim().toLowerCase() : '';
            if (wanted === 'start' || wanted === 'stop') {
              assert.deepEqual(reqs, [`${wanted === 'start' ? 'POST' : 'DELETE'} /butler`]);
              assert.deepEqual(out.payload, { action: wanted, result: wanted === 'start' ? 'started' : 'stopped' });
            } else {
              assert.equal((out.error as { code: string } | undefined)?.code, 'INVALID_ACTION');
              assert.deepEqual(reqs, []);
            }
          }),
          { numRuns: 150 },
        );
      });
    });
  });

  describe('the token in every output', () => {
    const servers: Array<{ close(): Promise<void> }> = [];
    let certs: Certs;

    useHelperServer();
    before(() => {
      certs = makeCerts();
    });
    after(() => {
      certs.remove();
    });
    afterEach(async () => {
      for (const s of servers.splice(0)) await s.close();
    });

    it('is in no msg, Catch msg, status, log line, admin reply or error object, whatever goes wrong', async () => {
      const TOKEN = sim.token;
      const WRONG = `wrong${randomBytes(12).toString('hex')}`;
      const hang = await switchServer(sim.url, { kind: 'hang' });
      const five = await switchServer(sim.url, { kind: 'canned', answer: { status: 500, body: 'boom' } });
      const redirect = await switchServer(sim.url, { kind: 'canned', answer: { status: 302, headers: { Location: `${sim.url}/butler?X-Plex-Token=${TOKEN}` } } });
      const tls = new TlsServer(sim.url, certs.selfSigned);
      await tls.listen();
      servers.push({ close: () => hang.stop() }, { close: () => five.stop() }, { close: () => redirect.stop() }, tls);
      const absent = await absentUrl();
      const configs: Record<string, { url: string; token: string; timeout?: number }> = {
        good: { url: sim.url, token: TOKEN },
        wrong: { url: sim.url, token: WRONG },
        pasted: { url: sim.url, token: `  X-Plex-Token=${TOKEN} ` },
        hang: { url: hang.url, token: TOKEN, timeout: 300 },
        five: { url: five.url, token: TOKEN },
        redirect: { url: redirect.url, token: TOKEN },
        tls: { url: tls.url, token: TOKEN },
        absent: { url: absent, token: TOKEN, timeout: 500 },
        badurl: { url: `http://plex host:32400/?X-Plex-Token=${TOKEN}`, token: TOKEN },
        query: { url: `${sim.url}/?X-Plex-Token=${TOKEN}`, token: TOKEN },
      };
      const flow: FlowNode[] = [{ id: 'f1', type: 'tab' }];
      const creds: Record<string, { token: string }> = {};
      const targets: Array<{ id: string; msg: Record<string, unknown> }> = [];
      for (const [name, c] of Object.entries(configs)) {
        flow.push({ id: `s-${name}`, type: 'plex-butler-server', name, url: c.url, timeout: c.timeout ?? 2000, verifyTls: true });
        creds[`s-${name}`] = { token: c.token };
        flow.push(
          { id: `list-${name}`, z: 'f1', type: 'plex-butler-tasks', name: '', server: `s-${name}`, wires: [['ok'], ['err']] },
          { id: `start-${name}`, z: 'f1', type: 'plex-butler-start', name: '', server: `s-${name}`, task: '', wires: [['ok'], ['err']] },
          { id: `stop-${name}`, z: 'f1', type: 'plex-butler-stop', name: '', server: `s-${name}`, task: '', wires: [['ok'], ['err']] },
          { id: `all-${name}`, z: 'f1', type: 'plex-butler-all', name: '', server: `s-${name}`, action: 'msg', wires: [['ok'], []] },
        );
        targets.push(
          { id: `list-${name}`, msg: {} },
          { id: `start-${name}`, msg: { task: 'BackupDatabase' } },
          { id: `start-${name}`, msg: { task: '../identity?X-Plex-Token=x' } },
          { id: `stop-${name}`, msg: { payload: 'NoSuchTask' } },
          { id: `all-${name}`, msg: { action: 'stop' } },
        );
      }
      flow.push(
        { id: 'ok', z: 'f1', type: 'helper' },
        { id: 'err', z: 'f1', type: 'helper' },
        { id: 'c1', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'f1', type: 'helper' },
      );
      await helper.load(ALL_NODES, flow, creds);
      const statuses: unknown[] = [];
      for (const n of flow.filter((x) => /^(list|start|stop|all)-/.test(x.id))) spyStatus(helper.getNode(n.id), statuses);
      const ok = new Inbox(helper.getNode('ok'));
      const err = new Inbox(helper.getNode('err'));
      const caught = new Inbox(helper.getNode('caught'));
      for (const t of targets) (helper.getNode(t.id) as Node).receive(t.msg as Msg);
      const answered = (): number => ok.msgs.length + err.msgs.length + caught.msgs.length;
      await eventually(() => (answered() < targets.length ? `${answered()} answered` : undefined), 8000, 20);
      assert.equal(answered(), targets.length, 'every msg was answered');
      assert.ok(caught.msgs.length > 0 && ok.msgs.length > 0 && err.msgs.length > 0);

      // Admin endpoint replies, for every server, stored and typed token, same and other URL.
      const replies: unknown[] = [];
      const asks = Object.entries(configs).flatMap(([name, c]) =>
        [{ id: `s-${name}` }, { id: `s-${name}`, url: c.url, token: '__PWRD__' }, { id: `s-${name}`, url: hang.url }, { url: c.url, token: c.token, timeout: 300 }].flatMap((body) =>
          ['/plex-butler/test', '/plex-butler/tasks'].map(async (route) => {
            const res = await helper.request().post(route).send(body);
            replies.push(res.status, res.headers, res.text);
          }),
        ),
      );
      await Promise.all(asks);
      assert.equal(replies.length, asks.length * 3);

      // Error objects straight from the client, as a flow author might log them.
      const errors: unknown[] = [];
      await Promise.all(
        Object.values(configs).map(async (c) => {
          let client: ButlerClient;
          try {
            client = new ButlerClient({ url: c.url, token: c.token, timeout: c.timeout ?? 1000 });
          } catch (e) {
            errors.push(e);
            return;
          }
          await Promise.all([client.listTasks(), client.startTask('BackupDatabase'), client.identity()].map((p) => p.catch((e: unknown) => errors.push(e))));
          client.close();
        }),
      );
      assert.ok(errors.length >= 20);
      assert.ok(errors.every((e) => e instanceof ButlerError));

      const logged = helper.log().args;
      assert.ok(logged.length > 0);
      const show = (v: unknown): string => `${util.inspect(v, { depth: null, showHidden: true, maxStringLength: null })}\n${safeJson(v)}`;
      const seen = {
        'msgs on output 1': show(ok.msgs),
        'msgs on output 2': show(err.msgs),
        'Catch msgs': show(caught.msgs),
        'status calls': show(statuses),
        'node.log/warn/error': show(logged),
        'admin endpoint replies': show(replies),
        'ButlerError objects': errors.map((e) => `${show(e)}\n${String(e)}\n${(e as Error).stack ?? ''}`).join('\n'),
      };
      for (const [where, text] of Object.entries(seen)) {
        for (const secret of [TOKEN, WRONG, TOKEN.slice(0, 12), WRONG.slice(0, 12)]) {
          assert.ok(!text.includes(secret), `the token leaked into ${where}`);
        }
      }
      // The token was in play: it went out, as the header and only as the header.
      assert.ok(sim.requests.some((r) => r.headers['x-plex-token'] === TOKEN));
      assert.ok(sim.requests.every((r) => !r.url.includes(TOKEN) && !r.url.toLowerCase().includes('x-plex-token')));
      assert.ok(hang.requests.length + five.requests.length + redirect.requests.length > 0);
    });

    it('nor from the activity, playback and settings nodes, the stream, or the sign-in and discovery routes', async () => {
      const TOKEN = sim.token;
      const WRONG = `wrong${randomBytes(12).toString('hex')}`;
      const stream = await switchServer(sim.url, { kind: 'canned', answer: { status: 500, body: `no ${TOKEN}` } });
      const html = await switchServer(sim.url, { kind: 'canned', answer: { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<title>Proxy login</title>' } });
      const redirect = await switchServer(sim.url, { kind: 'canned', answer: { status: 302, headers: { Location: `${sim.url}/?X-Plex-Token=${TOKEN}` } } });
      const plexTv = await startFakePlexTv({ servers: [{ name: 'Home', owned: true, accessToken: TOKEN, connections: [{ uri: sim.url, local: true }] }] });
      const gdm = await startFakeGdm({ servers: [{ name: 'Found', port: 32400, resourceIdentifier: 'gdm1' }] });
      servers.push({ close: () => stream.stop() }, { close: () => html.stop() }, { close: () => redirect.stop() }, plexTv, gdm);
      const configs: Record<string, { url: string; token: string }> = {
        good: { url: sim.url, token: TOKEN },
        wrong: { url: sim.url, token: WRONG },
        five: { url: stream.url, token: TOKEN },
        html: { url: html.url, token: TOKEN },
        redirect: { url: redirect.url, token: TOKEN },
        absent: { url: await absentUrl(), token: TOKEN },
      };
      const flow: FlowNode[] = [{ id: 'f1', type: 'tab' }];
      const creds: Record<string, { token: string }> = {};
      const watchers: string[] = [];
      for (const [name, c] of Object.entries(configs)) {
        flow.push({ id: `s-${name}`, type: 'plex-butler-server', name, url: c.url, timeout: 1000, verifyTls: true });
        creds[`s-${name}`] = { token: c.token };
        flow.push(
          { id: `act-${name}`, z: 'f1', type: 'plex-butler-activity', name: '', server: `s-${name}`, maintenanceOnly: false, filter: '', wires: [['ok-act'], ['err']] },
          { id: `play-${name}`, z: 'f1', type: 'plex-butler-playback', name: '', server: `s-${name}`, idleGrace: 0, countPaused: true, wires: [['ok-play'], ['err']] },
          { id: `set-${name}`, z: 'f1', type: 'plex-butler-settings', name: '', server: `s-${name}`, mode: 'read', wires: [['ok-set'], ['err']] },
        );
        watchers.push(`act-${name}`, `play-${name}`, `set-${name}`);
      }
      const kinds = ['act', 'play', 'set'];
      flow.push(...kinds.map((k) => ({ id: `ok-${k}`, z: 'f1', type: 'helper' })), { id: 'err', z: 'f1', type: 'helper' });
      const plexButler = { plexTvUrl: plexTv.url, authUrl: plexTv.authUrl, gdmAddress: '127.0.0.1', gdmPort: gdm.port, streamMinBackoffMs: 50, streamMaxBackoffMs: 200, playbackReadGapMs: 100 };
      helper.settings({ plexButler } as Parameters<typeof helper.settings>[0]);
      try {
        await helper.load([...ALL_NODES, activityNode, playbackNode, settingsNode], flow, creds);
        const statuses: unknown[] = [];
        for (const id of watchers) spyStatus(helper.getNode(id), statuses);
        const [act, play, set] = kinds.map((k) => new Inbox(helper.getNode(`ok-${k}`)));
        const err = new Inbox(helper.getNode('err'));
        // The stream: a playback and an activity on the good server; the others fail to connect.
        await eventually(() => (sim.openStreams > 0 ? undefined : 'no stream'), 3000);
        const key = sim.play({ title: 'Film' });
        sim.emitActivity('started', { uuid: 'a1', type: 'media.generate.bif', title: 'Thumbnails', progress: 0, cancellable: true, userID: 1, subtitle: '' });
        // The state at deploy comes first (initial): stop only once a read has seen the play.
        const topics = (): string[] => play.msgs.map((m) => String(m.topic));
        assert.equal(await eventually(() => (topics().includes('busy') ? undefined : 'not busy yet'), 5000), undefined);
        sim.stopPlayback(key);
        // The settings node: a read, a write, and writes that are refused before any request.
        const settingsMsgs = [{}, { payload: { endHour: 6 } }, { payload: { tasks: { constructor: true } } }, { payload: { startHour: 99 } }];
        for (const name of Object.keys(configs)) for (const m of settingsMsgs) (helper.getNode(`set-${name}`) as Node).receive(m as Msg);
        const inPlay = (): string | undefined => (act.msgs.length > 0 && topics().lastIndexOf('idle') > topics().indexOf('busy') && set.msgs.length >= 2 ? undefined : `answered: ${act.msgs.length} activity, ${play.msgs.length} playback, ${set.msgs.length} settings`);
        assert.equal(await eventually(inPlay, 10000), undefined);
        await sleep(800); // reconnects and reports of the failing servers

        // Sign in with Plex and Find servers: every reply but the one final list the dialog asked for.
        const replies: unknown[] = [];
        const ask = async (route: string, body: object = {}): Promise<Record<string, unknown>> => {
          const res = await helper.request().post(route).send(body);
          replies.push(res.status, res.headers, res.text);
          return res.body as Record<string, unknown>;
        };
        const start = await ask('/plex-butler/signin');
        await ask('/plex-butler/signin/status', { handle: start.handle });
        assert.ok(plexTv.allow(new URLSearchParams(String(start.authUrl).split('#?')[1]).get('code') ?? ''));
        let final: Record<string, unknown> = {};
        for (let i = 0; i < 50 && final.state !== 'done'; i++) {
          await sleep(200);
          const res = await helper.request().post('/plex-butler/signin/status').send({ handle: start.handle });
          final = res.body as Record<string, unknown>;
          if (final.state !== 'done') replies.push(res.status, res.headers, res.text);
        }
        assert.equal(final.state, 'done');
        assert.ok(JSON.stringify(final).includes(TOKEN), 'the dialog that asked gets the owned server\'s token');
        assert.ok(!JSON.stringify(final).includes(plexTv.accountToken));
        await ask('/plex-butler/signin/status', { handle: start.handle });
        await ask('/plex-butler/signin/cancel', { handle: start.handle });
        await ask('/plex-butler/signin/status', { handle: 'made-up' });
        await ask('/plex-butler/discover');

        const show = (v: unknown): string => `${util.inspect(v, { depth: null, showHidden: true, maxStringLength: null })}\n${safeJson(v)}`;
        const seen = {
          'msgs on output 1': show([act.msgs, play.msgs, set.msgs]),
          'msgs on output 2': show(err.msgs),
          'status calls': show(statuses),
          'node.log/warn/error': show(helper.log().args),
          'sign-in and discovery replies': show(replies),
        };
        for (const [where, text] of Object.entries(seen)) {
          for (const secret of [TOKEN, WRONG, TOKEN.slice(0, 12), WRONG.slice(0, 12), plexTv.accountToken]) {
            assert.ok(!text.includes(secret), `the token leaked into ${where}`);
          }
        }
        // Each part was in play: the failing servers' errors on output 2, the stream with the token as header.
        assert.ok(err.msgs.length >= 10, `${err.msgs.length} on output 2`);
        assert.ok(sim.requests.some((r) => r.url.startsWith('/:/eventsource/notifications') && r.headers['x-plex-token'] === TOKEN));
        assert.ok(sim.requests.every((r) => !r.url.includes(TOKEN)));
      } finally {
        helper.settings({});
      }
    });
  });

  describe('admin endpoints', () => {
    let rec: SwitchServer;
    useHelperServer();
    beforeEach(async () => {
      rec = await switchServer(sim.url, { kind: 'canned', answer: { status: 404 } });
      const flow: FlowNode[] = [{ id: 's1', type: 'plex-butler-server', name: '', url: sim.url, timeout: 2000, verifyTls: true }];
      await helper.load(ALL_NODES, flow, { s1: { token: sim.token } });
    });
    afterEach(async () => {
      await rec.stop();
    });

    const post = async (route: string, body: unknown): Promise<Record<string, unknown>> =>
      (await helper.request().post(route).send(body as object).expect(200)).body as Record<string, unknown>;

    /** URLs that are not the stored one: other ports, paths, hosts, and junk. */
    const otherUrls = (recUrl: string): fc.Arbitrary<unknown> =>
      fc.oneof(
        fc.constant(recUrl),
        fc.constant(recUrl.replace('http://', '')),
        hostile.map((h) => recUrl + '/' + h),
        hostile.map((h) => `${sim.url}/${h}x`),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.anything(),
      );

    it('the stored token goes only to the stored URL: any other URL is refused before a request', async () => {
      await fc.assert(
        fc.asyncProperty(otherUrls(rec.url), fc.constantFrom('__PWRD__', '', undefined, '  '), fc.constantFrom('/plex-butler/test', '/plex-butler/tasks'), async (url, token, route) => {
          const simBefore = sim.requests.length;
          const reply = await post(route, { id: 's1', url, token });
          assert.equal(rec.requests.length, 0, 'a request reached the other server');
          let same = false;
          try {
            same = typeof url === 'string' && normaliseUrl(url) === normaliseUrl(sim.url);
          } catch {
            same = false;
          }
          const blank = typeof url !== 'string' || url.trim() === '';
          if (!same && !blank) {
            assert.equal(reply.ok, false);
            assert.equal(sim.requests.length, simBefore);
          }
          assert.ok(!JSON.stringify(reply).includes(sim.token));
        }),
        { numRuns: 120 },
      );
    });

    it('a typed token reaches only GET <base>/identity and GET <base>/butler, never with a query', async () => {
      await fc.assert(
        fc.asyncProperty(hostile, fc.constantFrom('/plex-butler/test', '/plex-butler/tasks'), async (suffix, route) => {
          rec.requests.length = 0;
          const url = `${rec.url}/${suffix}`;
          await post(route, { url, token: 'typed-token', timeout: 1000 });
          let base: string;
          try {
            base = new URL(normaliseUrl(url)).pathname.replace(/\/$/, '');
          } catch {
            assert.equal(rec.requests.length, 0);
            return;
          }
          for (const r of rec.requests) {
            assert.equal(r.method, 'GET');
            assert.ok(r.url === `${base}/identity` || r.url === `${base}/butler`, `${r.url} (base ${base})`);
            assert.ok(!r.url.includes('?'));
          }
        }),
        { numRuns: 100 },
      );
    });

    it('against a hanging server the reply comes within the timeout', async () => {
      await rec.set({ kind: 'hang' });
      for (const route of ['/plex-butler/test', '/plex-butler/tasks']) {
        const started = Date.now();
        const reply = await post(route, { url: rec.url, token: 'typed-token', timeout: 500 });
        const ms = Date.now() - started;
        assert.equal(reply.code, 'TIMEOUT');
        assert.ok(ms >= 450 && ms <= 800, `${route} answered after ${ms} ms`);
      }
    });

    // Pending on a fix in nodes/plex-butler-server.ts (not part of this change): the dialog's URL
    // goes through the ${VAR} expansion meant for the deployed node, so the reply names the value.
    it('a ${VAR} typed in the dialog URL is not expanded (no environment value in replies or requests)', async () => {
      const secret = `envsecret${randomBytes(6).toString('hex')}`;
      process.env.PLEX_BUTLER_TEST_SECRET = secret;
      try {
        const replies: unknown[] = [];
        for (const url of ['${PLEX_BUTLER_TEST_SECRET}', 'http://${PLEX_BUTLER_TEST_SECRET}:1']) {
          for (const route of ['/plex-butler/test', '/plex-butler/tasks']) replies.push(await post(route, { url, token: 'typed-token', timeout: 500 }));
        }
        assert.ok(!JSON.stringify(replies).includes(secret), JSON.stringify(replies));
      } finally {
        delete process.env.PLEX_BUTLER_TEST_SECRET;
      }
    });

    it('the docs say what these tests show: a typed ${VAR} refused, starts sent again only after a stale kept-alive socket', () => {
      const root = path.resolve(__dirname, '..', '..');
      for (const file of ['README.md', 'SECURITY.md']) {
        const text = fs.readFileSync(path.join(root, file), 'utf8').replace(/\s+/g, ' ');
        assert.ok(!/never retried/i.test(text.replace(/\*/g, '')), `${file} says starts and stops are never retried`);
        assert.ok(/stale kept-alive socket/i.test(text), `${file} does not say when a start is sent again`);
        assert.ok(!/expand[s]? a `\$\{VAR\}`/.test(text), `${file} says a typed \${VAR} is expanded`);
      }
    });
  });

  describe('a real Node-RED with adminAuth (child process)', () => {
    let red: RealNodeRed;
    let certsDir = '';
    let plexTv: FakePlexTv;
    let gdm: FakeGdm;
    before(async function () {
      this.timeout(40000);
      certsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-red-'));
      plexTv = await startFakePlexTv();
      gdm = await startFakeGdm({ servers: [{ name: 'Found', port: 32400, resourceIdentifier: 'gdm1' }] });
      red = await RealNodeRed.start(certsDir, { plexTvUrl: plexTv.url, authUrl: plexTv.authUrl, gdmAddress: '127.0.0.1', gdmPort: gdm.port });
    });
    after(async () => {
      await red?.stop();
      await plexTv?.close();
      await gdm?.close();
      fs.rmSync(certsDir, { recursive: true, force: true });
    });

    it('guards the admin endpoints with .write, keeps the token out of the export, the credential file and the log', async () => {
      const TOKEN = sim.token;
      const WRONG = `wrong${randomBytes(12).toString('hex')}`;
      const admin = await red.login('admin', 'pw-admin-1', '*');
      const viewer = await red.login('viewer', 'pw-viewer-1', 'read');
      const flows = [
        { id: 'f1', type: 'tab', label: 'security' },
        { id: 's1', type: 'plex-butler-server', name: 'Plex', url: sim.url, timeout: 2000, verifyTls: true, credentials: { token: TOKEN } },
        { id: 's2', type: 'plex-butler-server', name: 'Wrong', url: sim.url, timeout: 2000, verifyTls: true, credentials: { token: WRONG } },
        { id: 'i1', z: 'f1', type: 'inject', once: true, onceDelay: 0.1, repeat: '', props: [{ p: 'payload' }], payload: '', payloadType: 'date', wires: [['t1', 'b1']] },
        { id: 't1', z: 'f1', type: 'plex-butler-tasks', name: '', server: 's1', wires: [['d1'], ['d1']] },
        { id: 'b1', z: 'f1', type: 'plex-butler-start', name: '', server: 's2', task: 'BackupDatabase', wires: [['d1'], []] },
        { id: 'd1', z: 'f1', type: 'debug', active: true, tosidebar: false, console: true, tostatus: false, complete: 'true', targetType: 'full' },
      ];
      const deploy = await red.fetch('/flows', { method: 'POST', bearer: admin, json: flows, headers: { 'Node-RED-Deployment-Type': 'full' } });
      assert.ok(deploy.status === 200 || deploy.status === 204, `deploy: ${deploy.status} ${deploy.text}`);
      await red.waitForLog(/Started flows[\s\S]*Started flows/, 10000);

      // Permissions: nobody and a read-only user are turned away, an admin gets through.
      for (const route of ['/plex-butler/test', '/plex-butler/tasks']) {
        assert.equal((await red.fetch(route, { method: 'POST', json: { id: 's1' } })).status, 401);
        assert.equal((await red.fetch(route, { method: 'POST', json: { id: 's1' }, bearer: viewer })).status, 401);
        const good = await red.fetch(route, { method: 'POST', json: { id: 's1' }, bearer: admin });
        assert.equal(good.status, 200);
        assert.equal((JSON.parse(good.text) as { ok: boolean }).ok, true, good.text);
        assert.ok(!good.text.includes(TOKEN));
      }
      assert.ok(sim.requests.filter((r) => r.headers['x-plex-token'] === TOKEN).length >= 2);

      // Sign in with Plex and Find servers: .write as well, and nothing reaches the fakes for the others.
      const setupRoutes: Array<[string, unknown]> = [['/plex-butler/signin', {}], ['/plex-butler/signin/status', { handle: 'x' }], ['/plex-butler/signin/cancel', { handle: 'x' }], ['/plex-butler/discover', {}]];
      for (const [route, body] of setupRoutes) {
        assert.equal((await red.fetch(route, { method: 'POST', json: body })).status, 401, route);
        assert.equal((await red.fetch(route, { method: 'POST', json: body, bearer: viewer })).status, 401, route);
      }
      assert.equal(plexTv.requests.length + gdm.searches, 0, 'a refused request reached plex.tv or GDM');
      for (const [route, body] of setupRoutes) {
        const good = await red.fetch(route, { method: 'POST', json: body, bearer: admin });
        assert.equal(good.status, 200, route);
        if (route.endsWith('/signin')) {
          const started = JSON.parse(good.text) as { ok: boolean; handle: string; authUrl: string };
          assert.equal(started.ok, true, good.text);
          assert.ok(started.authUrl.startsWith(plexTv.authUrl));
          assert.equal((await red.fetch('/plex-butler/signin/cancel', { method: 'POST', json: { handle: started.handle }, bearer: admin })).status, 200);
        }
        if (route.endsWith('/discover')) assert.match(good.text, /"url":"http:\/\/127\.0\.0\.1:32400"/);
      }
      assert.equal(gdm.searches, 1);

      // The flows as the editor loads (and exports) them, and the credentials API.
      const got = await red.fetch('/flows', { bearer: admin });
      assert.equal(got.status, 200);
      assert.ok(got.text.includes('plex-butler-server') && !got.text.includes(TOKEN) && !got.text.includes(WRONG));
      const cred = await red.fetch('/credentials/plex-butler-server/s1', { bearer: admin });
      assert.deepEqual(JSON.parse(cred.text), { has_token: true });

      // Both flow nodes ran; their output and errors went to the log, without a token.
      const log = await red.waitForLog(/UNAUTHORIZED|401/, 8000);
      assert.match(log, /BackupDatabase/);
      for (const secret of [TOKEN, WRONG]) {
        assert.ok(!log.includes(secret), 'the token is in the Node-RED log');
        for (const file of red.files()) assert.ok(!fs.readFileSync(file, 'utf8').includes(secret), `the token is readable in ${path.basename(file)}`);
      }
      assert.ok(red.files().some((f) => f.endsWith('flows_cred.json')), 'credentials were written (encrypted)');
    });
  });
});

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}

// Password hashes (bcrypt, cost 8) of the test users' passwords "pw-admin-1" and "pw-viewer-1".
const ADMIN_HASH = '$2b$08$Vuc3TIznS3MP.Sr/tpN46exujuMv5cuiPen2O8PQLJY.SJnn5Lyfu';
const VIEWER_HASH = '$2b$08$wxg11/AfhCpsLZNa3zcqgulMucHtQT9VgyCzc7/N1/19quCepnmH6';

interface FetchOptions {
  method?: string;
  json?: unknown;
  form?: Record<string, string>;
  bearer?: string;
  headers?: Record<string, string>;
}

/** Node-RED 4 started from its own CLI in a temporary userDir, with this package linked in. */
class RealNodeRed {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly base: string,
    private readonly userDir: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  static async start(userDir: string, plexButler: Record<string, unknown>): Promise<RealNodeRed> {
    const port = await freePort();
    fs.mkdirSync(path.join(userDir, 'node_modules'));
    fs.symlinkSync(path.resolve(__dirname, '..', '..'), path.join(userDir, 'node_modules', 'node-red-contrib-plex-butler'), 'dir');
    const settings = {
      uiHost: '127.0.0.1',
      uiPort: port,
      flowFile: 'flows.json',
      credentialSecret: randomBytes(16).toString('hex'),
      adminAuth: {
        type: 'credentials',
        users: [
          { username: 'admin', password: ADMIN_HASH, permissions: '*' },
          { username: 'viewer', password: VIEWER_HASH, permissions: 'read' },
        ],
      },
      logging: { console: { level: 'info', metrics: false, audit: false } },
      plexButler,
      editorTheme: { tours: false },
      diagnostics: { enabled: false },
      telemetry: { enabled: false },
      externalModules: { autoInstall: false, palette: { allowInstall: false } },
    };
    const file = path.join(userDir, 'settings.js');
    fs.writeFileSync(file, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    const child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const red = new RealNodeRed(child, `http://127.0.0.1:${port}`, userDir);
    await red.waitForLog(/Started flows/, 30000);
    return red;
  }

  async login(username: string, password: string, scope: string): Promise<string> {
    const res = await this.fetch('/auth/token', { method: 'POST', form: { client_id: 'node-red-admin', grant_type: 'password', scope, username, password } });
    assert.equal(res.status, 200, res.text);
    return (JSON.parse(res.text) as { access_token: string }).access_token;
  }

  async fetch(route: string, o: FetchOptions = {}): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { ...o.headers };
    let body: string | undefined;
    if (o.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(o.json);
    } else if (o.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(o.form).toString();
    }
    if (o.bearer) headers.Authorization = `Bearer ${o.bearer}`;
    const res = await fetch(this.base + route, { method: o.method ?? 'GET', headers, body });
    return { status: res.status, text: await res.text() };
  }

  async waitForLog(pattern: RegExp, ms: number): Promise<string> {
    const until = Date.now() + ms;
    while (!pattern.test(this.output)) {
      if (Date.now() > until || this.child.exitCode !== null) throw new Error(`Node-RED log never matched ${pattern}:\n${this.output}`);
      await sleep(50);
    }
    return this.output;
  }

  /** Every file Node-RED wrote in its userDir (the linked package is not its own). */
  files(): string[] {
    return fs
      .readdirSync(this.userDir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(this.userDir, e.name))
      .filter((f) => !f.endsWith('settings.js'));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

