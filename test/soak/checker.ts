// The soak's invariants, checked all the time against what the simulator knows (the truth) and
// what Node-RED's hooks saw. A violation prints the simulated time, the seed and the last events.
import type { RequestOutcome } from '../../sim/faults';
import { IDS, REQUEST_NODES } from './flows';
import type { RuntimeObserver, SendEvent } from './red';
import type { SoakTiming } from './timing';

type Truth = 'watching' | 'nobody' | 'uncertain';
type NodeState = 'busy' | 'idle';

/** When a session stops counting for the playback node: never while playing; around a silent spell. */
interface Viewer {
  earliest: number;
  latest: number;
  playing: boolean;
}

interface FaultWindow {
  start: number;
  /** The code the outage must be reported with (activity node), if the fault keeps the stream out. */
  code?: string;
  stream: boolean;
  /** Load on our own side (the flapping sensor): it may slow answers, it is no server fault. */
  load: boolean;
}

interface Expectation {
  kind: NodeState;
  msgid: string;
  at: number;
}

interface CauseDue {
  code: string;
  since: number;
  due: number;
  what: string;
}

export interface Violation {
  invariant: string;
  text: string;
  when: string;
}

export interface CheckerOptions {
  timing: SoakTiming;
  bound: number;
  seed: number;
  token: string;
  /** The simulated time of a moment (e.g. "day 2 13:45"). */
  clock(at: number): string;
  /** Open event streams at the simulator right now. */
  openStreams(): number;
  print(line: string): void;
  /** Print every event as it happens. */
  verbose?: boolean;
}

const PRINTED_MAX = 25;
/** The loop running no tick this long is a stall of the machine, not of the code under test. */
export const STALL_MS = 400;

/** A msg into a request node: the msgs of one function call share their _msgid, the sensor numbers them. */
function msgKey(nodeId: string, msg: Record<string, unknown>): string {
  return `${nodeId}|${String(msg._msgid)}${msg.flap === undefined ? '' : `|${String(msg.flap)}`}`;
}
const RING = 14;

export class Checker implements RuntimeObserver {
  checks = 0;
  readonly violations: Violation[] = [];
  private readonly recent: string[] = [];
  private readonly viewers = new Map<string, Viewer>();
  private readonly faults = new Map<string, FaultWindow>();
  private readonly causes: CauseDue[] = [];
  private readonly expectations: Expectation[] = [];
  private readonly open = new Map<string, number>();
  private readonly answered = new Map<string, number>();
  private readonly raised = new Set<string>();
  private nodeState: NodeState | undefined;
  private truth: Truth = 'nobody';
  private lastTruthChange = 0;
  private lastFaultEnd = 0;
  private lastStreamFaultEnd = 0;
  private lastServerFaultEnd = 0;
  private lastServedStream = 0;
  private lastDelete = 0;
  private lastPost = 0;
  private lastActivityReport: { code: string; at: number } | undefined;
  private deployed = false;
  private twoStreamsSince: number | undefined;
  private noStreamSince: number | undefined;
  /** The latest loop stall (see stall()) and when the loop last ran a tick. */
  private lastStallEnd = 0;
  private lastLoopTick = Date.now();
  maxStallMs = 0;
  stalls = 0;

  constructor(private readonly o: CheckerOptions) {}

  // ---- what the driver does -------------------------------------------------------------

  event(text: string): void {
    this.recent.push(`${this.o.clock(Date.now())}  ${text}`);
    if (this.o.verbose) this.o.print(`  . ${this.recent[this.recent.length - 1]}`);
    if (this.recent.length > RING) this.recent.shift();
  }

  viewerPlays(key: string): void {
    this.viewers.set(key, { earliest: Infinity, latest: Infinity, playing: true });
  }

  /** Paused or vanished: counted until the lingering rule drops it (the last note was at most a report ago). */
  viewerFalls(key: string, vanished: boolean): void {
    const now = Date.now();
    const t = this.o.timing;
    const slack = vanished ? t.playingMs + 100 : 100;
    this.viewers.set(key, { earliest: now + t.lingerMs - slack, latest: now + t.lingerMs + 100, playing: false });
  }

  viewerStops(key: string): void {
    this.viewers.delete(key);
  }

  serverRestarted(): void {
    this.viewers.clear();
    this.lastFaultEnd = this.lastStreamFaultEnd = this.lastServerFaultEnd = Date.now();
  }

  faultStarts(name: string, stream: boolean, code?: string, load = false): void {
    this.faults.set(name, { start: Date.now(), stream, code, load });
  }

