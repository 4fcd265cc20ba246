// Playback sessions of the simulated server: what /status/sessions lists and what
// the `playing` notifications carry. Time is read from Date.now(), so viewOffset
// moves with the clock while a session plays and stays put while it is frozen.
import { createHash, randomBytes } from 'node:crypto';

export type PlayState = 'playing' | 'paused' | 'buffering' | 'stopped';

/** What `play()` may be told; every field has a default. */
export interface PlayOptions {
  /** User title (default 'Owner', id '1'; other titles get ids 2, 3, …). */
  user?: string;
  /** Player title (default 'Plex Web'); one client identifier per player title. */
  player?: string;
  /** Item title (default 'Episode <sessionKey>'); one ratingKey per title. */
  title?: string;
  /** Item type (default 'episode'). */
  type?: string;
  /** Item duration in ms (default 1 800 000); viewOffset never passes it. */
  durationMs?: number;
  /** Starting viewOffset in ms (default 0). */
  offsetMs?: number;
}

/** The body of an SSE `playing` event: `{"PlaySessionStateNotification": this}`. */
export interface PlaySessionStateNotification {
  sessionKey: string;
  clientIdentifier: string;
  guid: string;
  ratingKey: string;
  key: string;
  url: string;
  viewOffset: number;
  playQueueItemID: number;
  state: PlayState;
}

/** One item of GET /status/sessions (MediaContainer.Metadata[]). */
export interface SessionItem {
  sessionKey: string;
  ratingKey: string;
  key: string;
  guid: string;
  title: string;
  type: string;
  addedAt: number;
  viewOffset: number;
  duration: number;
  Player: { state: 'playing' | 'paused'; title: string; machineIdentifier: string; local: boolean; product: string; platform: string; address: string };
  Session: { id: string; bandwidth: number; location: 'lan' | 'wan' };
  User: { id: string; title: string };
}

interface Session {
  item: Omit<SessionItem, 'viewOffset' | 'Player'> & { Player: Omit<SessionItem['Player'], 'state'> };
  state: 'playing' | 'paused';
  playQueueItemID: number;
  /** viewOffset banked when the clock last stopped for this session. */
  offset: number;
  /** Date.now() when it last started moving; undefined while frozen. */
  since: number | undefined;
  /** The client vanished: listed, frozen, silent. */
  lingering: boolean;
  /** Listed but never notified (phantom() and anonymous sessions). */
  quiet: boolean;
}

/** Anonymous sessions (the `sessions: N` option) take keys from here up, clear of play() keys. */
export const ANONYMOUS_KEY_BASE = 9000;
const ADDED_AT = 1700000000;

function viewOffset(s: Session): number {
  const moving = s.since === undefined ? 0 : Date.now() - s.since;
  return Math.min(s.item.duration, s.offset + moving);
}

function freeze(s: Session): void {
  s.offset = viewOffset(s);
  s.since = undefined;
}

export class Playback {
  private nextKey = 1;
  private nextQueueItem = 1;
  private readonly list = new Map<string, Session>();
  private readonly anonymous: Session[] = [];
  private readonly userIds = new Map<string, string>([['Owner', '1']]);
  private readonly clients = new Map<string, string>();
  private readonly ratingKeys = new Map<string, string>();

  /** notify is called for every playing notification a session sends. */
  constructor(private readonly notify: (n: PlaySessionStateNotification) => void) {}

  /** Starts a session (state playing) and announces it; returns its sessionKey. */
  play(o: PlayOptions = {}): string {
    const s = this.make(String(this.nextKey++), o, false);
    this.list.set(s.item.sessionKey, s);
    this.send(s, 'playing');
    return s.item.sessionKey;
  }

  /** A session listed in /status/sessions that sends no notifications; returns its key. */
  phantom(o: PlayOptions = {}): string {
    const s = this.make(String(this.nextKey++), o, true);
    this.list.set(s.item.sessionKey, s);
    return s.item.sessionKey;
  }

  pause(key: string): boolean {
    const s = this.live(key);
    if (!s) return false;
    freeze(s);
    s.state = 'paused';
    this.send(s, 'paused');
    return true;
  }

  resume(key: string): boolean {
    const s = this.live(key);
    if (!s) return false;
    if (s.state !== 'playing') s.since = Date.now();
    s.state = 'playing';
    this.send(s, 'playing');
    return true;
  }

