// Stop also cancels running maintenance (plex-butler-all cancelActivities), against the
// simulator's GET /activities and DELETE /activities/{uuid} on real sockets.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import { ButlerSimulator, SimActivity } from '../sim/simulator';
import type { StopMaintenanceResult } from '../lib/butler/maintenance';
import { ButlerClient } from '../lib/butler/client';
import fs from 'node:fs';
import path from 'node:path';
import playbackNode from '../nodes/plex-butler-playback';
import { ALL_NODES, core, FlowNode, helper, Inbox, loadRig, Rig, until, useRuntime } from './helpers';

type Msg = NodeMessage & Record<string, unknown>;

describe('stop also cancels running maintenance', function () {
  let sim: ButlerSimulator;
  useRuntime({ runMs: 60000, mediaWorkMs: 60000 }, (s) => (sim = s));

  const rig = (props: Record<string, unknown> = {}): Promise<Rig> =>
    loadRig('plex-butler-all', { server: { url: sim.url, timeout: 2000, verifyTls: true }, token: sim.token, props: { action: 'stop', cancelActivities: true, ...props } });
  const named = (a: SimActivity): Record<string, string> => ({ uuid: a.uuid, type: a.type, title: a.title, subtitle: a.subtitle });
  const deletes = (): string[] => sim.requests.filter((r) => r.method === 'DELETE').map((r) => r.url);
  const listed = (): string[] => (sim as unknown as { work: { list(): SimActivity[] } }).work.list().map((a) => a.type);

  it('stops the Butler, cancels the cancellable maintenance and names the rest; a recording or download is left alone', async () => {
    const [bif, intros, credits] = sim.addMedia({ title: 'S01E01' });
    const subscriptions = sim.startWork({ type: 'provider.subscriptions.process', title: 'Processing subscriptions', durationMs: 60000 });
    const download = sim.startWork({ type: 'sync.download', title: 'Downloading for offline use', durationMs: 60000 });
    sim.setRunning('BackupDatabase', true);
    const { node, ok } = await rig();
    node.receive({ topic: 'play' } as Msg);
    const msg = (await ok.nth(0)) as Msg;
    const payload = msg.payload as StopMaintenanceResult;
    assert.deepEqual(payload, { action: 'stop', result: 'stopped', cancelled: [named(bif), named(intros)], notCancellable: [named(credits)] });
    assert.equal(msg.topic, 'play');
    assert.deepEqual(deletes(), ['/butler', `/activities/${bif.uuid}`, `/activities/${intros.uuid}`]);
    assert.equal(sim.isRunning('BackupDatabase'), false);
    assert.deepEqual(listed().sort(), [credits.type, download.type, subscriptions.type].sort());
  });

  it('a 400 to a listed-cancellable activity puts it in notCancellable; one that ended meanwhile (404) is in neither', async () => {
    const refusing = sim.startWork({ type: 'media.generate.bif', title: 'Generating video preview thumbnails', durationMs: 60000, refuseCancel: true });
    const vanishing = sim.startWork({ type: 'media.generate.intros', title: 'Detecting intros', durationMs: 60000, endsWhenListed: true });
    const { node, ok } = await rig();
    node.receive({} as Msg);
    const payload = (await ok.nth(0)).payload as StopMaintenanceResult;
    assert.deepEqual(payload.cancelled, []);
    assert.deepEqual(payload.notCancellable, [named(refusing)]);
    assert.deepEqual(deletes(), ['/butler', `/activities/${refusing.uuid}`, `/activities/${vanishing.uuid}`]);
  });

  it('/activities failing after the Butler stop: output 2 with msg.error and what was done in msg.payload', async () => {
    sim.options.activitiesStatus = 500;
    sim.setRunning('BackupDatabase', true);
    const { node, ok, err } = await rig();
    node.receive({ payload: 'x' } as Msg);
    const msg = (await err.nth(0)) as Msg;
    assert.equal((msg.error as { code: string }).code, 'SERVER_ERROR');
    assert.deepEqual(msg.payload, { action: 'stop', result: 'stopped', cancelled: [], notCancellable: [] });
    assert.equal(sim.isRunning('BackupDatabase'), false);
    assert.equal(ok.msgs.length, 0);
  });

  it('a uuid of the wrong shape is never put into a URL; the others are still cancelled, then output 2 says why', async () => {
    const hostile = sim.startWork({ uuid: '../../butler/BackupDatabase', type: 'media.generate.bif', title: 'Generating video preview thumbnails', durationMs: 60000 });
    const good = sim.startWork({ type: 'media.generate.intros', title: 'Detecting intros', durationMs: 60000 });
    const { node, err } = await rig();
    node.receive({} as Msg);
    const msg = (await err.nth(0)) as Msg;
    assert.equal((msg.error as { code: string }).code, 'BAD_RESPONSE');
    assert.deepEqual((msg.payload as StopMaintenanceResult).cancelled, [named(good)]);
    assert.deepEqual(deletes(), ['/butler', `/activities/${good.uuid}`]);
    assert.ok(listed().includes(hostile.type));
  });

  it('off by default: stop touches no activity; msg.cancelActivities overrides the setting either way', async () => {
    sim.addMedia();
    const { node, ok } = await rig({ cancelActivities: false });
    node.receive({} as Msg);
    assert.deepEqual((await ok.nth(0)).payload, { action: 'stop', result: 'stopped' });
    assert.equal(sim.requests.some((r) => r.url.startsWith('/activities')), false);
    node.receive({ cancelActivities: true } as Msg);
    assert.equal(((await ok.nth(1)).payload as StopMaintenanceResult).cancelled.length, 2);
  });

  it('msg.cancelActivities = false keeps a node set to cancel from cancelling', async () => {
    sim.addMedia();
    const { node, ok } = await rig();
    node.receive({ cancelActivities: false } as Msg);
    assert.deepEqual((await ok.nth(0)).payload, { action: 'stop', result: 'stopped' });
    assert.deepEqual(deletes(), ['/butler']);
  });

  it('the client checks a uuid before any request and remembers what it cancelled', async () => {
    const client = new ButlerClient({ url: sim.url, token: sim.token });
    try {
      await assert.rejects(client.cancelActivity('a/b'), { code: 'BAD_RESPONSE' });
      await assert.rejects(client.cancelActivity('..'), { code: 'BAD_RESPONSE' });
      assert.equal(sim.requests.length, 0);
      const [bif, , credits] = sim.addMedia();
      assert.equal(await client.cancelActivity(bif.uuid), 'cancelled');
      assert.equal(client.wasCancelled(bif.uuid), true);
      assert.equal(await client.cancelActivity(bif.uuid), 'gone');
      assert.equal(await client.cancelActivity(credits.uuid), 'not-cancellable');
      assert.equal(client.wasCancelled(credits.uuid), false);
      const list = await client.listActivities();
      assert.deepEqual(list.map((a) => [a.type, a.cancellable, a.progress]).sort(), [
        ['media.generate.credits', false, -1],
        ['media.generate.intros', true, 0],
      ]);
    } finally {
      client.close();
    }
  });
});