  faultEnds(name: string): void {
    const w = this.faults.get(name);
    if (!w) return;
    this.faults.delete(name);
    const now = Date.now();
    this.lastFaultEnd = now;
    if (!w.load) this.lastServerFaultEnd = now;
    if (!w.stream) return;
    this.lastStreamFaultEnd = now;
    // After a reconnect the node knows nothing of a silent session: it counts again for a whole linger time.
    const t = this.o.timing;
    this.extendSilent(now + t.silenceMs + t.maxBackoffMs + t.timeoutMs + t.lingerMs);
    if (w.code) this.causes.push({ code: w.code, since: this.lastServedStream, due: now + this.o.bound, what: `${name} (${now - w.start} ms)` });
  }

  /**
   * The event loop ran no tick for `ms` (the machine was busy; simulator and Node-RED share this
   * loop): timers that fired late, a stream silent for that long, count from its end like a fault.
   */
  stall(ms: number): void {
    const now = Date.now();
    this.maxStallMs = Math.max(this.maxStallMs, ms);
    this.stalls++;
    this.lastStallEnd = now;
    this.lastFaultEnd = Math.max(this.lastFaultEnd, now);
    this.lastServerFaultEnd = Math.max(this.lastServerFaultEnd, now);
    this.lastStreamFaultEnd = Math.max(this.lastStreamFaultEnd, now);
    this.event(`the machine stalled this process for ${ms} ms`);
  }

  /** The loop ran (every 50 ms); a report seen while it had not run for a while came out of a stall. */
  loopTick(): void {
    this.lastLoopTick = Date.now();
  }

  /** Flows stopped for a redeploy: nothing is judged until they run again. */
  undeployed(): void {
    this.deployed = false;
    this.nodeState = undefined;
    this.viewers.clear();
    this.faults.clear();
    this.expectations.length = 0;
    this.lastActivityReport = undefined;
  }

  deployedNow(): void {
    this.deployed = true;
    const now = Date.now();
    this.lastFaultEnd = this.lastStreamFaultEnd = this.lastServerFaultEnd = now;
    this.extendSilent(now + this.o.timing.lingerMs + this.o.timing.timeoutMs);
  }

  get openRequests(): number {
    return this.open.size;
  }

  get hasState(): boolean {
    return this.nodeState !== undefined;
  }

  fail(invariant: string, text: string): void {
    const v: Violation = { invariant, text, when: this.o.clock(Date.now()) };
    this.violations.push(v);
    if (this.violations.length > PRINTED_MAX) return;
    this.o.print(`VIOLATION (${invariant}) at ${v.when}, seed ${this.o.seed}: ${text}`);
    this.o.print('  last events:');
    for (const e of this.recent) this.o.print(`    ${e}`);
  }

  // ---- what Node-RED and the simulator saw -------------------------------------------------

  request(method: string, path: string, outcome: RequestOutcome): void {
    if (outcome !== 'served') return;
    const now = Date.now();
    if (path === '/:/eventsource/notifications') this.lastServedStream = now;
    else if (path === '/butler' && method === 'DELETE') this.lastDelete = now;
    else if (path === '/butler' && method === 'POST') this.lastPost = now;
  }

  send(events: SendEvent[]): void {
    for (const e of events) {
      this.tokenCheck('msg', e.msg);
      if (e.source.id === IDS.playback) this.fromPlayback(e);
      else if (e.source.id === IDS.activity && e.source.port === 1) this.streamReport(e.msg);
      if (REQUEST_NODES.includes(e.source.id)) this.answer(msgKey(e.source.id, e.msg), 'output');
      if (e.source.id === IDS.stopAll || e.source.id === IDS.startIdle) this.resolve(e);
    }
  }

  receive(nodeId: string, msg: Record<string, unknown>): void {
    if (!REQUEST_NODES.includes(nodeId)) return;
    const key = msgKey(nodeId, msg);
    if (this.open.has(key)) this.fail('d', `msg ${key} entered twice before an answer`);
    this.open.set(key, Date.now());
  }

  complete(nodeId: string, msg: Record<string, unknown>, error: unknown): void {
    if (error && REQUEST_NODES.includes(nodeId)) this.answer(msgKey(nodeId, msg), 'Catch');
  }

  status(nodeId: string, status: unknown): void {
    this.tokenCheck(`status of ${nodeId}`, status);
  }

  log(_level: number, text: string): void {
    if (this.o.token && text.includes(this.o.token)) this.fail('e', `the token is in a log line: ${text.split(this.o.token).join('<TOKEN>').slice(0, 200)}`);
  }

  // ---- the checks, every tick ---------------------------------------------------------------

