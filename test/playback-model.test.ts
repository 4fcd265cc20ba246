// Model-based tests of PlaybackWatch: a fake clock, a fake server whose reads succeed, fail or hang,
// random playback (play, pause, resume, stop, a player that vanishes, notifications lost), stream
// resets and close. Checked: the state reaches the truth within the documented bound, nothing runs
// after close, and the watch's own reads keep to the read gap.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PlaybackWatch } from '../lib/events/playback';
import type { PlaybackSession } from '../lib/events/sessions';
import { CountingClock, FakeClock } from './fake-clock';

/** Compressed timings, in the ratios of the defaults (grace 60 s, poll 60 s, linger 300 s, gap 1 s). */
const T = { grace: 600, poll: 600, linger: 3000, gap: 10, timeout: 100, tick: 50 };

/**
 * The bounds of README and help. Nobody watching: idle within grace + busy re-read + 3 × timeout,
 * plus the lingering time when a player vanished. Someone watching: busy at the next notification
 * (here every `tick`) + read gap + timeout, or, with reads failing until then, busy re-read + 2 × timeout.
 */
function bound(busy: boolean, vanished: boolean): number {
  if (busy) return Math.max(T.tick + T.gap + T.timeout, T.poll + 2 * T.timeout);
  return T.grace + T.poll + 3 * T.timeout + (vanished ? T.linger : 0);
}
const LONGEST = bound(false, true);

type ReadMode = 'ok' | 'fail' | 'hang';

interface Sess {
  state: 'playing' | 'paused';
  offset: number;
  movedFrom: number | undefined;
  vanished: boolean;
}

/** The simulated server: its sessions, how reads answer, and what the watch is told. */
class World {
  readonly sessions = new Map<string, Sess>();
  mode: ReadMode = 'ok';
  readStarts: number[] = [];
  aborted = 0;
  inFlight = 0;
  private nextKey = 1;
  private tickTimer: unknown;

  constructor(
    readonly clock: FakeClock,
    private readonly tell: () => PlaybackWatch | undefined,
  ) {
    this.tick();
  }

  offsetOf(s: Sess): number {
    return s.movedFrom === undefined ? s.offset : s.offset + this.clock.now() - s.movedFrom;
  }

  list(): PlaybackSession[] {
    return [...this.sessions].map(([key, s]) => ({ sessionKey: key, state: s.state, viewOffset: this.offsetOf(s), title: '', type: 'movie', user: '', player: '' }));
  }

  /** Whether someone watches, by the model's own rule (a vanished player watches nobody). */
  truth(countPaused: boolean): boolean {
    return [...this.sessions.values()].some((s) => !s.vanished && (countPaused || s.state === 'playing'));
  }

  read = (signal: AbortSignal): Promise<PlaybackSession[]> => {
    this.readStarts.push(this.clock.now());
    const mode = this.mode;
    this.inFlight += 1;
    let onAbort = (): void => undefined;
    return new Promise<PlaybackSession[]>((resolve, reject) => {
      const after = mode === 'hang' ? T.timeout : 5;
      const timer = this.clock.setTimeout(() => (mode === 'ok' ? resolve(this.list()) : reject(new Error(mode))), after);
      onAbort = (): void => {
        this.aborted += 1;
        this.clock.clearTimeout(timer);
        reject(new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }).finally(() => {
      this.inFlight -= 1;
      signal.removeEventListener('abort', onAbort);
    });
  };

  note(key: string, state: 'playing' | 'paused' | 'stopped', offset: number): void {
    this.tell()?.notify({ sessionKey: key, state, viewOffset: offset, ratingKey: '', clientIdentifier: '' });
  }

  play(lost: boolean): void {
    const key = String(this.nextKey++);
    this.sessions.set(key, { state: 'playing', offset: 0, movedFrom: this.clock.now(), vanished: false });
    if (!lost) this.note(key, 'playing', 0);
  }

  /** Applies a change to the nth live session (if any). */
  change(n: number, what: 'pause' | 'resume' | 'stop' | 'vanish', lost: boolean): void {
    const live = [...this.sessions].filter(([, s]) => !s.vanished);
    if (live.length === 0) return;
    const [key, s] = live[n % live.length];
    const offset = this.offsetOf(s);
    if (what === 'stop') this.sessions.delete(key);
    else if (what === 'vanish') s.vanished = true;
    else s.state = what === 'pause' ? 'paused' : 'playing';
    s.offset = offset;
    s.movedFrom = what === 'resume' ? this.clock.now() : undefined;
    if (!lost && what !== 'vanish') this.note(key, what === 'stop' ? 'stopped' : s.state, offset);
  }

  /** Every live session sends a notification every `tick` (as Plex players report their progress). */
  private tick(): void {
    this.tickTimer = this.clock.setTimeout(() => {
      for (const [key, s] of this.sessions) if (!s.vanished) this.note(key, s.state, this.offsetOf(s));
      this.tick();
    }, T.tick);
  }

  stop(): void {
    this.clock.clearTimeout(this.tickTimer);
  }
}

type Step =
  | { kind: 'wait'; ms: number }
  | { kind: 'play'; lost: boolean }
  | { kind: 'change'; n: number; what: 'pause' | 'resume' | 'stop' | 'vanish'; lost: boolean }
  | { kind: 'reads'; mode: ReadMode }
  | { kind: 'reset' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 1500 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('play' as const), lost: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('change' as const), n: fc.nat(5), what: fc.constantFrom('pause' as const, 'resume' as const, 'stop' as const, 'vanish' as const), lost: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('reads' as const), mode: fc.constantFrom('ok' as const, 'fail' as const, 'hang' as const) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'reset' as const }), weight: 1 },
);

