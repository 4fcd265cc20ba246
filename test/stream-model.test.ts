// Issue 17: model-based tests of the notification stream and the hub (fast-check), with a fake
// clock and a fake transport. Random sequences of answers, events, resets, HTTP errors, pages,
// stalls, time passing and stop(); after every step the invariants are checked.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ButlerErrorCode } from '../lib/common/errors';
import { NotificationKind, NotificationStream, StreamTiming } from '../lib/events/stream';
import { NotificationHub } from '../lib/events/hub';
import { FakeAnswer, FakeClock, FakeTransport, settle } from './fake-stream';

const SILENCE = 1000;
const MAX_BACKOFF = 800;
const RUNS = 150;

type Step =
  | { kind: 'answer'; how: FakeAnswer }
  | { kind: 'ping' }
  | { kind: 'event' }
  | { kind: 'drop'; clean: boolean }
  | { kind: 'tick'; ms: number }
  | { kind: 'stop' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<FakeAnswer>('events', 'events', 'page', 'stalled-page', 401, 500).map((how): Step => ({ kind: 'answer', how })) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'ping' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'event' }) },
  { weight: 2, arbitrary: fc.boolean().map((clean): Step => ({ kind: 'drop', clean })) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: SILENCE + MAX_BACKOFF + 200 }).map((ms): Step => ({ kind: 'tick', ms })) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'stop' }) },
);

const ACTIVITY = `event: activity\ndata: ${JSON.stringify({ ActivityNotification: { event: 'started', uuid: 'u1', Activity: { uuid: 'u1', type: 'butler.task', title: 'Backup', subtitle: '', progress: 0 } } })}\n\n`;

/** One stream, its fakes, and what it told its listeners. */
function rig(connectTimeout: number): { clock: FakeClock; transport: FakeTransport; stream: NotificationStream; problems: ButlerErrorCode[]; activities: { n: number } } {
  const clock = new FakeClock();
  const transport = new FakeTransport(clock);
  const timing: Partial<StreamTiming> = { connectTimeout, silenceMs: SILENCE, minBackoffMs: 100, maxBackoffMs: MAX_BACKOFF };
  const stream = new NotificationStream(transport, ['activity', 'playing'], timing, clock);
  const problems: ButlerErrorCode[] = [];
  const activities = { n: 0 };
  stream.on('problem', (err) => problems.push(err.code));
  stream.on('activity', () => activities.n++);
  return { clock, transport, stream, problems, activities };
}

/** The reports a stream must give for these attempts: once per outage and cause. */
function expectedReports(transport: FakeTransport): ButlerErrorCode[] {
  const out: ButlerErrorCode[] = [];
  let reported: ButlerErrorCode | undefined;
  for (const a of transport.attempts) {
    if (a.gotEvents) reported = undefined;
    if (a.endedAt === undefined || a.endedByStop) continue;
    const cause = FakeTransport.causeOf(a);
    if (cause !== reported) out.push(cause);
    reported = cause;
  }
  return out;
}

