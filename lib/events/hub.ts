// One notification stream per server node, shared by every activity and playback node using it.
import type { ActivityEvent } from './activity';
import type { ButlerError } from '../common/errors';
import type { NotificationKind, NotificationStream, PlayingNotification, StreamState } from './stream';

/** What a watcher of the server's notification stream is told. */
export interface NotificationWatcher {
  /** The notifications it needs; the stream's filter covers every watcher's. */
  kinds: readonly NotificationKind[];
  activity?(event: ActivityEvent): void;
  playing?(note: PlayingNotification): void;
  /** `cause`: the reported cause of the outage under way, if any (what the status shows). */
  state(state: StreamState, retryMs?: number, cause?: ButlerError): void;
  /** Once per outage and cause (see `NotificationStream`'s `problem`). */
  problem(err: ButlerError): void;
}

/** The server node's side: returns the unsubscribe. */
export interface NotificationSource {
  watchNotifications(watcher: NotificationWatcher): () => void;
}

export type StreamFactory = (kinds: readonly NotificationKind[]) => NotificationStream;

/**
 * Opens the stream for the first watcher and closes it after the last; reopens it with a wider
 * filter when a watcher needs a kind the open stream lacks. A watcher that throws is reported
 * through `onWatcherError` and does not disturb the stream or the other watchers.
 */
export class NotificationHub {
  private readonly watchers = new Set<NotificationWatcher>();
  private stream: NotificationStream | undefined;

  constructor(
    private readonly open: StreamFactory,
    private readonly onWatcherError: (err: unknown) => void,
  ) {}

  watch(watcher: NotificationWatcher): () => void {
    this.watchers.add(watcher);
    const missing = watcher.kinds.some((k) => !this.stream?.kinds.includes(k));
    if (!this.stream || missing) {
      this.restart();
    } else {
      // A late watcher hears the state, and the cause of an outage under way.
      const { state, outage } = this.stream;
      this.tell(watcher, (w) => w.state(state, undefined, outage));
      if (outage && state !== 'connected') this.tell(watcher, (w) => w.problem(outage));
    }
    return () => {
      this.watchers.delete(watcher);
      if (this.watchers.size === 0) this.close();
    };
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }

  private restart(): void {
    this.close();
    const kinds = [...new Set([...this.watchers].flatMap((w) => w.kinds))].sort();
    const stream = this.open(kinds);
    this.stream = stream;
    stream.on('activity', (e) => this.each((w) => w.activity?.(e)));
    stream.on('playing', (n) => this.each((w) => w.playing?.(n)));
    stream.on('state', (state, ms) => this.each((w) => w.state(state, ms, stream.outage)));
    stream.on('problem', (err) => this.each((w) => w.problem(err)));
    stream.start();
  }

  private each(call: (w: NotificationWatcher) => void): void {
    for (const w of [...this.watchers]) this.tell(w, call);
  }

  private tell(watcher: NotificationWatcher, call: (w: NotificationWatcher) => void): void {
    try {
      call(watcher);
    } catch (err) {
      this.onWatcherError(err);
    }
  }
}
