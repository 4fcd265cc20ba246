// The soak engine: a simulator with fault injection, a real Node-RED with the examples deployed
// through the admin API, a seeded script of days, and the invariants checked every 100 ms.
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ButlerSimulator, type Fault, type FaultRoute } from '../../sim/simulator';
import { Checker, STALL_MS } from './checker';
import { IDS, soakFlows } from './flows';
import { Prng } from './prng';
import { startSoakRed, type SoakRed } from './red';
import { FAULT_SPAN_MS, planDay, type World } from './script';
import { plexButlerSettings, settleBound, SOAK_TIMING, type SoakTiming } from './timing';

export interface SoakOptions {
  days: number;
  seed: number;
  /** Episodes per simulated day (at least 3: the defect episodes). */
  slots: number;
  print(line: string): void;
  timing?: SoakTiming;
  /** Only these episodes (names from script.ts), to look into one kind; default: the full mix. */
  only?: readonly string[];
  /** Print every event as it happens. */
  verbose?: boolean;
}

export interface DayFigures {
  day: number;
  episodes: string[];
  heapMB: number;
  handles: Record<string, number>;
  /** The longest time the event loop ran no tick, ms (the busy machine's noise). */
  maxStallMs: number;
  stalls: number;
  violations: number;
  checks: number;
}

export interface SoakResult {
  checks: number;
  violations: number;
  events: Map<string, number>;
  days: DayFigures[];
  bound: number;
  dayMs: number;
  /** Heap growth from the first to the last day, MB, and the bound it is held to. */
  heapGrowthMB: number;
  heapBoundMB: number;
}

/** Heap growth allowed from the first simulated day to the last (after a full GC each time). */
export const HEAP_BOUND_MB = 16;
/** Handle kinds counted at each redeploy's quiet point (ref'd timers, sockets, servers). */
const HANDLE_KINDS = ['Timeout', 'TCPSocketWrap', 'TCPServerWrap', 'TTYWrap', 'FSReqCallback'];