describe('the notification stream, model-based (issue 17)', function () {
  this.timeout(60000);

  it('one attempt at a time; no silence past its bound; a reconnect within maxBackoff of any end; each cause reported once; nothing left after stop', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(400, 5000), fc.array(step, { maxLength: 40 }), async (connectTimeout, steps) => {
        const { clock, transport, stream, problems, activities } = rig(connectTimeout);
        let stopped = false;
        let eventsSent = 0;
        const invariants = (): void => {
          assert.ok(transport.openCount <= 1, `${transport.openCount} attempts open at once`);
          if (stopped) return;
          const a = transport.current;
          if (a) {
            const bound = a.answer ? SILENCE : Math.min(connectTimeout, SILENCE);
            assert.ok(clock.now - a.lastByteAt <= bound, `an attempt silent for ${clock.now - a.lastByteAt} ms is still open (bound ${bound})`);
          } else {
            const last = transport.attempts.at(-1);
            const since = clock.now - (last?.endedAt ?? 0);
            assert.ok(since <= MAX_BACKOFF, `no attempt for ${since} ms after the last ended`);
          }
        };
        try {
          stream.start();
          await settle();
          for (const s of steps) {
            if (s.kind === 'answer') transport.answer(s.how);
            else if (s.kind === 'ping') transport.send(': ping\n\n');
            else if (s.kind === 'event') eventsSent += transport.send(ACTIVITY) ? 1 : 0;
            else if (s.kind === 'drop') transport.drop(s.clean);
            else if (s.kind === 'stop') {
              stopped = transport.stopping = true;
              stream.close();
            }
            if (s.kind === 'tick') await clock.advance(s.ms, invariants);
            else await settle();
            invariants();
          }
          transport.stopping = stopped = true;
          stream.close();
          await settle();
          // After stop: no timer, no attempt open, no listener, and no new attempt however long.
          const made = transport.attempts.length;
          assert.equal(clock.pending, 0, 'timers left after stop');
          assert.equal(transport.openCount, 0, 'an attempt left open after stop');
          assert.equal(stream.listenerCount('problem') + stream.listenerCount('state'), 0);
          await clock.advance(10 * (SILENCE + MAX_BACKOFF));
          assert.equal(transport.attempts.length, made, 'an attempt after stop');
          assert.deepEqual(problems, expectedReports(transport), 'reports: once per outage and cause');
          assert.equal(activities.n, eventsSent, 'every event sent reached the listener');
        } finally {
          stream.close();
          transport.close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});

type HubStep = { kind: 'watch'; kinds: NotificationKind[] } | { kind: 'unwatch'; index: number } | { kind: 'tick'; ms: number } | { kind: 'drop' };

const hubStep: fc.Arbitrary<HubStep> = fc.oneof(
  fc.subarray<NotificationKind>(['activity', 'playing'], { minLength: 1 }).map((kinds): HubStep => ({ kind: 'watch', kinds })),
  fc.nat(20).map((index): HubStep => ({ kind: 'unwatch', index })),
  fc.integer({ min: 1, max: 3000 }).map((ms): HubStep => ({ kind: 'tick', ms })),
  fc.constant<HubStep>({ kind: 'drop' }),
);

describe('the hub: at most one stream per server node, none after the last watcher (issue 17)', () => {
  it('any order of watchers coming and going, the stream failing meanwhile', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hubStep, { maxLength: 30 }), async (steps) => {
        const clock = new FakeClock();
        const transport = new FakeTransport(clock);
        const streams: NotificationStream[] = [];
        const hub = new NotificationHub(
          (kinds) => {
            const s = new NotificationStream(transport, kinds, { silenceMs: SILENCE, minBackoffMs: 100, maxBackoffMs: MAX_BACKOFF }, clock);
            streams.push(s);
            return s;
          },
          (err) => assert.fail(String(err)),
        );
        const subscriptions: Array<{ kinds: NotificationKind[]; unsubscribe: () => void; active: boolean }> = [];
        const invariants = (): void => {
          const open = streams.filter((s) => s.state !== 'closed');
          const active = subscriptions.filter((s) => s.active);
          assert.ok(open.length <= 1, `${open.length} streams open`);
          assert.ok(transport.openCount <= 1, `${transport.openCount} connections open`);
          if (active.length === 0) {
            assert.equal(open.length, 0, 'a stream with no watcher');
            assert.equal(transport.openCount, 0, 'a connection with no watcher');
            assert.equal(clock.pending, 0, 'a timer with no watcher');
          } else {
            assert.equal(open.length, 1, 'watchers but no stream');
            for (const k of active.flatMap((s) => s.kinds)) assert.ok(open[0].kinds.includes(k), `the stream lacks ${k}`);
          }
        };
        try {
          for (const s of steps) {
            if (s.kind === 'watch') {
              const unsubscribe = hub.watch({ kinds: s.kinds, state: () => undefined, problem: () => undefined });
              subscriptions.push({ kinds: s.kinds, unsubscribe, active: true });
            } else if (s.kind === 'unwatch' && subscriptions.length > 0) {
              // Any subscription, an ended one included: a second unsubscribe must change nothing.
              const sub = subscriptions[s.index % subscriptions.length];
              sub.unsubscribe();
              sub.active = false;
            } else if (s.kind === 'drop') {
              transport.drop(false);
            } else if (s.kind === 'tick') {
              await clock.advance(s.ms, invariants);
            }
            await settle();
            invariants();
          }
        } finally {
          hub.close();
          transport.close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the hub tells a late watcher the outage under way (issue 17)', () => {
  it('a watcher added during an outage hears its current cause; one added after the recovery hears none', async () => {
    const clock = new FakeClock();
    const transport = new FakeTransport(clock);
    const hub = new NotificationHub((kinds) => new NotificationStream(transport, kinds, { silenceMs: SILENCE, minBackoffMs: 100, maxBackoffMs: MAX_BACKOFF }, clock), (err) => assert.fail(String(err)));
    const heard = (): { problems: string[]; causes: Array<string | undefined> } => ({ problems: [], causes: [] });
    const watcher = (log: ReturnType<typeof heard>): Parameters<NotificationHub['watch']>[0] => ({
      kinds: ['playing'],
      state: (_state, _ms, cause) => log.causes.push(cause?.code),
      problem: (err) => log.problems.push(err.code),
    });
    try {
      const first = heard();
      hub.watch(watcher(first));
      await settle();
      transport.drop(false);
      await settle();
      await clock.advance(MAX_BACKOFF);
      transport.answer(401);
      await settle();
      assert.deepEqual(first.problems, ['UNREACHABLE', 'UNAUTHORIZED']);
      const late = heard();
      hub.watch(watcher(late));
      assert.deepEqual(late.problems, ['UNAUTHORIZED'], 'told the current cause, not the first');
      assert.deepEqual(late.causes, ['UNAUTHORIZED']);
      await clock.advance(MAX_BACKOFF);
      transport.answer('events');
      transport.send(': ping\n\n');
      await settle();
      const after = heard();
      hub.watch(watcher(after));
      assert.deepEqual(after.problems, [], 'nothing to tell once the stream is back');
    } finally {
      hub.close();
      transport.close();
    }
  });
});
