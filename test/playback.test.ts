// plex-butler-playback and the shared notification stream, against the simulator and misbehaving
// servers on 127.0.0.1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { NodeMessage } from 'node-red';
import type { ButlerSimulator } from '../sim/simulator';
import type { PlaybackSnapshot } from '../lib/events/playback';
import type { ActivityEvent } from '../lib/events/activity';
import playbackNode from '../nodes/plex-butler-playback';
import activityNode from '../nodes/plex-butler-activity';
import { ALL_NODES, core, FlowNode, helper, Inbox, sleep, spyStatus, until, useRuntime } from './helpers';

const [switchNode, debugNode, injectNode, commentNode] = ['function/10-switch', 'common/21-debug', 'common/20-inject', 'common/90-comment'].map(core);

const NODES = [...ALL_NODES, playbackNode, activityNode];
type Msg = NodeMessage & { payload: PlaybackSnapshot & { initial?: boolean }; error?: { code: string; message: string } };

interface Watched {
  ok: Inbox;
  err: Inbox;
}

describe('plex-butler-playback and the notification stream', function () {
  this.timeout(20000);
  let sim: ButlerSimulator;
  useRuntime({ playingIntervalMs: 200, pingIntervalMs: 100 }, (s) => {
    sim = s;
  });
  before(() => {
    helper.settings({ plexButler: { streamSilenceMs: 600, streamMinBackoffMs: 40, streamMaxBackoffMs: 160 } } as Record<string, unknown>);
  });
  after(() => {
    helper.settings({});
  });

  function server(url = sim.url): FlowNode {
    return { id: 's1', type: 'plex-butler-server', name: 'Plex', url, timeout: 2000, verifyTls: true };
  }

  /** Loads playback (p*) and activity (a*) nodes on one server, each with its own inboxes. */
  async function load(ids: string[], props: Record<string, unknown> = {}, url?: string, token = sim.token): Promise<Record<string, Watched>> {
    const flow: FlowNode[] = [{ id: 'f1', type: 'tab' }, server(url)];
    for (const id of ids) {
      const type = id.startsWith('p') ? 'plex-butler-playback' : 'plex-butler-activity';
      flow.push({ id, z: 'f1', type, name: '', server: 's1', idleGrace: 0.4, countPaused: true, ...props, wires: [[`${id}-ok`], [`${id}-err`]] });
      flow.push({ id: `${id}-ok`, z: 'f1', type: 'helper' }, { id: `${id}-err`, z: 'f1', type: 'helper' });
    }
    await helper.load(NODES, flow, { s1: { token } });
    return Object.fromEntries(ids.map((id) => [id, { ok: new Inbox(helper.getNode(`${id}-ok`)), err: new Inbox(helper.getNode(`${id}-err`)) }]));
  }

  async function nth(box: Inbox, n: number, ms = 5000): Promise<Msg> {
    return (await box.nth(n, ms)) as Msg;
  }

  it('sends the initial state once, then busy within 1 s of play, and idle only after the grace', async () => {
    const { p1 } = await load(['p1']);
    const first = await nth(p1.ok, 0);
    assert.equal(first.topic, 'idle');
    assert.equal(first.payload.initial, true);
    assert.ok(!Number.isNaN(Date.parse(first.payload.since)));
    await until(() => sim.openStreams === 1);
    await sleep(1100); // past the reads of the deploy, as a press of play normally is
    const pressed = Date.now();
    const key = sim.play({ user: 'Ann', title: 'Film' });
    const busy = await nth(p1.ok, 1);
    const toBusy = Date.now() - pressed;
    assert.equal(busy.topic, 'busy');
    assert.deepEqual({ ...busy.payload, since: '' }, { state: 'busy', sessions: 1, playing: 1, paused: 0, since: '' });
    assert.equal(busy.payload.initial, undefined);
    assert.ok(toBusy < 1000, `busy after ${toBusy} ms`);
    const stopped = Date.now();
    sim.stopPlayback(key);
    const idle = await nth(p1.ok, 2);
    const toIdle = Date.now() - stopped;
    assert.equal(idle.topic, 'idle');
    assert.ok(toIdle >= 400 && toIdle < 2500, `idle after ${toIdle} ms with a 400 ms grace`);
    console.log(`      play → busy ${toBusy} ms; stop → idle ${toIdle} ms (grace 400 ms)`);
  });

  it('a pause that resumes within the grace does not flap; with countPaused off a pause ends in idle', async () => {
    const { p1 } = await load(['p1'], { countPaused: false, idleGrace: 0.6 });
    await nth(p1.ok, 0);
    await until(() => sim.openStreams === 1);
    const key = sim.play();
    assert.equal((await nth(p1.ok, 1)).topic, 'busy');
    sim.pause(key);
    await sleep(150);
    sim.resume(key);
    await sleep(1200);
    assert.equal(p1.ok.msgs.length, 2, 'stayed busy');
    sim.pause(key);
    const idle = await nth(p1.ok, 2);
    assert.equal(idle.topic, 'idle');
    assert.equal(idle.payload.paused, 1);
    assert.equal(idle.payload.sessions, 0);
  });

  it('with countPaused on (the default) a paused session keeps it busy', async () => {
    const { p1 } = await load(['p1']);
    await nth(p1.ok, 0);
    await until(() => sim.openStreams === 1);
    const key = sim.play();
    await nth(p1.ok, 1);
    sim.pause(key);
    await sleep(1200);
    assert.equal(p1.ok.msgs.length, 2);
    helper.getNode('p1').receive({});
    const now = await nth(p1.ok, 2);
    assert.deepEqual([now.topic, now.payload.sessions, now.payload.paused], ['busy', 1, 1]);
  });

  it('buffering alone and a phantom session do not make it busy', async () => {
    const { p1 } = await load(['p1']);
    await nth(p1.ok, 0);
    await until(() => sim.openStreams === 1);
    sim.buffer();
    sim.phantom(500);
    await sleep(1200);
    assert.equal(p1.ok.msgs.length, 1);
    assert.equal(p1.ok.msgs[0].topic, 'idle');
  });

  it('an input msg gets the state now, the msg kept', async () => {
    const { p1 } = await load(['p1']);
    await nth(p1.ok, 0);
    sim.play();
    await nth(p1.ok, 1);
    helper.getNode('p1').receive({ payload: 'x', _keep: 7 } as unknown as NodeMessage);
    const answer = (await nth(p1.ok, 2)) as Msg & { _keep?: number };
    assert.equal(answer.topic, 'busy');
    assert.equal(answer._keep, 7);
    assert.equal(answer.payload.sessions, 1);
  });

  it('the stream drops while busy and playback ends meanwhile: idle after the reconnect', async () => {
    const { p1 } = await load(['p1']);
    await nth(p1.ok, 0);
    await until(() => sim.openStreams === 1);
    sim.play();
    await nth(p1.ok, 1);
    sim.restart(); // PMS restart: streams cut, sessions gone, keys start again
    const idle = await nth(p1.ok, 2);
    assert.equal(idle.topic, 'idle');
    await until(() => sim.openStreams === 1);
    const key = sim.play();
    assert.equal(key, '1');
    assert.equal((await nth(p1.ok, 3)).topic, 'busy');
  });

  it('a silent (half-open) stream is closed and replaced; one error msg for the whole outage', async () => {
    const { p1, a1 } = await load(['p1', 'a1']);
    await until(() => sim.openStreams === 1);
    sim.silence(true);
    await until(() => sim.streamCount >= 4, 8000);
    sim.silence(false);
    await until(() => sim.openStreams >= 1 && sim.streamCount >= 5, 8000);
    await sleep(300);
    for (const w of [p1, a1]) {
      assert.equal(w.err.msgs.length, 1, 'one report for the outage');
      assert.equal((w.err.msgs[0] as Msg).error?.code, 'UNREACHABLE');
      assert.match(String((w.err.msgs[0] as Msg).error?.message), /sent nothing/);
    }
    // Back and lost again: a second report.
    sim.dropStreams();
    await a1.err.nth(1, 5000);
  });

  it('one connection for two activity and two playback nodes, filtered for both; redeploy closes it', async () => {
    await load(['a1', 'a2', 'p1', 'p2']);
    await until(() => sim.openStreams === 1);
    await sleep(300);
    const streams = sim.requests.filter((r) => r.url.startsWith('/:/eventsource/notifications'));
    const last = streams.at(-1);
    assert.ok(last);
    assert.equal(new URL(last.url, sim.url).searchParams.get('filters'), 'activity,playing');
    assert.equal(sim.openStreams, 1);
    // the token only in the header
    assert.equal(last.headers['x-plex-token'], sim.token);
    assert.ok(!last.url.includes(sim.token));
    await helper.unload();
    await until(() => sim.openStreams === 0, 2000);
  });

  it('reads activities in the bare and the wrapped shape', async () => {
    for (const shape of ['bare', 'wrapped'] as const) {
      sim.options.activityShape = shape;
      const { a1 } = await load(['a1'], { maintenanceOnly: false });
      await until(() => sim.openStreams === 1);
      await fetch(`${sim.url}/butler/BackupDatabase`, { method: 'POST', headers: { 'X-Plex-Token': sim.token } });
      const got = (await a1.ok.nth(0)).payload as ActivityEvent;
      assert.equal(got.event, 'started', shape);
      assert.equal(got.subtitle, 'BackupDatabase');
      await helper.unload();
      await until(() => sim.openStreams === 0, 2000);
      sim.setRunning('BackupDatabase', false);
    }
  });

  it('a stream answered with an HTML page is BAD_RESPONSE naming the page', async () => {
    sim.options.streamReply = 'html';
    const { a1 } = await load(['a1']);
    const msg = (await a1.err.nth(0)) as Msg;
    assert.equal(msg.error?.code, 'BAD_RESPONSE');
    assert.match(String(msg.error?.message), /HTML page \("Proxy login"\)/);
    await sleep(400);
    assert.equal(a1.err.msgs.length, 1, 'reported once while it keeps trying');
  });

  it('the example "Pause maintenance during playback" stops all on play and starts again when idle', async () => {
    const file = path.join(__dirname, '..', '..', 'examples', 'Pause maintenance during playback.json');
    const nodes = JSON.parse(fs.readFileSync(file, 'utf8')) as FlowNode[];
    const flow = [{ id: 'tab', type: 'tab' }, ...nodes.map((n) => (n.type === 'plex-butler-server' ? { ...n, url: sim.url } : { ...n, z: 'tab', ...(n.type === 'plex-butler-playback' ? { idleGrace: 0.3 } : {}) }))];
    const server = nodes.find((n) => n.type === 'plex-butler-server');
    assert.ok(server);
    await helper.load([...NODES, switchNode, debugNode, injectNode, commentNode], flow, { [server.id]: { token: sim.token } });
    await until(() => sim.openStreams === 1);
    await sleep(1100);
    const butler = (method: string): number => sim.requests.filter((r) => r.method === method && r.url === '/butler').length;
    assert.equal(butler('POST'), 0, 'the idle state at deploy starts nothing');
    const key = sim.play();
    await until(() => butler('DELETE') === 1, 3000);
    sim.stopPlayback(key);
    await until(() => butler('POST') === 1, 4000);
    assert.equal(butler('DELETE'), 1);
  });

  describe('misbehaving servers', () => {
    let fake: http.Server;
    let behave: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;
    beforeEach(async () => {
      fake = http.createServer((req, res) => behave(req, res));
      await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    });
    afterEach(async () => {
      fake.closeAllConnections();
      await new Promise<void>((r) => fake.close(() => r()));
    });
    const url = (): string => `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;

    for (const [status, code] of [
      [401, 'UNAUTHORIZED'],
      [500, 'SERVER_ERROR'],
    ] as const) {
      it(`${status} on the stream is ${code}, reported once over many tries`, async () => {
        let tries = 0;
        behave = (req, res) => {
          if (req.url?.startsWith('/:/eventsource')) tries++;
          res.writeHead(status, { 'Content-Type': 'text/html' }).end('<html><head><title>x</title></head></html>');
        };
        const { a1 } = await load(['a1'], {}, url());
        const msg = (await a1.err.nth(0)) as Msg;
        assert.equal(msg.error?.code, code);
        await until(() => tries >= 5, 5000);
        assert.equal(a1.err.msgs.length, 1);
        const statuses = spyStatus(helper.getNode('a1'));
        await until(() => statuses.length > 0, 2000);
        assert.ok(statuses.some((s) => String(s.text).includes('reconnecting')), JSON.stringify(statuses));
      });
    }

    it('an oversized event ends the connection with BAD_RESPONSE', async () => {
      behave = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(`event: activity\ndata: ${'x'.repeat(300 * 1024)}`);
      };
      const { a1 } = await load(['a1'], {}, url());
      const msg = (await a1.err.nth(0)) as Msg;
      assert.equal(msg.error?.code, 'BAD_RESPONSE');
      assert.match(String(msg.error?.message), /over \d+ bytes/);
    });

    it('a watcher that throws does not take Node-RED down; the others still get events', async () => {
      behave = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(': hello\n\n');
        const note = { ActivityNotification: { event: 'started', uuid: 'u', Activity: { uuid: 'u', type: 'butler.task', title: 'Backup Database', subtitle: '', progress: 0 } } };
        setTimeout(() => res.write(`event: activity\ndata: ${JSON.stringify(note)}\n\n`), 300);
      };
      await load(['a1', 'a2'], { maintenanceOnly: false }, url());
      const a1 = helper.getNode('a1') as unknown as { send: () => void };
      a1.send = () => {
        throw new Error('boom');
      };
      const a2 = new Inbox(helper.getNode('a2-ok'));
      await a2.nth(0, 5000);
    });
  });
});

describe('playback timings from settings.js, and Only when idle agrees with the playback node', function () {
  this.timeout(20000);
  let sim: ButlerSimulator;
  useRuntime({ playingIntervalMs: 200, pingIntervalMs: 100 }, (s) => {
    sim = s;
  });
  const LINGER = 1000;
  before(() => {
    const plexButler = { streamSilenceMs: 600, streamMinBackoffMs: 40, streamMaxBackoffMs: 160, playbackPollMs: 200, playbackLingerMs: LINGER, playbackReadGapMs: 50 };
    helper.settings({ plexButler } as Record<string, unknown>);
  });
  after(() => {
    helper.settings({});
  });

  const reads = (): number => sim.requests.filter((r) => r.url === '/status/sessions').length;

  /** A playback node p1 (when asked) and a start node n1 with Only when idle, on one server. */
  async function load(withPlayback: boolean): Promise<{ p1: Inbox; n1: Inbox }> {
    const flow: FlowNode[] = [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'plex-butler-server', name: 'Plex', url: sim.url, timeout: 2000, verifyTls: true },
      { id: 'n1', z: 'f1', type: 'plex-butler-start', server: 's1', task: 'BackupDatabase', onlyWhenIdle: true, idleGrace: 0, wires: [['n1-ok'], ['n1-ok']] },
      { id: 'n1-ok', z: 'f1', type: 'helper' },
      { id: 'p1-ok', z: 'f1', type: 'helper' },
    ];
    if (withPlayback) flow.push({ id: 'p1', z: 'f1', type: 'plex-butler-playback', server: 's1', idleGrace: 0.2, countPaused: true, wires: [['p1-ok'], []] });
    await helper.load(NODES, flow, { s1: { token: sim.token } });
    return { p1: new Inbox(helper.getNode('p1-ok')), n1: new Inbox(helper.getNode('n1-ok')) };
  }

  async function startResult(n1: Inbox): Promise<{ result: string; sessions?: number }> {
    const n = n1.msgs.length;
    helper.getNode('n1').receive({} as NodeMessage);
    return (await n1.nth(n)).payload as { result: string; sessions?: number };
  }

  it('a player that quit without a stop: idle after playbackLingerMs, a re-read and the grace', async () => {
    const { p1 } = await load(true);
    await p1.nth(0);
    await until(() => sim.openStreams === 1);
    const key = sim.play();
    assert.equal((await p1.nth(1)).topic, 'busy');
    const vanished = Date.now();
    sim.linger(key);
    const idle = await p1.nth(2, 6000);
    const took = Date.now() - vanished;
    assert.equal(idle.topic, 'idle');
    // Bound: linger 1000 + re-read 200 + grace 200 (+ read time); never before the linger time.
    assert.ok(took >= LINGER - 50 && took < LINGER + 200 + 200 + 1500, `idle after ${took} ms`);
  });

  it('Only when idle judges a player that quit as the playback node does (what its stream saw)', async () => {
    const { p1, n1 } = await load(true);
    await p1.nth(0);
    await until(() => sim.openStreams === 1);
    const key = sim.play();
    await p1.nth(1);
    assert.deepEqual(await startResult(n1), { task: 'BackupDatabase', action: 'start', result: 'skipped', reason: 'playback', sessions: 1 });
    sim.linger(key);
    assert.equal((await p1.nth(2, 6000)).topic, 'idle');
    // Judged by what the stream saw: silent and unmoving since the player quit.
    assert.equal((await startResult(n1)).result, 'started');
  });

  it('Only when idle without a playback node: a session unmoved across reads playbackLingerMs apart does not count', async () => {
    const { n1 } = await load(false);
    const quit = sim.play({ player: 'TV' });
    const watching = sim.play({ player: 'Phone' });
    sim.linger(quit);
    assert.equal((await startResult(n1)).sessions, 2, 'first seen: both count');
    await sleep(LINGER + 100);
    assert.equal((await startResult(n1)).sessions, 1, 'the frozen one no longer counts, the moving one does');
    sim.stopPlayback(watching);
    assert.equal((await startResult(n1)).result, 'started');
  });

  it('a playback node removed during a read (its server node kept): nothing more reaches the server', async () => {
    const { p1 } = await load(true);
    await p1.nth(0);
    await until(() => sim.openStreams === 1);
    const key = sim.play();
    assert.equal((await p1.nth(1)).topic, 'busy');
    await sleep(300); // past the reads of the start
    sim.options.latencyMs = 400;
    const before = reads();
    sim.stopPlayback(key);
    await until(() => reads() > before, 3000); // the read of the stop is on the wire
    // Answered, it would find nobody and start the grace: a read 200 ms later. The server node stays.
    await (helper.getNode('p1') as unknown as { close: (removed: boolean) => Promise<void> }).close(true);
    const count = reads();
    await sleep(1200); // six busy re-reads, a retry and the lingering time
    assert.equal(reads(), count);
  });
});