interface Rig {
  clock: FakeClock;
  timers: CountingClock;
  world: World;
  watch: PlaybackWatch;
}

function rig(countPaused: boolean, grace = T.grace): Rig {
  const clock = new FakeClock();
  const timers = new CountingClock(clock);
  const told: { watch?: PlaybackWatch } = {};
  const world = new World(clock, () => told.watch);
  const watch = new PlaybackWatch(world.read, { idleGraceMs: grace, countPaused, minReadGapMs: T.gap, busyPollMs: T.poll, lingerMs: T.linger }, timers);
  told.watch = watch;
  watch.reset();
  return { clock, timers, world, watch };
}

/** Runs the steps; answers when the last change or fault happened (faults end with the steps). */
async function run(r: Rig, steps: Step[]): Promise<number> {
  let last = 0;
  for (const s of steps) {
    if (s.kind === 'wait') {
      await r.clock.advance(s.ms);
      continue;
    }
    last = r.clock.now();
    if (s.kind === 'play') r.world.play(s.lost);
    else if (s.kind === 'change') r.world.change(s.n, s.what, s.lost);
    else if (s.kind === 'reads') r.world.mode = s.mode;
    else r.watch.reset();
  }
  if (r.world.mode !== 'ok') last = r.clock.now();
  r.world.mode = 'ok';
  return last;
}

/** The watch's reads, at most one per read gap. */
function assertGaps(starts: number[]): void {
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i] - starts[i - 1] >= T.gap, `reads at ${starts[i - 1]} and ${starts[i]}`);
}

describe('PlaybackWatch, model-based (fake clock)', function () {
  this.timeout(60000);

  it('never stuck: once changes and faults end, the state equals the truth within the documented bound', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), fc.boolean(), fc.constantFrom(0, T.grace), async (steps, countPaused, grace) => {
        const r = rig(countPaused, grace);
        try {
          const last = await run(r, steps);
          const vanished = [...r.world.sessions.values()].some((s) => s.vanished);
          const busy = r.world.truth(countPaused);
          await r.clock.advance(Math.max(0, last + bound(busy, vanished) - r.clock.now()));
          const want = busy ? 'busy' : 'idle';
          assert.equal(r.watch.current?.state, want, `at ${r.clock.now()} ms`);
          // And it stays true: a further stretch changes nothing.
          await r.clock.advance(LONGEST);
          assert.equal(r.watch.current?.state, want);
          assertGaps(r.world.readStarts);
        } finally {
          r.watch.close();
          r.world.stop();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('after close: the read under way is aborted, no timer is left and no read starts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), fc.boolean(), async (steps, countPaused) => {
        const r = rig(countPaused);
        const changes: string[] = [];
        r.watch.on('change', (s) => changes.push(s.state));
        await run(r, steps);
        r.world.mode = 'hang';
        r.world.play(false); // a read is asked for; let it start and hang
        for (let i = 0; i < 200 && r.world.inFlight === 0; i++) await r.clock.advance(1);
        assert.equal(r.world.inFlight, 1, 'no read under way to close on');
        const reads = r.world.readStarts.length;
        const told = changes.length;
        r.watch.close();
        assert.equal(r.world.aborted, 1, 'the read under way was not aborted');
        await r.clock.advance(0); // the aborted read settles
        assert.equal(r.timers.timers, 0, 'a timer left after close');
        r.world.mode = 'ok';
        r.world.play(false);
        r.watch.notify({ sessionKey: '99', state: 'playing', viewOffset: 1, ratingKey: '', clientIdentifier: '' });
        r.watch.reset();
        await r.clock.advance(LONGEST * 2);
        assert.equal(r.world.readStarts.length, reads, 'a read started after close');
        assert.equal(r.timers.timers, 0);
        assert.equal(changes.length, told);
        r.world.stop();
      }),
      { numRuns: 100 },
    );
  });

  it('a burst of notifications reads at most once per read gap', async () => {
    const r = rig(true);
    try {
      for (let i = 0; i < 200; i++) {
        r.world.play(false);
        await r.clock.advance(1);
      }
      await r.clock.advance(T.poll * 3);
      assertGaps(r.world.readStarts);
      assert.ok(r.world.readStarts.length <= 200 / T.gap + (T.poll * 3) / T.gap + 2, `${r.world.readStarts.length} reads`);
      assert.equal(r.watch.current?.state, 'busy');
    } finally {
      r.watch.close();
      r.world.stop();
    }
  });
});