describe('simulator: activities of added media', function () {
  let sim: ButlerSimulator;
  useRuntime({ runMs: 60000, mediaWorkMs: 400 }, (s) => (sim = s));

  const call = (route: string, method = 'GET', token = sim.token): Promise<Response> => fetch(`${sim.url}${route}`, { method, headers: { 'X-Plex-Token': token, Accept: 'application/json' } });

  it('GET /activities lists Butler runs and media analysis in the real shape; DELETE answers 200, 400, 404', async () => {
    await call('/butler/BackupDatabase', 'POST');
    const r = await fetch(`${sim.url}/__sim/media`, { method: 'POST', body: JSON.stringify({ title: 'Pilot' }) });
    const { uuids } = (await r.json()) as { uuids: string[] };
    assert.equal(uuids.length, 3);
    const body = (await (await call('/activities')).json()) as { MediaContainer: { size: number; Activity: Array<Record<string, unknown>> } };
    assert.equal(body.MediaContainer.size, 4);
    for (const a of body.MediaContainer.Activity) assert.deepEqual(Object.keys(a).sort(), ['cancellable', 'progress', 'subtitle', 'title', 'type', 'userID', 'uuid']);
    const byType = new Map(body.MediaContainer.Activity.map((a) => [a.type, a]));
    assert.equal(byType.get('media.generate.bif')?.cancellable, true);
    assert.equal(byType.get('media.generate.intros')?.subtitle, 'Pilot');
    assert.equal(byType.get('media.generate.credits')?.cancellable, false);
    assert.equal(byType.get('media.generate.credits')?.progress, -1);
    const butler = byType.get('butler.task') as { uuid: string };
    assert.equal((await call(`/activities/${uuids[0]}`, 'DELETE')).status, 200);
    assert.equal((await call(`/activities/${uuids[0]}`, 'DELETE')).status, 404);
    assert.equal((await call(`/activities/${uuids[2]}`, 'DELETE')).status, 400);
    assert.equal((await call(`/activities/${butler.uuid}`, 'DELETE')).status, 400);
    assert.equal((await call(`/activities/${uuids[1]}`, 'DELETE', 'wrong')).status, 401);
  });

  it('DELETE /butler stops the Butler, not the analysis of added media, which ends by itself', async () => {
    sim.addMedia();
    await call('/butler/BackupDatabase', 'POST');
    assert.equal((await call('/butler', 'DELETE')).status, 200);
    const left = ((await (await call('/activities')).json()) as { MediaContainer: { Activity: Array<{ type: string }> } }).MediaContainer.Activity.map((a) => a.type);
    assert.deepEqual(left.sort(), ['media.generate.bif', 'media.generate.credits', 'media.generate.intros']);
    await until(() => (sim as unknown as { work: { list(): unknown[] } }).work.list().length === 0, 3000);
  });
});

