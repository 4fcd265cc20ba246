import type { NodeAPI, Node, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { ActivityEvent, ActivityText, isMaintenance } from '../lib/events/activity';
import { ButlerError } from '../lib/common/errors';
import { RunBook, sinceOf, toReportState } from '../lib/events/report';
import { errorOutput, ErrorOutput, InputEnd } from './error-output';
import { findServer, FlowNodeDef, linkedServer, ServerNode } from './server-link';
import { NotificationSource } from '../lib/events/hub';
import { streamReporter, StreamReporter } from './stream-status';

interface ReportDef extends FlowNodeDef {
  /** Minutes without maintenance (decimals allowed) before the "quiet" msg. Default 10. */
  quietAfter?: number | string;
  /** Most runs kept. Default 500. */
  keep?: number | string;
  /** The activity node's *Only maintenance activities* rule. Default true. */
  onlyMaintenance?: boolean;
  /** Context store name; '' = the default store. */
  store?: string;
}

/** The context key the runs live under. */
const CONTEXT_KEY = 'maintenanceReport';
const STATUS_REFRESH_MS = 60 * 1000;

function positive(value: unknown, fallback: number): number {
  const n = Number(value);
  return value !== '' && value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** "12 min ago"-style status for the last run: minutes, hours or days. */
function agoStatus(RED: NodeAPI, title: string, endedMs: number, now: number): string {
  const minutes = Math.max(0, Math.floor((now - endedMs) / 60000));
  if (minutes < 120) return RED._('plex-butler-report.status.agoMinutes', { title, n: String(minutes) });
  if (minutes < 48 * 60) return RED._('plex-butler-report.status.agoHours', { title, n: String(Math.floor(minutes / 60)) });
  return RED._('plex-butler-report.status.agoDays', { title, n: String(Math.floor(minutes / 1440)) });
}

/** One report node: loads its runs from context, follows the stream, answers msgs, sends "quiet". */
class Report {
  private book: RunBook | undefined;
  private closed = false;
  private connected = false;
  /** When the stream last went away (or the node started): the end time of runs found lost. */
  private wentAway = Date.now();
  private quietTimer: NodeJS.Timeout | undefined;
  private readonly statusTimer: NodeJS.Timeout;
  private unsubscribe: (() => void) | undefined;
  private readonly reporter: StreamReporter;
  private readonly sendError: ErrorOutput;
  private readonly server: Pick<ServerNode, 'getClient'>;
  private readonly quietMs: number;
  private readonly store: string | undefined;
  readonly ready: Promise<RunBook>;

  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
    private readonly config: ReportDef,
  ) {
    this.quietMs = positive(config.quietAfter, 10) * 60000;
    this.store = config.store?.trim() || undefined;
    this.reporter = streamReporter(RED, node, config, 'plex-butler-report', () => this.statusNow());
    this.sendError = errorOutput(node, config);
    this.server = linkedServer(RED, config.server);
    this.statusTimer = setInterval(() => this.connected && node.status(this.statusNow()), STATUS_REFRESH_MS);
    this.ready = new Promise<RunBook>((resolve) => {
      node.context().get(CONTEXT_KEY, this.store, (err: Error | undefined, stored: unknown) => {
        if (err) node.warn(`plex-butler-report: could not read the stored runs: ${err.message}`);
        this.book = new RunBook(toReportState(err ? undefined : stored, Date.now()), Math.floor(positive(config.keep, 500)));
        resolve(this.book);
        if (this.closed) return;
        this.armQuiet();
        this.watch();
      });
    });
  }

  /** A msg in: the report of the runs since msg.since (default 24 h) on output 1, the msg kept. */
  async answer(msg: NodeMessageInFlow, send: InputEnd['send'], done: InputEnd['done']): Promise<void> {
    const book = await this.ready;
    const now = Date.now();
    const since = sinceOf((msg as Record<string, unknown>).since, now);
    if (since === undefined) {
      const error = new ButlerError('INVALID_SETTING', 'msg.since must be an ISO time (e.g. 2026-01-31T22:00:00Z) or a time in ms');
      return this.sendError(error, msg, { send, done });
    }
    msg.topic = 'report';
    msg.payload = book.report(since, now);
    send([msg, null]);
    done();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.quietTimer);
    clearInterval(this.statusTimer);
    this.unsubscribe?.();
    this.node.status({});
  }

  private keeps(a: ActivityText): boolean {
    return this.config.onlyMaintenance === false || isMaintenance(a);
  }

  private statusNow(): NodeStatus {
    const state = this.book?.state;
    if (state && state.running.length > 0) return { fill: 'blue', shape: 'dot', text: this.RED._('plex-butler-report.status.running', { n: String(state.running.length) }) };
    const last = state?.runs[state.runs.length - 1];
    if (!last) return { fill: 'green', shape: 'dot', text: 'node-red:common.status.connected' };
    return { fill: 'green', shape: 'dot', text: agoStatus(this.RED, last.title, Date.parse(last.ended), Date.now()) };
  }

  /** Stores the change, plans the quiet msg, shows the status. */
  private changed(): void {
    if (!this.book) return;
    this.node.context().set(CONTEXT_KEY, JSON.parse(JSON.stringify(this.book.state)) as unknown, this.store, (err?: Error) => {
      if (err) this.node.warn(`plex-butler-report: could not store the runs: ${err.message}`);
    });
    this.armQuiet();
    if (this.connected) this.node.status(this.statusNow());
  }

  private armQuiet(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    const last = this.book?.quietPending();
    if (last === undefined || this.closed) return;
    this.quietTimer = setTimeout(() => this.sendQuiet(), Math.max(0, last + this.quietMs - Date.now()));
  }

  /** Quiet for quietAfter since the last run ended: the runs since the previous quiet msg. */
  private sendQuiet(): void {
    this.quietTimer = undefined;
    if (!this.book || this.closed) return;
    const now = Date.now();
    const payload = this.book.report(this.book.state.quietFrom, now);
    this.book.state.quietFrom = now;
    this.changed();
    this.node.send([{ topic: 'quiet', payload } as NodeMessage, null]);
  }

  private wasCancelled(uuid: string): boolean {
    try {
      return this.server.getClient().wasCancelled(uuid);
    } catch {
      return false;
    }
  }

  private onActivity(e: ActivityEvent): void {
    if (!this.book || !this.keeps(e)) return;
    const now = Date.now();
    const change = e.event === 'ended' ? this.book.ended(e, now, this.wasCancelled(e.uuid)) !== undefined : this.book.seen(e, now);
    if (change) this.changed();
  }

  /** The stream is (back): runs whose end it missed are lost; work whose start it missed is followed. */
  private async reconcile(): Promise<void> {
    if (!this.book) return;
    const asked = this.book.state.running.map((r) => r.uuid);
    try {
      const listed = (await this.server.getClient().listActivities()).filter((a) => this.keeps(a));
      if (this.closed) return;
      this.book.reconcile(asked, listed, this.wentAway, Date.now());
      this.changed();
    } catch (err) {
      if (!this.closed) this.reporter.problem(err);
    }
  }

  private watch(): void {
    try {
      this.reporter.state('connecting');
      this.unsubscribe = findServer<NotificationSource>(this.RED, this.config.server, 'watchNotifications').watchNotifications({
        kinds: ['activity'],
        activity: (e) => this.onActivity(e),
        state: (state, retryMs) => {
          if (state === 'connected') {
            this.connected = true;
            void this.reconcile();
          } else if (this.connected) {
            this.connected = false;
            this.wentAway = Date.now();
          }
          this.reporter.state(state, retryMs);
        },
        problem: (err) => this.reporter.problem(err),
      });
    } catch (err) {
      this.reporter.problem(err);
    }
  }
}

export = function register(RED: NodeAPI): void {
  function PlexButlerReport(this: Node, config: ReportDef): void {
    RED.nodes.createNode(this, config);
    const report = new Report(RED, this, config);
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      report.answer(msg, send, done).catch((err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      report.close();
      done();
    });
  }
  RED.nodes.registerType('plex-butler-report', PlexButlerReport);
};