  tick(): void {
    const now = Date.now();
    this.checkTruth(now);
    this.checkExpectations(now);
    this.checkStreams(now);
    this.checkCauses(now);
    this.checkUnanswered(now);
  }

  /** (c) at the quiet point of a redeploy: no stream, no held connection, no handle beyond the baseline. */
  checkUndeployed(streams: number, held: number, handles: Record<string, number>, baseline: Record<string, number>): void {
    this.checks++;
    if (streams > 0 || held > 0) this.fail('c', `${streams} event stream(s) and ${held} held connection(s) open with no flow deployed`);
    const extra = Object.keys(handles).filter((k) => (handles[k] ?? 0) > (baseline[k] ?? 0));
    if (extra.length > 0) this.fail('c', `handles left after the redeploy: ${extra.map((k) => `${k} ${handles[k]} (baseline ${baseline[k] ?? 0})`).join(', ')}`);
  }

  /** (d) everything answered before the redeploy. */
  checkDrained(): void {
    this.checks++;
    if (this.open.size > 0) this.fail('d', `${this.open.size} msg(s) into request nodes never answered: ${[...this.open.keys()].slice(0, 3).join(', ')}`);
    this.open.clear();
  }

  /** Any fault (undefined), a stream fault (true), or a fault of the server rather than our own load ('server'). */
  private activeFault(which?: boolean | 'server'): boolean {
    for (const w of this.faults.values()) {
      if (which === undefined || (which === 'server' && !w.load) || w.stream === which) return true;
    }
    return false;
  }

  private extendSilent(until: number): void {
    for (const v of this.viewers.values()) if (!v.playing) v.latest = Math.max(v.latest, until);
  }

  private truthNow(now: number): Truth {
    let uncertain = false;
    for (const [key, v] of this.viewers) {
      if (now < v.earliest) return 'watching';
      if (now <= v.latest) uncertain = true;
      else this.viewers.delete(key);
    }
    return uncertain ? 'uncertain' : 'nobody';
  }

  /** Raises a violation once per spell of a condition; `cond` false ends the spell. */
  private spell(key: string, cond: boolean, invariant: string, text: () => string): void {
    this.checks++;
    if (!cond) {
      this.raised.delete(key);
      return;
    }
    if (this.raised.has(key)) return;
    this.raised.add(key);
    this.fail(invariant, text());
  }

  /** (a) the playback node's state equals the truth within the bound. */
  private checkTruth(now: number): void {
    const truth = this.truthNow(now);
    if (truth !== this.truth) {
      this.truth = truth;
      this.lastTruthChange = now;
    }
    if (!this.deployed || this.nodeState === undefined || truth === 'uncertain' || this.activeFault()) return;
    const from = Math.max(this.lastTruthChange, this.lastFaultEnd);
    if (now - from <= this.o.bound) return;
    const expected: NodeState = truth === 'watching' ? 'busy' : 'idle';
    this.spell('a', this.nodeState !== expected, 'a', () => `the playback node says ${this.nodeState} while ${truth === 'watching' ? 'someone watches' : 'nobody watches'}, ${now - from} ms after the last change or fault (bound ${this.o.bound} ms)`);
  }

  private fromPlayback(e: SendEvent): void {
    if (e.source.port === 1) {
      this.streamReport(e.msg, false);
      return;
    }
    const topic = e.msg.topic;
    if (topic !== 'busy' && topic !== 'idle') return;
    const payload = e.msg.payload as { initial?: boolean } | undefined;
    if (this.nodeState !== topic) this.event(`playback node: ${topic}${payload?.initial ? ' (initial)' : ''}`);
    this.nodeState = topic;
    if (!payload?.initial) this.expectations.push({ kind: topic, msgid: String(e.msg._msgid), at: Date.now() });
  }

  /** (b) a busy/idle msg answered by its request node, and the call reached the simulator. */
  private resolve(e: SendEvent): void {
    const i = this.expectations.findIndex((x) => x.msgid === String(e.msg._msgid));
    if (i < 0) return;
    const [x] = this.expectations.splice(i, 1);
    this.checks++;
    if (e.source.port === 1) {
      const code = (e.msg.error as { code?: string } | undefined)?.code;
      if (!this.activeFault() && Date.now() - this.lastFaultEnd > this.o.bound) this.fail('b', `the ${x.kind} msg was answered on output 2 (${code}) while the server was healthy`);
      return;
    }
    const result = (e.msg.payload as { result?: string } | undefined)?.result;
    if (x.kind === 'busy' && this.lastDelete < x.at) this.fail('b', `busy answered "${result}" but no DELETE /butler reached the simulator`);
    if (x.kind === 'idle' && result === 'started' && this.lastPost < x.at) this.fail('b', 'idle answered "started" but no POST /butler reached the simulator');
  }

