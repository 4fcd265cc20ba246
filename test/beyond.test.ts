import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import { ActivityEvent, isMaintenance } from '../lib/events/activity';
import { readNotifications } from '../lib/events/stream';

const parseActivityData = (data: string): ActivityEvent[] => readNotifications('activity', data).activity;
import { ButlerSimulator, DEFAULT_TASKS, BUTLER_ACTIVITY_TYPE } from '../sim/simulator';
import settingsNode from '../nodes/plex-butler-settings';
import activityNode from '../nodes/plex-butler-activity';
import { ALL_NODES, FlowNode, helper, Inbox, sleep, spyStatus, until, useRuntime } from './helpers';

type Msg = NodeMessage & Record<string, unknown>;
const NODES = [...ALL_NODES, settingsNode, activityNode];

function code(msg: NodeMessage): string {
  return ((msg as Msg).error as { code: string }).code;
}

describe('beyond the Butler API', function () {
  let sim: ButlerSimulator;
  useRuntime({ runMs: 400 }, (s) => (sim = s));

  async function load(nodes: FlowNode[], token = sim.token): Promise<void> {
    const flow: FlowNode[] = [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'plex-butler-server', name: 'Plex', url: sim.url, timeout: 2000, verifyTls: true },
      { id: 'ok', z: 'f1', type: 'helper' },
      { id: 'err', z: 'f1', type: 'helper' },
      ...nodes,
    ];
    await helper.load(NODES, flow, { s1: { token } });
  }

  const inboxes = (): { ok: Inbox; err: Inbox } => ({ ok: new Inbox(helper.getNode('ok')), err: new Inbox(helper.getNode('err')) });
  const posts = (): number => sim.requests.filter((r) => r.method === 'POST').length;

  describe('only when idle', () => {
    const start = (extra: Record<string, unknown>): FlowNode => ({ id: 'n1', z: 'f1', type: 'plex-butler-start', server: 's1', task: 'BackupDatabase', onlyWhenIdle: true, idleGrace: 0, ...extra, wires: [['ok'], ['err']] });

    it('starts when nobody watches', async () => {
      await load([start({})]);
      const { ok } = inboxes();
      helper.getNode('n1').receive({} as Msg);
      assert.deepEqual((await ok.nth(0)).payload, { task: 'BackupDatabase', action: 'start', result: 'started' });
      assert.ok(sim.requests.some((r) => r.url === '/status/sessions'));
    });

    it('skips with reason and session count during playback, sending nothing to the Butler', async () => {
      sim.options.sessions = 2;
      await load([start({})]);
      const { ok } = inboxes();
      helper.getNode('n1').receive({ topic: 'keep' } as Msg);
      const msg = (await ok.nth(0)) as Msg;
      assert.deepEqual(msg.payload, { task: 'BackupDatabase', action: 'start', result: 'skipped', reason: 'playback', sessions: 2 });
      assert.equal(msg.topic, 'keep');
      assert.equal(posts(), 0);
    });

    it('a phantom stream inside the grace period holds the start back', async () => {
      await load([start({ idleGrace: 0.3 })]);
      const { ok } = inboxes();
      helper.getNode('n1').receive({} as Msg);
      setTimeout(() => (sim.options.sessions = 1), 100);
      const msg = await ok.nth(0);
      assert.equal((msg.payload as { result: string }).result, 'skipped');
      assert.equal(posts(), 0);
    });

    it('idle across the whole grace period: starts after it', async () => {
      await load([start({ idleGrace: 0.3 })]);
      const { ok } = inboxes();
      const t0 = Date.now();
      helper.getNode('n1').receive({} as Msg);
      assert.equal(((await ok.nth(0)).payload as { result: string }).result, 'started');
      assert.ok(Date.now() - t0 >= 290);
      assert.equal(sim.requests.filter((r) => r.url === '/status/sessions').length, 2);
    });

    it('off by default: no session check', async () => {
      sim.options.sessions = 3;
      await load([start({ onlyWhenIdle: undefined })]);
      const { ok } = inboxes();
      helper.getNode('n1').receive({} as Msg);
      assert.equal(((await ok.nth(0)).payload as { result: string }).result, 'started');
      assert.ok(!sim.requests.some((r) => r.url === '/status/sessions'));
    });

    it('plex-butler-all: start is held back during playback, stop never is', async () => {
      sim.options.sessions = 1;
      await load([{ id: 'n1', z: 'f1', type: 'plex-butler-all', server: 's1', action: 'msg', onlyWhenIdle: true, idleGrace: 0, wires: [['ok'], ['err']] }]);
      const { ok } = inboxes();
      helper.getNode('n1').receive({ payload: 'start' } as Msg);
      assert.deepEqual((await ok.nth(0)).payload, { action: 'start', result: 'skipped', reason: 'playback', sessions: 1 });
      helper.getNode('n1').receive({ payload: 'stop' } as Msg);
      assert.deepEqual((await ok.nth(1)).payload, { action: 'stop', result: 'stopped' });
      assert.equal(posts(), 0);
    });

    it('closing during the grace wait completes quietly', async () => {
      const completed = { id: 'c1', z: 'f1', type: 'complete', scope: ['n1'], wires: [['completed']] };
      await load([start({ idleGrace: 2 }), completed, { id: 'completed', z: 'f1', type: 'helper' }]);
      const { ok, err } = inboxes();
      const done = new Inbox(helper.getNode('completed'));
      const reads = (): number => sim.requests.filter((r) => r.url === '/status/sessions').length;
      helper.getNode('n1').receive({} as Msg);
      await until(() => reads() === 1);
      const t0 = Date.now();
      // The start node alone is removed (its server node stays, as on a partial redeploy).
      await (helper.getNode('n1') as unknown as { close: (removed: boolean) => Promise<void> }).close(true);
      await done.nth(0, 1000); // the msg ends at once, not when the 2 s grace is over
      assert.ok(Date.now() - t0 < 1000);
      await sleep(2500 - (Date.now() - t0)); // past the grace: a wait that ignored the close would read and start now
      assert.equal(reads(), 1);
      assert.equal(ok.msgs.length + err.msgs.length, 0);
      assert.equal(posts(), 0);
    });
  });

  describe('plex-butler-activity', () => {
    const activity = (id: string, extra: Record<string, unknown> = {}): FlowNode => ({ id, z: 'f1', type: 'plex-butler-activity', server: 's1', maintenanceOnly: false, filter: '', ...extra, wires: [['ok'], ['err']] });

    it('follows a started task to its end, msg.topic = type', async () => {
      await load([activity('a1')]);
      const { ok } = inboxes();
      await until(() => sim.openStreams === 1);
      const t = await fetch(`${sim.url}/butler/BackupDatabase`, { method: 'POST', headers: { 'X-Plex-Token': sim.token } });
      assert.equal(t.status, 200);
      const events = [await ok.nth(0), await ok.nth(1), await ok.nth(2)];
      assert.deepEqual(
        events.map((m) => (m.payload as ActivityEvent).event),
        ['started', 'updated', 'ended'],
      );
      const first = events[0].payload as ActivityEvent;
      assert.equal(events[0].topic, BUTLER_ACTIVITY_TYPE);
      assert.equal(first.title, DEFAULT_TASKS.find((x) => x.name === 'BackupDatabase')?.title);
      assert.equal((events[2].payload as ActivityEvent).progress, 100);
      const header = sim.requests.find((r) => r.url.startsWith('/:/eventsource/notifications'));
      assert.equal(header?.url, '/:/eventsource/notifications?filters=activity');
    });

    it('maintenance-only and word filters drop other activities', async () => {
      await load([activity('a1', { maintenanceOnly: true }), { ...activity('a2', { filter: 'backup' }), wires: [['err'], []] }]);
      const { ok, err } = inboxes();
      await until(() => sim.openStreams === 1);
      const base = { cancellable: true, userID: 1, subtitle: '', progress: 0 };
      sim.emitActivity('started', { ...base, uuid: 'u1', type: 'provider.subscriptions.process', title: 'Processing subscriptions' });
      sim.emitActivity('started', { ...base, uuid: 'u2', type: 'butler.task', title: 'Optimize Database' });
      sim.emitActivity('started', { ...base, uuid: 'u3', type: 'butler.task', title: 'Backup Database' });
      assert.equal(((await ok.nth(1)).payload as ActivityEvent).uuid, 'u3');
      assert.equal(((await ok.nth(0)).payload as ActivityEvent).uuid, 'u2');
      assert.equal(((await err.nth(0)).payload as ActivityEvent).uuid, 'u3');
      await sleep(100);
      assert.equal(ok.msgs.length, 2);
      assert.equal(err.msgs.length, 1);
    });

    it('one stream per server however many activity nodes', async () => {
      await load([activity('a1'), activity('a2'), activity('a3')]);
      await until(() => sim.openStreams === 1);
      await sleep(200);
      assert.equal(sim.streamCount, 1);
    });

    it('reconnects after the stream drops, showing it in the status', async () => {
      await load([activity('a1')]);
      const { ok } = inboxes();
      const spied = spyStatus(helper.getNode('a1'));
      await until(() => sim.openStreams === 1);
      sim.dropStreams();
      await until(() => sim.streamCount === 2 && sim.openStreams === 1, 15000);
      // The simulator counts the stream when it accepts it; the node says connected when the
      // answer's headers reach it, a moment later on a loaded machine.
      await until(() => String(spied.at(-1)?.text) === 'node-red:common.status.connected', 5000).catch(() => undefined);
      const statuses = spied.map((s) => String(s.text));
      assert.ok(statuses.some((t) => t.startsWith('plex-butler-activity.status.reconnecting')), statuses.join());
      assert.equal(statuses.at(-1), 'node-red:common.status.connected');
      await fetch(`${sim.url}/butler/OptimizeDatabase`, { method: 'POST', headers: { 'X-Plex-Token': sim.token } });
      assert.equal(((await ok.nth(0)).payload as ActivityEvent).event, 'started');
    });

    it('redeploy closes the stream', async () => {
      await load([activity('a1')]);
      await until(() => sim.openStreams === 1);
      await helper.unload();
      await until(() => sim.openStreams === 0, 2000);
    });

    it('a refused token is reported on output 2 with UNAUTHORIZED', async () => {
      await load([activity('a1')], 'wrong-token');
      const { err } = inboxes();
      const m = await err.nth(0);
      assert.equal(code(m), 'UNAUTHORIZED');
      assert.ok(!JSON.stringify(m).includes('wrong-token'));
    });
  });

  describe('plex-butler-settings', () => {
    const settings: FlowNode = { id: 'n1', z: 'f1', type: 'plex-butler-settings', server: 's1', wires: [['ok'], ['err']] };

    it('reads the window and task switches', async () => {
      await load([settings]);
      const { ok } = inboxes();
      helper.getNode('n1').receive({ payload: Date.now() } as Msg);
      const expected = Object.fromEntries(DEFAULT_TASKS.map((t) => [t.name, t.enabled]));
      assert.deepEqual((await ok.nth(0)).payload, { startHour: 2, endHour: 5, tasks: expected });
    });

    it('writes hours and switches, answering with what it read back', async () => {
      await load([settings]);
      const { ok } = inboxes();
      helper.getNode('n1').receive({ payload: { startHour: 0, endHour: 9, tasks: { BackupDatabase: false } } } as Msg);
      const got = (await ok.nth(0)).payload as { startHour: number; endHour: number; tasks: Record<string, boolean> };
      assert.equal(got.startHour, 0);
      assert.equal(got.endHour, 9);
      assert.equal(got.tasks.BackupDatabase, false);
      assert.deepEqual(sim.window, { startHour: 0, endHour: 9 });
      const put = sim.requests.find((r) => r.method === 'PUT');
      assert.equal(put?.url, '/:/prefs?ButlerStartHour=0&ButlerEndHour=9&ButlerTaskBackupDatabase=0');
    });

    it('invalid settings send nothing: INVALID_SETTING on output 2', async () => {
      await load([settings]);
      const { err } = inboxes();
      const bad = [{ startHour: 24 }, { endHour: -1 }, { startHour: 2.5 }, { startHour: '3' }, { tasks: { NoSuchTask: true } }, { tasks: { BackupDatabase: 'yes' } }, { tasks: { '../x': true } }, { colour: 'red' }, {}, [1, 2]];
      bad.forEach((payload) => helper.getNode('n1').receive({ payload } as Msg));
      for (let i = 0; i < bad.length; i++) assert.equal(code(await err.nth(i)), 'INVALID_SETTING', JSON.stringify(bad[i]));
      assert.equal(sim.requests.filter((r) => r.method === 'PUT').length, 0);
    });
  });

  describe('parsing', () => {
    it('reads activity notifications in any wrapper the server uses', () => {
      const note = { event: 'ended', uuid: 'u', Activity: { uuid: 'u', type: 't', title: 'T', subtitle: 's', progress: 100 } };
      const want = [{ event: 'ended', uuid: 'u', type: 't', title: 'T', subtitle: 's', progress: 100 }];
      assert.deepEqual(parseActivityData(JSON.stringify({ NotificationContainer: { type: 'activity', ActivityNotification: [note] } })), want);
      assert.deepEqual(parseActivityData(JSON.stringify({ ActivityNotification: note })), want);
      assert.deepEqual(parseActivityData(JSON.stringify(note)), want);
      assert.deepEqual(parseActivityData('not json'), []);
      assert.deepEqual(parseActivityData(JSON.stringify({ event: 'other' })), []);
    });

    it('tells maintenance activities from others', () => {
      const e = (type: string, title: string): ActivityEvent => ({ event: 'started', uuid: '', type, title, subtitle: '', progress: 0 });
      assert.equal(isMaintenance(e('butler.task', 'x')), true);
      assert.equal(isMaintenance(e('media.generate.intros', 'Detecting intros')), true);
      assert.equal(isMaintenance(e('x', 'Backing up database')), true);
      assert.equal(isMaintenance(e('provider.subscriptions.process', 'Processing subscriptions')), false);
      assert.equal(isMaintenance(e('transcode', 'Converting')), false);
    });
  });
});
