// PlaybackWatch with real timers: a failed read never leaves it stuck, and a closed watch sends
// nothing more to the server (the simulator on 127.0.0.1 counts the requests).
import assert from 'node:assert/strict';
import { ButlerClient } from '../lib/butler/client';
import { ButlerError } from '../lib/common/errors';
import { PlaybackWatch, WatchState } from '../lib/events/playback';
import type { PlaybackSession } from '../lib/events/sessions';
import { judgeSessions, SessionTraces } from '../lib/events/watching';
import { ButlerSimulator, startSimulator } from '../sim/simulator';
import { sleep, until } from './helpers';

const session = (key: string, offset: number, state: PlaybackSession['state'] = 'playing'): PlaybackSession => ({ sessionKey: key, state, viewOffset: offset, title: '', type: 'movie', user: '', player: '' });

describe('PlaybackWatch never stuck', function () {
  this.timeout(10000);

  it('defect 1: the read that ends the grace fails once: it is retried and idle follows', async () => {
    let list = [session('1', 100)];
    let failures = 0;
    const reader = async (): Promise<PlaybackSession[]> => {
      if (failures > 0) {
        failures -= 1;
        throw new ButlerError('TIMEOUT', 'No answer in time');
      }
      return list;
    };
    // The busy re-read (100 ms) falls inside the grace period (300 ms), as 60 s does in 60 s.
    const watch = new PlaybackWatch(reader, { idleGraceMs: 300, countPaused: true, minReadGapMs: 20, busyPollMs: 100, lingerMs: 60000 });
    const states: WatchState[] = [];
    watch.on('change', (snap) => states.push(snap.state));
    watch.on('problem', () => undefined);
    try {
      assert.equal((await watch.refresh()).state, 'busy');
      list = [];
      watch.notify({ sessionKey: '1', state: 'stopped', viewOffset: 100, ratingKey: '', clientIdentifier: '' });
      await sleep(180); // the stop is read, the grace runs, the busy re-read has passed
      assert.deepEqual(states, ['busy']);
      failures = 1; // the read at the end of the grace fails
      const t0 = Date.now();
      await until(() => states.length === 2, 2000);
      assert.deepEqual(states, ['busy', 'idle']);
      assert.ok(Date.now() - t0 < 1000, `idle after ${Date.now() - t0} ms`);
    } finally {
      watch.close();
    }
  });

  it('failed reads while busy are retried (first after the read gap, then doubling) until one succeeds', async () => {
    let failures = 4;
    const readsAt: number[] = [];
    const watch = new PlaybackWatch(async () => {
      readsAt.push(Date.now());
      if (failures-- > 0) throw new ButlerError('UNREACHABLE', 'down');
      return [];
    }, { idleGraceMs: 0, countPaused: true, minReadGapMs: 40, busyPollMs: 5000 });
    const problems: string[] = [];
    watch.on('problem', (e) => problems.push(e.code));
    try {
      await assert.rejects(watch.refresh());
      await until(() => watch.current?.state === 'idle', 3000);
      const gaps = readsAt.slice(1).map((t, i) => t - readsAt[i]);
      assert.equal(gaps.length, 4);
      // 40, 80, 160, 320 ms (timers are never early; a busy machine makes them late).
      gaps.forEach((gap, i) => assert.ok(gap >= 40 * 2 ** i - 2, `retry ${i + 1} after ${gap} ms`));
      assert.deepEqual(problems, ['UNREACHABLE'], 'reported once until a read succeeds');
    } finally {
      watch.close();
    }
  });
});

describe('PlaybackWatch closed during a read (simulator on 127.0.0.1)', function () {
  this.timeout(10000);
  let sim: ButlerSimulator;
  beforeEach(async () => {
    sim = await startSimulator({});
  });
  afterEach(async () => {
    await sim.close();
  });

  const reads = (): number => sim.requests.filter((r) => r.url === '/status/sessions').length;

  it('defect 2: the read under way is aborted and no request reaches the server after close', async () => {
    const client = new ButlerClient({ url: sim.url, token: sim.token, timeout: 5000 });
    sim.play();
    const watch = new PlaybackWatch((signal) => client.sessions({ signal }), { idleGraceMs: 0, countPaused: true, minReadGapMs: 20, busyPollMs: 150 });
    assert.equal((await watch.refresh()).state, 'busy');
    sim.options.latencyMs = 400;
    const before = reads();
    await until(() => reads() > before, 2000); // the busy re-read is on the wire
    const underWay = watch.refresh(); // joins it
    const closedAt = Date.now();
    watch.close();
    await assert.rejects(underWay, (err: ButlerError) => err.code === 'ABORTED');
    assert.ok(Date.now() - closedAt < 300, 'the read was answered, not aborted');
    const count = reads();
    await sleep(1000); // more than six busy re-reads
    assert.equal(reads(), count);
  });
});

describe('who is watching (lib/watching)', () => {
  it('a session lingers when neither a notification nor a move was seen for lingerMs', () => {
    const traces = new SessionTraces();
    traces.read([session('1', 100), session('2', 100, 'paused')], 0);
    const options = { countPaused: true, lingerMs: 1000 };
    assert.deepEqual(judgeSessions([session('1', 100), session('2', 100, 'paused')], traces, options, 999), { sessions: 2, playing: 1, paused: 1 });
    traces.noted('2', 100, 500);
    // At 1000: 1 lingers (unmoved, silent); 2 was heard at 500; 3 is new (no trace).
    const later = [session('1', 100), session('2', 100, 'paused'), session('3', 0)];
    assert.deepEqual(judgeSessions(later, traces, options, 1000), { sessions: 2, playing: 1, paused: 1 });
    // Moved since the last read: alive, though judging reads nothing into the traces.
    assert.equal(judgeSessions([session('1', 900)], traces, options, 5000).sessions, 1);
    assert.equal(traces.get('1')?.offset, 100);
    assert.equal(judgeSessions([session('2', 100, 'paused')], traces, { ...options, countPaused: false }, 0).sessions, 0);
  });

  it('a read forgets sessions no longer listed; a key seen again starts afresh', () => {
    const traces = new SessionTraces();
    traces.read([session('1', 100)], 0);
    traces.read([], 10);
    assert.equal(traces.get('1'), undefined);
    traces.read([session('1', 100)], 5000);
    assert.equal(judgeSessions([session('1', 100)], traces, { countPaused: true, lingerMs: 1000 }, 5500).sessions, 1);
  });
});
