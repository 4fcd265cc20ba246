// The seeded script of one simulated day: slots of a few seconds, each an episode of viewers and,
// in most, a fault. Every day has the three episodes that find defects 1, 3 and 4 on a weak build
// (a failed read at the end of the grace, a stalled HTML answer, a token revoked after a reset).
import type { Fault, FaultRoute } from '../../sim/faults';
import type { Prng } from './prng';

/** What an episode can do to the world (the simulator, the model of the truth, the inject buttons). */
export interface World {
  play(): string;
  pause(key: string): void;
  resume(key: string): void;
  stop(key: string): void;
  /** The player vanished: listed, frozen, silent. */
  vanish(key: string): void;
  /** A `buffering` note (for a live session, or a fresh key never listed). */
  buffer(key?: string): void;
  restart(): void;
  /** Starts a fault window; `code` is the cause the stream must report; `drop` cuts open streams. */
  fault(name: string, route: FaultRoute, fault: Fault, opts?: { code?: string; drop?: boolean; stream?: boolean }): void;
  endFault(name: string, route: FaultRoute): void;
  /** Half-open silence: open streams and new ones send nothing. */
  silence(on: boolean): void;
  press(what: 'night' | 'flap' | 'stopTask'): void;
}

export interface Step {
  at: number;
  run(w: World): void;
}

/** How far into a slot the last fault may end; the rest of the slot lets the state settle. */
export const FAULT_SPAN_MS = 3800;

type Episode = (rng: Prng) => Step[];

const at = (ms: number, run: (w: World) => void): Step => ({ at: ms, run });

/** Runs after `play` so later steps find the key. */
function viewer(): { key: string } {
  return { key: '' };
}

const EPISODES: Record<string, Episode> = {
  /** Defect 1: the read at the end of the grace fails (sessions 500), then reads work again. */
  graceFail: () => {
    const v = viewer();
    return [
      at(0, (w) => (v.key = w.play())),
      at(1500, (w) => w.stop(v.key)),
      at(1750, (w) => w.fault('failing reads', 'sessions', { kind: 'fail' })),
      at(3750, (w) => w.endFault('failing reads', 'sessions')),
    ];
  },
  /** Defect 4: the stream is cut (UNREACHABLE), then every call is refused (401) for "an hour". */
  revoke: () => {
    const v = viewer();
    return [
      at(0, (w) => (v.key = w.play())),
      at(800, (w) => w.fault('token revoked', 'all', { kind: 'unauthorized' }, { code: 'UNAUTHORIZED', drop: true, stream: true })),
      at(1500, (w) => w.stop(v.key)),
      at(3800, (w) => w.endFault('token revoked', 'all')),
    ];
  },
  /** Defect 3: the stream is cut, and the reconnect meets an HTML page that stalls mid-title. */
  stalled: () => {
    const v = viewer();
    return [
      at(0, (w) => (v.key = w.play())),
      at(800, (w) => w.fault('stalled HTML', 'stream', { kind: 'htmlStalled' }, { drop: true, stream: true })),
      at(1400, (w) => w.stop(v.key)),
      at(3000, (w) => w.endFault('stalled HTML', 'stream')),
    ];
  },
  halfOpen: () => {
    const v = viewer();
    return [
      at(0, (w) => (v.key = w.play())),
      at(800, (w) => {
        w.silence(true);
        w.fault('half-open', 'stream', { kind: 'halfOpen' }, { code: 'UNREACHABLE', stream: true });
      }),
      at(1200, (w) => w.pause(v.key)),
      at(1800, (w) => w.stop(v.key)),
      at(3500, (w) => {
        w.silence(false);
        w.endFault('half-open', 'stream');
      }),
    ];
  },
  htmlThen500: () => {
    const v = viewer();
    return [
      at(0, (w) => (v.key = w.play())),
      at(800, (w) => w.fault('proxy HTML page', 'stream', { kind: 'html' }, { code: 'BAD_RESPONSE', drop: true, stream: true })),
      at(2200, (w) => {
        w.endFault('proxy HTML page', 'stream');
        w.fault('stream 500', 'stream', { kind: 'fail' }, { code: 'SERVER_ERROR', stream: true });
      }),
      at(2600, (w) => w.stop(v.key)),
      at(3600, (w) => w.endFault('stream 500', 'stream')),
    ];
  },
  serverErrors: () => {
    const v = viewer();
    return [
      at(500, (w) => w.fault('500s', 'all', { kind: 'fail' }, { code: 'SERVER_ERROR', drop: true, stream: true })),
      at(1000, (w) => (v.key = w.play())),
      at(1300, (w) => w.press('night')),
      at(2500, (w) => w.endFault('500s', 'all')),
      at(3500, (w) => w.stop(v.key)),
    ];
  },
  restart: () => {
    const a = viewer();
    const b = viewer();
    const c = viewer();
    return [
      at(0, (w) => (a.key = w.play())),
      at(300, (w) => (b.key = w.play())),
      at(1200, (w) => w.restart()),
      at(1600, (w) => (c.key = w.play())),
      at(3000, (w) => w.stop(c.key)),
    ];
  },
  slowReads: () => {
    const a = viewer();
    const b = viewer();
    return [
      at(0, (w) => w.fault('slow reads', 'sessions', { kind: 'slow', delayMs: 400 })),
      at(200, (w) => (a.key = w.play())),
      at(600, (w) => (b.key = w.play())),
      at(1500, (w) => w.stop(a.key)),
      at(1800, (w) => w.fault('reads past the timeout', 'sessions', { kind: 'slow', delayMs: 1500 })),
      at(2500, (w) => w.stop(b.key)),
      at(2700, (w) => w.fault('slow reads', 'sessions', { kind: 'slow', delayMs: 400 })),
      at(3500, (w) => w.endFault('slow reads', 'sessions')),
    ];
  },
  reset: () => {
    const v = viewer();
    return [
      at(0, (w) => (v.key = w.play())),
      at(800, (w) => w.fault('stream resets', 'stream', { kind: 'reset' }, { code: 'UNREACHABLE', drop: true, stream: true })),
      at(1300, (w) => w.stop(v.key)),
      at(3000, (w) => w.endFault('stream resets', 'stream')),
    ];
  },
  viewing: (rng) => viewingEpisode(rng),
};