  private checkExpectations(now: number): void {
    this.checks++;
    if (this.activeFault()) return;
    const late = this.expectations.filter((x) => now - Math.max(x.at, this.lastFaultEnd) > this.o.bound);
    for (const x of late) {
      this.expectations.splice(this.expectations.indexOf(x), 1);
      this.fail('b', `the ${x.kind} msg got no answer from its request node within ${this.o.bound} ms`);
    }
  }

  /** (c) at most one stream; a stream again within the bound after a fault. */
  private checkStreams(now: number): void {
    const n = this.o.openStreams();
    if (n > 1) this.twoStreamsSince ??= now;
    else this.twoStreamsSince = undefined;
    this.spell('c-two', this.twoStreamsSince !== undefined && now - this.twoStreamsSince > 1000, 'c', () => `${n} event streams open at once for one server node`);
    if (n === 0) this.noStreamSince ??= now;
    else this.noStreamSince = undefined;
    if (!this.deployed || this.activeFault(true)) return;
    // A reconnect in between is no outage: none open for longer than the bound, counted from the fault's end.
    const since = Math.max(this.noStreamSince ?? now, this.lastStreamFaultEnd);
    this.spell('c-none', now - since > this.o.bound, 'c', () => `no event stream for ${now - since} ms since the last stream fault ended (bound ${this.o.bound} ms), though nodes watch it`);
  }

  /** (e) one report per outage and cause; nothing while healthy. */
  private streamReport(msg: Record<string, unknown>, fromStream = true): void {
    if (msg.topic !== 'error') return;
    const error = msg.error as { code?: string; message?: string; detail?: string } | undefined;
    const code = String(error?.code);
    const now = Date.now();
    this.event(`${fromStream ? 'activity' : 'playback'} node reports ${code}: ${String(error?.detail ?? error?.message ?? '').slice(0, 120)}`);
    this.checks++;
    // The stream has nothing to do with our own load; a read of the playback node may be slowed by it.
    const stalled = now - this.lastLoopTick > STALL_MS || now - this.lastStallEnd <= this.o.bound;
    const healthy = !stalled && (fromStream ? !this.activeFault('server') && now - this.lastServerFaultEnd > this.o.bound : !this.activeFault() && now - this.lastFaultEnd > this.o.bound);
    if (healthy) this.fail('e', `${code} reported while the server was healthy`);
    if (!fromStream) return;
    const last = this.lastActivityReport;
    if (last && last.code === code && last.at > this.lastServedStream) this.fail('e', `${code} reported twice in one outage`);
    this.lastActivityReport = { code, at: now };
    this.reports.push({ code, at: now });
    if (this.reports.length > 50) this.reports.shift();
  }

  private readonly reports: Array<{ code: string; at: number }> = [];

  private checkCauses(now: number): void {
    for (const c of [...this.causes]) {
      if (now < c.due) continue;
      this.causes.splice(this.causes.indexOf(c), 1);
      this.checks++;
      if (!this.deployed) continue;
      if (!this.reports.some((r) => r.code === c.code && r.at >= c.since)) this.fail('e', `the outage's cause ${c.code} (${c.what}) was never reported`);
    }
  }

  /** Every request the simulator logged since the last call: the token travels in a header, never in a URL. */
  checkRequestUrls(urls: readonly string[]): void {
    for (const url of urls) this.tokenCheck('request URL', url);
  }

  private tokenCheck(where: string, value: unknown): void {
    if (!this.o.token) return;
    let text: string;
    try {
      text = JSON.stringify(value) ?? '';
    } catch {
      return;
    }
    if (text.includes(this.o.token)) this.fail('e', `the token is in a ${where}`);
  }

  /** (d) exactly one answer per msg. */
  private answer(key: string, how: string): void {
    this.checks++;
    if (this.open.delete(key)) {
      this.answered.set(key, Date.now());
      return;
    }
    this.fail('d', `${this.answered.has(key) ? 'a second' : 'an unasked'} answer (${how}) for msg ${key}`);
  }

  private checkUnanswered(now: number): void {
    for (const [key, at] of this.answered) if (now - at > 4 * this.o.bound) this.answered.delete(key);
    const limit = 3 * this.o.bound;
    for (const [key, at] of this.open) {
      if (now - at <= limit || this.activeFault()) continue;
      this.open.delete(key);
      this.fail('d', `msg ${key} unanswered after ${limit} ms`);
    }
  }
}
