// Server activities the simulated PMS runs on its own (not Butler tasks): the analysis that adding
// media starts, with progress notifications, and DELETE /activities/{uuid} with the real answers.
import { randomUUID } from 'node:crypto';
import type { SimActivity } from './simulator';

export type ActivityNote = 'started' | 'updated' | 'ended';

/** One piece of work to run as an activity. */
export interface WorkSpec {
  type: string;
  title: string;
  subtitle?: string;
  /** Listed as cancellable (default true). */
  cancellable?: boolean;
  /** Listed as cancellable, yet DELETE answers 400 (a server that changed its mind). */
  refuseCancel?: boolean;
  /** How long it runs before it ends by itself, ms. */
  durationMs: number;
  /** Progress -1 all along (indeterminate, as credit detection reports). */
  indeterminate?: boolean;
  /** Ends by itself right after GET /activities listed it (a test of "ended meanwhile"). */
  endsWhenListed?: boolean;
  /** A given uuid (tests); default a random one. */
  uuid?: string;
  userID?: number;
}

interface Running {
  activity: SimActivity;
  refuseCancel: boolean;
  endsWhenListed: boolean;
  timers: NodeJS.Timeout[];
}

/** Work that adding media starts: preview thumbnails and intro detection (cancellable), credits (not). */
export function mediaWork(title: string, ms: number): WorkSpec[] {
  return [
    { type: 'media.generate.bif', title: 'Generating video preview thumbnails', subtitle: title, durationMs: ms },
    { type: 'media.generate.intros', title: 'Detecting intros', subtitle: title, durationMs: Math.round(ms * 1.5) },
    { type: 'media.generate.credits', title: 'Detecting credits', subtitle: title, durationMs: Math.round(ms * 0.75), cancellable: false, indeterminate: true },
  ];
}

export class SimActivities {
  private readonly running = new Map<string, Running>();

  constructor(private readonly notify: (event: ActivityNote, activity: SimActivity) => void) {}

  /** Starts `spec`: `started` now, `updated` at each quarter, `ended` (progress 100) at its end. */
  start(spec: WorkSpec): SimActivity {
    const activity: SimActivity = {
      uuid: spec.uuid ?? randomUUID(),
      type: spec.type,
      cancellable: spec.cancellable ?? true,
      userID: spec.userID ?? 1,
      title: spec.title,
      subtitle: spec.subtitle ?? '',
      progress: spec.indeterminate ? -1 : 0,
    };
    const run: Running = { activity, refuseCancel: spec.refuseCancel === true, endsWhenListed: spec.endsWhenListed === true, timers: [] };
    this.running.set(activity.uuid, run);
    this.notify('started', activity);
    const later = (ms: number, fn: () => void): void => {
      const t = setTimeout(fn, ms);
      t.unref();
      run.timers.push(t);
    };
    if (!spec.indeterminate) {
      for (const quarter of [1, 2, 3]) {
        later((spec.durationMs * quarter) / 4, () => {
          activity.progress = quarter * 25;
          this.notify('updated', activity);
        });
      }
    }
    later(spec.durationMs, () => this.end(activity.uuid, true));
    return activity;
  }

  list(): SimActivity[] {
    const runs = [...this.running.values()];
    for (const r of runs) if (r.endsWhenListed) setImmediate(() => this.end(r.activity.uuid, true));
    return runs.map((r) => ({ ...r.activity }));
  }

  /** DELETE /activities/{uuid}: 200 cancelled (ended below 100), 400 not cancellable, 404 unknown. */
  cancel(uuid: string): 200 | 400 | 404 {
    const run = this.running.get(uuid);
    if (!run) return 404;
    if (!run.activity.cancellable || run.refuseCancel) return 400;
    this.end(uuid, false);
    return 200;
  }

  /** A server restart: everything is gone, without a word. */
  clear(): void {
    for (const r of this.running.values()) for (const t of r.timers) clearTimeout(t);
    this.running.clear();
  }

  private end(uuid: string, finished: boolean): void {
    const run = this.running.get(uuid);
    if (!run) return;
    for (const t of run.timers) clearTimeout(t);
    this.running.delete(uuid);
    if (finished && run.activity.progress >= 0) run.activity.progress = 100;
    this.notify('ended', run.activity);
  }
}