  /**
   * A `buffering` notification. For a live session it changes nothing else; for an unknown
   * or missing key it uses a fresh sessionKey (returned) that /status/sessions never lists.
   */
  buffer(key?: string): string {
    const s = key === undefined ? undefined : this.live(key);
    if (s) {
      this.send(s, 'buffering');
      return s.item.sessionKey;
    }
    const ghost = this.make(key ?? String(this.nextKey++), {}, false);
    this.send(ghost, 'buffering');
    return ghost.item.sessionKey;
  }

  /** Ends a session; a `stopped` notification unless it was lingering or a phantom. */
  stop(key: string): boolean {
    const s = this.list.get(key);
    if (!s) return false;
    freeze(s);
    this.list.delete(key);
    if (!s.lingering && !s.quiet) this.send(s, 'stopped');
    return true;
  }

  /** The client vanished: the session stays listed, frozen, with no more notifications. */
  linger(key: string): boolean {
    const s = this.list.get(key);
    if (!s) return false;
    freeze(s);
    s.lingering = true;
    return true;
  }

  /** Server restart: every session gone without notice, keys start again from 1. */
  reset(): void {
    this.list.clear();
    this.nextKey = 1;
  }

  /** Keys of the play()/phantom() sessions now listed. */
  keys(): string[] {
    return [...this.list.keys()];
  }

  /** Periodic report: one `playing` notification per playing, live, notifying session. */
  tick(): void {
    for (const s of this.list.values()) if (s.state === 'playing' && !s.lingering && !s.quiet) this.send(s, 'playing');
  }

  /** /status/sessions items: `anonymous` playing placeholders first, then the rest. */
  items(anonymous: number): SessionItem[] {
    const n = Math.max(0, Math.floor(anonymous));
    while (this.anonymous.length < n) {
      const i = this.anonymous.length + 1;
      this.anonymous.push(this.make(String(ANONYMOUS_KEY_BASE + i), { title: `Episode ${i}`, player: `Player ${i}` }, true));
    }
    this.anonymous.length = n;
    return [...this.anonymous, ...this.list.values()].map((s) => ({
      ...s.item,
      viewOffset: viewOffset(s),
      Player: { ...s.item.Player, state: s.state },
    }));
  }

  private live(key: string): Session | undefined {
    const s = this.list.get(key);
    return s && !s.lingering && !s.quiet ? s : undefined;
  }

  private send(s: Session, state: PlayState): void {
    const { sessionKey, ratingKey, guid, key } = s.item;
    const offset = viewOffset(s);
    this.notify({ sessionKey, clientIdentifier: s.item.Player.machineIdentifier, guid, ratingKey, key, url: '', viewOffset: offset, playQueueItemID: s.playQueueItemID, state });
  }

  private idFor(map: Map<string, string>, name: string, make: () => string): string {
    let id = map.get(name);
    if (id === undefined) {
      id = make();
      map.set(name, id);
    }
    return id;
  }

  private make(sessionKey: string, o: PlayOptions, quiet: boolean): Session {
    const title = o.title ?? `Episode ${sessionKey}`;
    const type = o.type ?? 'episode';
    const user = o.user ?? 'Owner';
    const player = o.player ?? 'Plex Web';
    const ratingKey = this.idFor(this.ratingKeys, `${type}\n${title}`, () => String(1000 + this.ratingKeys.size));
    const item: Session['item'] = {
      sessionKey,
      ratingKey,
      key: `/library/metadata/${ratingKey}`,
      guid: `plex://${type}/${createHash('sha1').update(`${type}\n${title}`).digest('hex').slice(0, 24)}`,
      title,
      type,
      addedAt: ADDED_AT + Number(ratingKey),
      duration: o.durationMs ?? 1800000,
      Player: { title: player, machineIdentifier: this.idFor(this.clients, player, () => randomBytes(12).toString('hex')), local: true, product: 'Plex Web', platform: 'Chrome', address: '127.0.0.1' },
      Session: { id: randomBytes(12).toString('hex'), bandwidth: 8000, location: 'lan' },
      User: { id: this.idFor(this.userIds, user, () => String(this.userIds.size + 1)), title: user },
    };
    return { item, state: 'playing', playQueueItemID: this.nextQueueItem++, offset: o.offsetMs ?? 0, since: Date.now(), lingering: false, quiet };
  }
}