describe('the Pause maintenance during playback example', function () {
  let sim: ButlerSimulator;
  useRuntime({ runMs: 60000, mediaWorkMs: 60000 }, (s) => {
    sim = s;
    process.env.PLEX_URL = s.url;
  });
  after(() => {
    delete process.env.PLEX_URL;
  });

  it('pressing play while the server analyses newly added media stops the Butler and cancels that analysis', async () => {
    const file = path.join(__dirname, '..', '..', 'examples', 'Pause maintenance during playback.json');
    const nodes = JSON.parse(fs.readFileSync(file, 'utf8')) as FlowNode[];
    const flow = [{ id: 'tab', type: 'tab' }, ...nodes.map((n) => (n.type === 'plex-butler-server' ? n : { ...n, z: 'tab' }))];
    const server = nodes.find((n) => n.type === 'plex-butler-server') as FlowNode;
    await helper.load([...ALL_NODES, playbackNode, core('common/20-inject'), core('common/21-debug'), core('common/90-comment'), core('function/10-switch')], flow, { [server.id]: { token: sim.token } });
    const stopAll = nodes.find((n) => n.type === 'plex-butler-all' && n.action === 'stop') as FlowNode;
    const results = new Inbox(helper.getNode(stopAll.id));
    const [bif, intros] = sim.addMedia({ title: 'New episode' });
    sim.setRunning('OptimizeDatabase', true);
    await until(() => sim.openStreams === 1);
    sim.play({ title: 'Film' });
    await until(() => deletes().length >= 3);
    assert.deepEqual(deletes(), ['/butler', `/activities/${bif.uuid}`, `/activities/${intros.uuid}`]);
    assert.equal(sim.isRunning('OptimizeDatabase'), false);
    assert.equal(results.msgs.length, 1, 'the stop node got the busy msg');
  });

  const deletes = (): string[] => sim.requests.filter((r) => r.method === 'DELETE').map((r) => r.url);
});
