// The playback sessions of GET /status/sessions, reduced to what deciding "someone watches" needs.
import { isObject, toText } from '../common/json';
import { mediaContainer } from '../common/json';

export type PlayerState = 'playing' | 'paused' | 'buffering' | 'stopped' | 'unknown';

export interface PlaybackSession {
  sessionKey: string;
  state: PlayerState;
  /** Position in ms; -1 when the server does not say. */
  viewOffset: number;
  title: string;
  type: string;
  user: string;
  player: string;
}

const STATES = new Set<PlayerState>(['playing', 'paused', 'buffering', 'stopped']);

export function toPlayerState(v: unknown): PlayerState {
  return typeof v === 'string' && STATES.has(v as PlayerState) ? (v as PlayerState) : 'unknown';
}

export function toOffset(v: unknown): number {
  const n = Number(v);
  return v !== null && v !== '' && Number.isFinite(n) ? n : -1;
}

function toSession(raw: unknown, index: number): PlaybackSession | undefined {
  if (!isObject(raw)) return undefined;
  const player = isObject(raw.Player) ? raw.Player : {};
  const user = isObject(raw.User) ? raw.User : {};
  const session = isObject(raw.Session) ? raw.Session : {};
  return {
    sessionKey: toText(raw.sessionKey) || toText(session.id) || `#${index}`,
    state: toPlayerState(player.state),
    viewOffset: toOffset(raw.viewOffset),
    title: toText(raw.title),
    type: toText(raw.type),
    user: toText(user.title),
    player: toText(player.title),
  };
}

/** Reads every session of GET /status/sessions (Metadata, plus Video/Track of older servers). */
export function parseSessions(body: string): PlaybackSession[] {
  const mc = mediaContainer(body, 'sessions');
  const items = [mc.Metadata, mc.Video, mc.Track].flatMap((list) => (Array.isArray(list) ? (list as unknown[]) : isObject(list) ? [list] : []));
  return items.map(toSession).filter((s): s is PlaybackSession => s !== undefined);
}