/** Two or three overlapping viewers: pauses, buffering, and one in three vanishes without a stop. */
function viewingEpisode(rng: Prng): Step[] {
  const steps: Step[] = [];
  const n = rng.int(2, 3);
  for (let i = 0; i < n; i++) {
    const v = viewer();
    const start = rng.int(0, 800);
    const end = start + rng.int(1200, 2800);
    steps.push(at(start, (w) => (v.key = w.play())));
    if (rng.chance(0.5)) {
      const p = rng.int(start + 200, end - 400);
      steps.push(at(p, (w) => w.pause(v.key)), at(p + 300, (w) => w.resume(v.key)));
    }
    if (rng.chance(0.5)) steps.push(at(start + 150, (w) => w.buffer(v.key)));
    const vanishes = rng.chance(0.33);
    steps.push(at(vanishes ? Math.max(start + 200, Math.min(end, 1500)) : end, (w) => (vanishes ? w.vanish(v.key) : w.stop(v.key))));
  }
  steps.push(at(rng.int(0, 3000), (w) => w.buffer()));
  return steps;
}

const DEFECT_EPISODES = ['graceFail', 'revoke', 'stalled'];
const OTHER_EPISODES = ['viewing', 'halfOpen', 'htmlThen500', 'serverErrors', 'restart', 'slowReads', 'reset', 'viewing'];

export interface DayPlan {
  episodes: string[];
  steps: Step[];
}

export const EPISODE_NAMES: readonly string[] = Object.keys(EPISODES);

/**
 * One day: `slots` episodes of `slotMs` each, the defect episodes always among them; `only`
 * (to look into one kind of episode) takes the episodes from that list instead.
 */
export function planDay(rng: Prng, day: number, slots: number, slotMs: number, only?: readonly string[]): DayPlan {
  const extra: string[] = [];
  const base = only && only.length > 0 ? [] : DEFECT_EPISODES;
  const others = only && only.length > 0 ? only : OTHER_EPISODES;
  for (let i = 0; extra.length < Math.max(0, slots - base.length); i++) extra.push(others[(day * 3 + i) % others.length]);
  const episodes = rng.shuffle([...base, ...extra]).slice(0, slots);
  const steps: Step[] = [];
  episodes.forEach((name, i) => {
    for (const s of EPISODES[name](rng)) steps.push({ at: i * slotMs + s.at, run: s.run });
    // The "Only when idle" example's night check, pressed as its inject button.
    if (rng.chance(0.7)) steps.push(at(i * slotMs + rng.int(0, slotMs - 500), (w) => w.press('night')));
  });
  steps.push(at(rng.int(0, slots - 1) * slotMs + rng.int(500, 2500), (w) => w.press('flap')));
  steps.push(at(rng.int(0, slots * slotMs - 1000), (w) => w.press('stopTask')));
  steps.sort((a, b) => a.at - b.at);
  return { episodes, steps };
}
