// The maintenance report's bookkeeping: activity runs from start to end, how each ended, and the
// summary of the runs in a time span. No Node-RED here: the report node stores and sends it.
import type { ActivityEvent, NamedActivity, ServerActivity } from './activity';
import { isObject } from '../common/json';

export type RunOutcome = 'finished' | 'ended-early' | 'cancelled' | 'lost';

/** One activity running now. Times are ISO strings. */
export interface RunningActivity extends NamedActivity {
  started: string;
  /** The last progress seen, 0–100, or -1 when the server never said. */
  progress: number;
}

/** One activity that ran and ended. */
export interface ActivityRun extends RunningActivity {
  ended: string;
  durationMs: number;
  outcome: RunOutcome;
}

/** What the report node keeps in its context. */
export interface ReportState {
  runs: ActivityRun[];
  running: RunningActivity[];
  /** Runs that ended after this time (ms) are in the next "quiet" msg. */
  quietFrom: number;
}

export interface TypeSummary {
  title: string;
  runs: number;
  finished: number;
  totalMs: number;
  lastEnded: string;
}

export interface MaintenanceReport {
  from: string;
  to: string;
  runs: ActivityRun[];
  byType: Record<string, TypeSummary>;
  running: RunningActivity[];
}

/** A stored state as it is, or an empty one when the store held nothing usable. */
export function toReportState(stored: unknown, now: number): ReportState {
  if (!isObject(stored) || !Array.isArray(stored.runs) || !Array.isArray(stored.running)) return { runs: [], running: [], quietFrom: now };
  const quietFrom = typeof stored.quietFrom === 'number' && Number.isFinite(stored.quietFrom) ? stored.quietFrom : now;
  return { runs: stored.runs.filter(isObject) as unknown as ActivityRun[], running: stored.running.filter(isObject) as unknown as RunningActivity[], quietFrom };
}

/** How a run ended: cancelled by us, at 100% (or never with a progress) finished, else early. */
export function outcomeOf(progress: number, cancelled: boolean): RunOutcome {
  if (cancelled) return 'cancelled';
  return progress >= 100 || progress < 0 ? 'finished' : 'ended-early';
}

/** The runs of one report node: activities followed from start to end, at most `keep` ended ones. */
export class RunBook {
  constructor(
    readonly state: ReportState,
    private readonly keep: number,
  ) {}

  /** A started or updated activity: noted as running (once), its progress kept. False when nothing changed that needs storing. */
  seen(e: Pick<ActivityEvent, 'uuid' | 'type' | 'title' | 'subtitle' | 'progress'>, at: number): boolean {
    const known = this.state.running.find((r) => r.uuid === e.uuid);
    if (known) {
      if (e.progress >= 0) known.progress = e.progress;
      return false;
    }
    if (this.state.runs.some((r) => r.uuid === e.uuid)) return false;
    this.state.running.push({ uuid: e.uuid, type: e.type, title: e.title, subtitle: e.subtitle, started: new Date(at).toISOString(), progress: e.progress });
    return true;
  }

  /** An ended activity: recorded with its outcome. An end never seen starting counts from now. */
  ended(e: ActivityEvent, at: number, cancelled: boolean): ActivityRun | undefined {
    if (this.state.runs.some((r) => r.uuid === e.uuid)) return undefined;
    this.seen(e, at);
    const run = this.take(e.uuid);
    if (!run) return undefined;
    const progress = e.progress >= 0 ? e.progress : run.progress;
    return this.record(run, at, progress, outcomeOf(progress, cancelled));
  }

  /**
   * After the stream (re)connected: of the runs running when the list was asked for (`asked`),
   * those the server no longer lists are lost (ended at `lostAt`, when the stream went away);
   * listed work not yet known is followed from now.
   */
  reconcile(asked: readonly string[], listed: readonly ServerActivity[], lostAt: number, at: number): ActivityRun[] {
    const lost: ActivityRun[] = [];
    for (const uuid of asked) {
      if (listed.some((a) => a.uuid === uuid)) continue;
      const run = this.take(uuid);
      if (run) lost.push(this.record(run, Math.max(lostAt, Date.parse(run.started)), run.progress, 'lost'));
    }
    for (const a of listed) this.seen(a, at);
    return lost;
  }

  /** The runs that ended at or after `since` (ms), up to `to`, with a summary per type. */
  report(since: number, to: number): MaintenanceReport {
    const runs = this.state.runs.filter((r) => Date.parse(r.ended) >= since);
    const byType: Record<string, TypeSummary> = {};
    for (const r of runs) {
      const t = (byType[r.type] ??= { title: r.title, runs: 0, finished: 0, totalMs: 0, lastEnded: r.ended });
      t.runs++;
      if (r.outcome === 'finished') t.finished++;
      t.totalMs += r.durationMs;
      if (r.ended >= t.lastEnded) {
        t.lastEnded = r.ended;
        t.title = r.title;
      }
    }
    return { from: new Date(since).toISOString(), to: new Date(to).toISOString(), runs, byType, running: this.state.running.map((r) => ({ ...r })) };
  }

  /** Whether a run ended after the last quiet msg while nothing runs now: the end time of the last, else undefined. */
  quietPending(): number | undefined {
    if (this.state.running.length > 0) return undefined;
    const last = this.state.runs.reduce((m, r) => Math.max(m, Date.parse(r.ended)), -Infinity);
    return last > this.state.quietFrom ? last : undefined;
  }

  private take(uuid: string): RunningActivity | undefined {
    const i = this.state.running.findIndex((r) => r.uuid === uuid);
    return i < 0 ? undefined : this.state.running.splice(i, 1)[0];
  }

  private record(run: RunningActivity, at: number, progress: number, outcome: RunOutcome): ActivityRun {
    const started = Date.parse(run.started);
    const done: ActivityRun = { ...run, ended: new Date(at).toISOString(), durationMs: Math.max(0, at - started), progress, outcome };
    this.state.runs.push(done);
    if (this.state.runs.length > this.keep) this.state.runs.splice(0, this.state.runs.length - this.keep);
    return done;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** msg.since as ms: an ISO time or ms (number or digits); none = 24 h ago; anything else = undefined. */
export function sinceOf(value: unknown, now: number): number | undefined {
  if (value === undefined || value === null || value === '') return now - DAY_MS;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
