// plex-butler-report: runs followed through the shared notification stream, each outcome, the
// report and quiet msgs, keep, and the runs kept in a file context store across a restart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import { ButlerSimulator } from '../sim/simulator';
import type { ActivityRun, MaintenanceReport } from '../lib/events/report';
import reportNode from '../nodes/plex-butler-report';
import { ALL_NODES, FlowNode, helper, Inbox, sleep, spyStatus, Status, until, useRuntime } from './helpers';

type Msg = NodeMessage & Record<string, unknown>;
const NODES = [...ALL_NODES, reportNode];
const TIMINGS = { plexButler: { streamSilenceMs: 2000, streamMinBackoffMs: 400, streamMaxBackoffMs: 800 } };

/** The parts of the runtime the restart test drives (the helper keeps them private). */
interface Runtime {
  stopFlows(): Promise<void>;
  startFlows(): Promise<void>;
  setFlows(flows: FlowNode[], credentials: Record<string, unknown>, type: string): Promise<void>;
  loadContextsPlugin(): Promise<void>;
  closeContextsPlugin(): Promise<void>;
}

describe('plex-butler-report', function () {
  let sim: ButlerSimulator;
  // pings well inside streamSilenceMs: the stream stays up between runs
  useRuntime({ runMs: 150, mediaWorkMs: 60000, pingIntervalMs: 300 }, (s) => (sim = s));
  before(() => helper.settings(TIMINGS as Parameters<typeof helper.settings>[0]));
  after(() => helper.settings({}));

  const flow = (props: Record<string, unknown>): FlowNode[] => [
    { id: 'f1', type: 'tab' },
    { id: 's1', type: 'plex-butler-server', name: 'Plex', url: sim.url, timeout: 2000, verifyTls: true },
    { id: 'r1', z: 'f1', type: 'plex-butler-report', server: 's1', quietAfter: 10, keep: 500, onlyMaintenance: true, store: '', ...props, wires: [['ok'], ['err']] },
    { id: 'all', z: 'f1', type: 'plex-butler-all', server: 's1', action: 'stop', cancelActivities: true, wires: [['done'], ['err']] },
    { id: 'ok', z: 'f1', type: 'helper' },
    { id: 'err', z: 'f1', type: 'helper' },
    { id: 'done', z: 'f1', type: 'helper' },
  ];

  async function load(props: Record<string, unknown> = {}): Promise<{ ok: Inbox; statuses: Status[] }> {
    await helper.load(NODES, flow(props), { s1: { token: sim.token } });
    const statuses = spyStatus(helper.getNode('r1'));
    const ok = new Inbox(helper.getNode('ok'));
    await until(() => sim.openStreams === 1);
    return { ok, statuses };
  }

  /** Asks the report node and returns its payload (the nth msg on output 1). */
  async function ask(ok: Inbox, n: number, msg: Record<string, unknown> = {}): Promise<MaintenanceReport> {
    helper.getNode('r1').receive(msg as Msg);
    const got = await ok.nth(n);
    assert.equal(got.topic, 'report');
    return got.payload as MaintenanceReport;
  }

  const post = (route: string, method = 'POST'): Promise<Response> => fetch(`${sim.url}${route}`, { method, headers: { 'X-Plex-Token': sim.token } });
  const outcomes = (runs: ActivityRun[]): Array<[string, string]> => runs.map((r) => [r.subtitle || r.title, r.outcome]);

  it('finished: a Butler task that ran its course, with its duration, progress and a summary by type', async () => {
    const { ok } = await load();
    await post('/butler/BackupDatabase');
    await until(() => !sim.isRunning('BackupDatabase'));
    await sleep(100);
    const report = await ask(ok, 0, { topic: 'morning' });
    assert.equal(ok.msgs[0].topic, 'report');
    assert.equal(report.runs.length, 1);
    const run = report.runs[0];
    assert.deepEqual([run.subtitle, run.outcome, run.progress], ['BackupDatabase', 'finished', 100]);
    assert.ok(run.durationMs >= 100 && run.durationMs < 2000, String(run.durationMs));
    assert.deepEqual(report.byType['butler.task'], { title: 'Backup Database', runs: 1, finished: 1, totalMs: run.durationMs, lastEnded: run.ended });
    assert.deepEqual(report.running, []);
  });

  it('ended-early: stopped below 100%; cancelled: cancelled by this package; finished: no progress ever reported', async () => {
    sim.options.runMs = 60000;
    const { ok, statuses } = await load();
    await post('/butler/OptimizeDatabase');
    sim.startWork({ type: 'media.generate.credits', title: 'Detecting credits', subtitle: 'credits', durationMs: 300, cancellable: false, indeterminate: true });
    const [bif] = sim.addMedia({ title: 'S01E02' });
    await until(() => statuses.some((s) => s.text === 'plex-butler-report.status.running'));
    await sleep(400);
    await post('/butler/OptimizeDatabase', 'DELETE');
    const stopped = new Inbox(helper.getNode('done'));
    helper.getNode('all').receive({} as Msg);
    await stopped.nth(0);
    await sleep(200);
    const report = await ask(ok, 0);
    const byName = new Map(outcomes(report.runs));
    assert.equal(byName.get('OptimizeDatabase'), 'ended-early');
    assert.equal(byName.get('credits'), 'finished');
    assert.equal(byName.get('S01E02'), 'cancelled');
    assert.equal(report.runs.find((r) => r.uuid === bif.uuid)?.outcome, 'cancelled');
    // the media's credit detection is not cancellable: still running
    assert.deepEqual(report.running.map((r) => r.type), ['media.generate.credits']);
  });

  it('lost across a stream drop: ended while the stream was away; work that still runs stays running', async () => {
    const { ok, statuses } = await load();
    const gone = sim.startWork({ type: 'media.generate.bif', title: 'Generating video preview thumbnails', durationMs: 60000 });
    const stays = sim.startWork({ type: 'media.generate.intros', title: 'Detecting intros', durationMs: 60000 });
    await until(() => statuses.some((s) => s.text === 'plex-butler-report.status.running'));
    await sleep(100);
    const streams = sim.streamCount;
    sim.dropStreams();
    // ends while no stream listens (the reconnect waits at least 200 ms)
    assert.equal((await post(`/activities/${gone.uuid}`, 'DELETE')).status, 200);
    await until(() => sim.streamCount > streams && sim.openStreams === 1);
    await sleep(200);
    const report = await ask(ok, ok.msgs.length);
    assert.deepEqual(outcomes(report.runs), [['Generating video preview thumbnails', 'lost']]);
    assert.deepEqual(report.running.map((r) => r.uuid), [stays.uuid]);
  });

  it('lost across a server restart: gone when the stream came back', async () => {
    const { ok } = await load();
    sim.startWork({ type: 'media.generate.bif', title: 'Generating video preview thumbnails', durationMs: 60000 });
    await sleep(200);
    assert.equal((await ask(ok, 0)).running.length, 1);
    sim.restart();
    await until(() => sim.openStreams === 1 && sim.streamCount > 1);
    await sleep(200);
    const report = await ask(ok, 1);
    assert.deepEqual(outcomes(report.runs), [['Generating video preview thumbnails', 'lost']]);
    assert.deepEqual(report.running, []);
  });

  it('keeps at most `keep` runs, the oldest going first; msg.since narrows the report', async () => {
    const { ok } = await load({ keep: 2 });
    let middle = 0;
    for (const title of ['one', 'two', 'three']) {
      sim.startWork({ type: 'media.generate.bif', title, durationMs: 20 });
      await sleep(150);
      if (title === 'two') middle = Date.now();
    }
    const all = await ask(ok, 0, { since: 0 });
    assert.deepEqual(all.runs.map((r) => r.title), ['two', 'three']);
    const later = await ask(ok, 1, { since: new Date(middle).toISOString() });
    assert.deepEqual(later.runs.map((r) => r.title), ['three']);
    assert.equal(later.from, new Date(middle).toISOString());
    const asMs = await ask(ok, 2, { since: middle });
    assert.deepEqual(asMs.runs.map((r) => r.title), ['three']);
    const errors = new Inbox(helper.getNode('err'));
    helper.getNode('r1').receive({ since: 'yesterday-ish' } as Msg);
    const err = await errors.nth(0);
    assert.equal(((err as Msg).error as { code: string }).code, 'INVALID_SETTING');
  });

  it('a run outside the maintenance rule is not recorded (onlyMaintenance), and is with it off', async () => {
    const { ok } = await load();
    sim.startWork({ type: 'provider.subscriptions.process', title: 'Processing subscriptions', durationMs: 20 });
    await sleep(300);
    assert.deepEqual((await ask(ok, 0)).runs, []);
    await helper.unload();
    const second = await load({ onlyMaintenance: false });
    sim.startWork({ type: 'provider.subscriptions.process', title: 'Processing subscriptions', durationMs: 20 });
    await sleep(300);
    assert.deepEqual((await ask(second.ok, 0)).runs.map((r) => r.type), ['provider.subscriptions.process']);
  });

  it('one "quiet" msg per quiet spell, with the runs since the previous one', async () => {
    // 0.01 min = 600 ms without maintenance
    const { ok } = await load({ quietAfter: 0.01 });
    await post('/butler/BackupDatabase');
    const first = await ok.nth(0, 5000);
    assert.equal(first.topic, 'quiet');
    assert.deepEqual((first.payload as MaintenanceReport).runs.map((r) => r.subtitle), ['BackupDatabase']);
    await sleep(1500);
    assert.equal(ok.msgs.length, 1, 'no second quiet msg without a new run');
    await post('/butler/CleanOldBundles');
    const second = await ok.nth(1, 5000);
    assert.equal(second.topic, 'quiet');
    assert.deepEqual((second.payload as MaintenanceReport).runs.map((r) => r.subtitle), ['CleanOldBundles']);
  });

  it('the runs survive a Node-RED restart in a file context store (localfilesystem)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-report-'));
    let red: Runtime | undefined;
    helper.settings({ ...TIMINGS, contextStorage: { file: { module: 'localfilesystem', config: { dir, flushInterval: 3600 } } } } as Parameters<typeof helper.settings>[0]);
    try {
      await helper.load(NODES, [], {});
      red = (helper as unknown as { _redNodes: Runtime })._redNodes;
      await red.loadContextsPlugin();
      await red.setFlows(flow({ store: 'file' }), { s1: { token: sim.token } }, 'full');
      await until(() => sim.openStreams === 1);
      await post('/butler/BackupDatabase');
      const running = sim.startWork({ type: 'media.generate.bif', title: 'Generating video preview thumbnails', durationMs: 60000 });
      await until(() => !sim.isRunning('BackupDatabase'));
      await sleep(200);
      await red.stopFlows();
      await red.closeContextsPlugin();
      assert.ok(fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.json')), 'the store wrote a file');
      // while Node-RED is down, the thumbnails end
      assert.equal((await post(`/activities/${running.uuid}`, 'DELETE')).status, 200);
      await red.loadContextsPlugin();
      await red.startFlows();
      const ok = new Inbox(helper.getNode('ok'));
      await until(() => sim.openStreams === 1);
      await sleep(300);
      const report = await ask(ok, 0);
      assert.deepEqual(outcomes(report.runs), [
        ['BackupDatabase', 'finished'],
        ['Generating video preview thumbnails', 'lost'],
      ]);
    } finally {
      // the file store's flush timer would keep mocha from exiting
      await red?.stopFlows();
      await red?.closeContextsPlugin();
      helper.settings(TIMINGS as Parameters<typeof helper.settings>[0]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