function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) if (HANDLE_KINDS.includes(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  counts.listeners = process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
  return counts;
}

class Soak {
  readonly events = new Map<string, number>();
  readonly bound: number;
  readonly slotMs: number;
  readonly dayMs: number;
  readonly checker: Checker;
  private readonly sim: ButlerSimulator;
  private red: SoakRed | undefined;
  private dayStart = 0;
  private day = 0;
  private flapPressed = 0;
  private readonly gc = collectGarbage();

  constructor(private readonly o: SoakOptions, private readonly t: SoakTiming) {
    this.bound = settleBound(t);
    this.slotMs = FAULT_SPAN_MS + this.bound + 500;
    this.dayMs = this.slotMs * o.slots;
    this.sim = new ButlerSimulator({ playingIntervalMs: t.playingMs, pingIntervalMs: t.pingMs, runMs: t.runMs });
    this.checker = new Checker({
      timing: t,
      bound: this.bound,
      seed: o.seed,
      token: this.sim.token,
      clock: (at) => this.clock(at),
      openStreams: () => this.sim.openStreams,
      print: o.print,
      verbose: o.verbose,
    });
  }

  /** Day and simulated hour of a moment: a day's slots span 24 simulated hours (the redeploy comes first). */
  clock(at: number): string {
    const frac = Math.max(0, Math.min(0.9999, (at - this.dayStart) / this.dayMs));
    const minutes = Math.floor(frac * 1440);
    const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
    const mm = String(minutes % 60).padStart(2, '0');
    return `day ${this.day} ${hh}:${mm} (+${((at - this.dayStart) / 1000).toFixed(1)} s)`;
  }

  count(kind: string, text: string): void {
    this.events.set(kind, (this.events.get(kind) ?? 0) + 1);
    this.checker.event(text);
  }

  async start(): Promise<void> {
    await this.sim.start();
    process.env.PLEX_URL = this.sim.url;
    this.sim.faults.observe((method, path, outcome) => this.checker.request(method, path, outcome));
    this.red = await startSoakRed(plexButlerSettings(this.t), this.checker);
  }

  async stop(): Promise<void> {
    await this.red?.stop();
    await this.sim.close();
  }

  world(): World {
    const sim = this.sim;
    const c = this.checker;
    return {
      play: () => {
        const key = sim.play();
        c.viewerPlays(key);
        this.count('play', `play ${key}`);
        return key;
      },
      pause: (key) => {
        if (sim.pause(key)) c.viewerFalls(key, false);
        this.count('pause', `pause ${key}`);
      },
      resume: (key) => {
        if (sim.resume(key)) c.viewerPlays(key);
        this.count('resume', `resume ${key}`);
      },
      stop: (key) => {
        if (sim.stopPlayback(key)) c.viewerStops(key);
        this.count('stop', `stop ${key}`);
      },
      vanish: (key) => {
        if (sim.linger(key)) c.viewerFalls(key, true);
        this.count('vanish', `player of ${key} vanished without a stop`);
        // The server forgets it some time after the lingering rule has dropped it.
        setTimeout(() => sim.stopPlayback(key), this.t.lingerMs + this.bound).unref();
      },
      buffer: (key) => {
        const k = sim.buffer(key);
        this.count('buffer', `buffering ${k}`);
      },
      restart: () => {
        sim.restart();
        c.serverRestarted();
        this.count('restart', 'server restart (session keys start again)');
      },
      fault: (name, route, fault, opts = {}) => this.fault(name, route, fault, opts),
      endFault: (name, route) => {
        sim.faults.set(route, undefined);
        c.faultEnds(name);
        c.event(`end of ${name}`);
      },
      silence: (on) => sim.silence(on),
      press: (what) => void this.press(what),
    };
  }

  private fault(name: string, route: FaultRoute, fault: Fault, opts: { code?: string; drop?: boolean; stream?: boolean }): void {
    this.sim.faults.set(route, fault);
    this.checker.faultStarts(name, opts.stream === true, opts.code);
    if (opts.drop) this.sim.dropStreams();
    this.count(name, `${name}: ${route} ${fault.kind}${fault.delayMs ? ` ${fault.delayMs} ms` : ''}${opts.drop ? ', open streams cut' : ''}`);
  }

  private async press(what: 'night' | 'flap' | 'stopTask'): Promise<void> {
    const id = what === 'night' ? IDS.nightInject : what === 'flap' ? IDS.flapInject : IDS.stopTaskInject;
    this.count(what === 'night' ? 'night check' : what === 'flap' ? 'flapping sensor (500 starts)' : 'stop one task', `press ${what}`);
    if (what === 'flap') {
      this.flapPressed = Date.now();
      this.checker.faultStarts('flap', false, undefined, true);
    }
    try {
      await this.red?.inject(id);
    } catch (err) {
      this.checker.fail('d', `the ${what} inject could not be pressed: ${String(err)}`);
    }
  }

  /** The flapping sensor's burst counts as load until every start is answered. */
  private flapDone(): void {
    if (this.flapPressed && Date.now() - this.flapPressed > 300 && this.checker.openRequests === 0) {
      this.flapPressed = 0;
      this.checker.faultEnds('flap');
    }
  }

  async deploy(): Promise<void> {
    await this.red?.deploy(soakFlows(this.t, this.sim.token));
    for (let i = 0; i < 200 && !this.checker.hasState; i++) await sleep(50);
    this.checker.deployedNow();
    if (!this.checker.hasState) this.checker.fail('a', 'the playback node sent no state within 10 s of a deploy');
  }

  /** The quiet point of a redeploy: every viewer gone, flows stopped, nothing may be left running. */
  async undeploy(baseline: Record<string, number> | undefined): Promise<Record<string, number>> {
    this.sim.faults.clear();
    for (const key of this.sim.playbackKeys()) this.sim.stopPlayback(key);
    for (let i = 0; i < 3 * this.bound && this.checker.openRequests > 0; i += 100) await sleep(100);
    this.checker.checkDrained();
    this.checker.undeployed();
    // The simulator logs every request for the tests that read it. The soak checks the day's log
    // here and empties it, so the heap measured at each redeploy does not count the log as ours.
    this.checker.checkRequestUrls(this.sim.requests.map((r) => r.url));
    this.sim.requests.length = 0;
    await this.red?.deploy([]);
    let handles = handleCounts();
    for (let i = 0; i < 40; i++) {
      handles = handleCounts();
      const settled = !baseline || Object.keys(handles).every((k) => handles[k] <= (baseline[k] ?? 0));
      if (settled && this.sim.openStreams === 0 && this.sim.faults.heldCount === 0) break;
      await sleep(100);
    }
    if (baseline) this.checker.checkUndeployed(this.sim.openStreams, this.sim.faults.heldCount, handles, baseline);
    return handles;
  }

  heapMB(): number {
    this.gc();
    this.gc();
    return process.memoryUsage().heapUsed / 1048576;
  }

  async runDay(day: number, rng: Prng): Promise<string[]> {
    this.day = day;
    this.dayStart = Date.now();
    await this.deploy();
    this.count('redeploy', 'redeploy (full)');
    const plan = planDay(rng, day, this.o.slots, this.slotMs, this.o.only);
    const planStart = Date.now();
    const world = this.world();
    let ticks = 0;
    let last = Date.now();
    const ticker = setInterval(() => {
      const now = Date.now();
      if (now - last > STALL_MS + 50) this.checker.stall(now - last - 50);
      last = now;
      this.checker.loopTick();
      if (++ticks % 2 === 0) {
        this.flapDone();
        this.checker.tick();
      }
    }, 50);
    try {
      for (const step of plan.steps) {
        const wait = planStart + step.at - Date.now();
        if (wait > 0) await sleep(wait);
        step.run(world);
      }
      const rest = planStart + this.dayMs - Date.now();
      if (rest > 0) await sleep(rest);
    } finally {
      clearInterval(ticker);
    }
    return plan.episodes;
  }
}

/** Runs the soak: `days` simulated days, each ending with a redeploy whose quiet point is measured. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const soak = new Soak(o, o.timing ?? SOAK_TIMING);
  const rng = new Prng(o.seed);
  const days: DayFigures[] = [];
  await soak.start();
  try {
    await sleep(500);
    const baseline = await soak.undeploy(undefined);
    for (let day = 1; day <= o.days; day++) {
      const before = { v: soak.checker.violations.length, c: soak.checker.checks };
      const episodes = await soak.runDay(day, rng);
      const handles = await soak.undeploy(baseline);
      const heapMB = soak.heapMB();
      const { maxStallMs, stalls } = soak.checker;
      soak.checker.maxStallMs = soak.checker.stalls = 0;
      days.push({ day, episodes, heapMB, handles, maxStallMs, stalls, violations: soak.checker.violations.length - before.v, checks: soak.checker.checks - before.c });
    }
  } finally {
    await soak.stop();
  }
  const heapGrowthMB = days.length > 1 ? days[days.length - 1].heapMB - days[0].heapMB : 0;
  if (heapGrowthMB > HEAP_BOUND_MB) soak.checker.fail('f', `heap grew ${heapGrowthMB.toFixed(1)} MB from day 1 to day ${days.length} (bound ${HEAP_BOUND_MB} MB)`);
  return { checks: soak.checker.checks, violations: soak.checker.violations.length, events: soak.events, days, bound: soak.bound, dayMs: soak.dayMs, heapGrowthMB, heapBoundMB: HEAP_BOUND_MB };
}
