// PlaybackWatch.streamState: the watch knows whether the notification stream is up. While it is
// lost, a failed read is not reported (the lost stream was); back after an outage, it reads afresh.
import assert from 'node:assert/strict';
import { ButlerError } from '../lib/common/errors';
import { PlaybackWatch } from '../lib/events/playback';
import { FakeClock } from './fake-clock';

describe('PlaybackWatch follows the notification stream (streamState)', () => {
  let clock: FakeClock;
  let watch: PlaybackWatch;
  let reads: number;
  let failing: boolean;
  let problems: string[];

  beforeEach(() => {
    clock = new FakeClock();
    reads = 0;
    failing = false;
    problems = [];
    watch = new PlaybackWatch(
      async () => {
        reads++;
        if (failing) throw new ButlerError('UNREACHABLE', 'down');
        return [];
      },
      { idleGraceMs: 0, countPaused: true, minReadGapMs: 10, busyPollMs: 1000 },
      clock,
    );
    watch.on('problem', (e) => problems.push(e.code));
  });
  afterEach(() => watch.close());

  /** One read through refresh() that fails, then one that succeeds (so the next failure is a first again). */
  async function failThenRecover(): Promise<void> {
    failing = true;
    await assert.rejects(watch.refresh());
    failing = false;
    await watch.refresh();
  }

  it('up: a failed read is reported; lost (reconnecting, then connecting again): not; back (connected): reported again', async () => {
    assert.equal(watch.streamUp, true, 'up until told otherwise');
    await failThenRecover();
    assert.deepEqual(problems, ['UNREACHABLE']);

    watch.streamState('reconnecting');
    assert.equal(watch.streamUp, false);
    await failThenRecover();
    watch.streamState('connecting');
    assert.equal(watch.streamUp, false, 'connecting after a loss is still the outage');
    await failThenRecover();
    assert.deepEqual(problems, ['UNREACHABLE'], 'nothing reported during the outage');

    watch.streamState('connected');
    assert.equal(watch.streamUp, true);
    await failThenRecover();
    assert.deepEqual(problems, ['UNREACHABLE', 'UNREACHABLE']);
  });

  it('the first connect (connecting while up) keeps it up', async () => {
    watch.streamState('connecting');
    assert.equal(watch.streamUp, true);
    await failThenRecover();
    assert.deepEqual(problems, ['UNREACHABLE']);
  });

  it('back after an outage: a read at once (nothing remembered holds); connected while up: no extra read', async () => {
    await watch.refresh();
    await clock.advance(100);
    const before = reads;
    watch.streamState('connected');
    await clock.advance(100);
    assert.equal(reads, before, 'connected while up reads nothing more');

    watch.streamState('reconnecting');
    await clock.advance(100);
    assert.equal(reads, before, 'losing the stream reads nothing');
    watch.streamState('connected');
    await clock.advance(10);
    assert.equal(reads, before + 1, 'one read after the reconnect');
  });
});
