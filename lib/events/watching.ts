// Who is watching: the one judgement the playback watch and "Only when idle" share. A session
// counts unless it lingers: a player that quit without saying so stays listed in
// /status/sessions, frozen and silent, until the server drops it.
import type { PlaybackSession } from './sessions';

/** What is remembered of one session between reads. */
export interface Trace {
  /** When the stream last carried a notification for it (or when it was first seen). */
  lastNote: number;
  /** Its position on the last read or notification. */
  offset: number;
  /** When that position last changed (or when it was first seen). */
  movedAt: number;
}

export interface WatchCounts {
  /** Sessions that count as watching. */
  sessions: number;
  playing: number;
  paused: number;
}

export interface JudgeOptions {
  /** A paused session counts as watching. */
  countPaused: boolean;
  /** A session silent and unmoving this long is a player that quit, ms. */
  lingerMs: number;
}

/**
 * The sessions seen so far, by sessionKey: fed by notifications (when a stream is followed) and
 * by reads. Without a stream only reads feed it, and "silent" is always true.
 */
export class SessionTraces {
  private readonly traces = new Map<string, Trace>();

  get(key: string): Trace | undefined {
    return this.traces.get(key);
  }

  /** A notification for the session: it is alive now. */
  noted(key: string, offset: number, now: number): void {
    this.update(key, offset, now).lastNote = now;
  }

  /** A read: updates the listed sessions and forgets the ones no longer listed. */
  read(sessions: readonly PlaybackSession[], now: number): void {
    for (const s of sessions) this.update(s.sessionKey, s.viewOffset, now);
    const listed = new Set(sessions.map((s) => s.sessionKey));
    for (const key of this.traces.keys()) if (!listed.has(key)) this.traces.delete(key);
  }

  /** After a reconnect or a server restart nothing remembered holds (sessionKeys start again). */
  clear(): void {
    this.traces.clear();
  }

  private update(key: string, offset: number, now: number): Trace {
    const known = this.traces.get(key);
    if (!known) {
      const fresh = { lastNote: now, offset, movedAt: now };
      this.traces.set(key, fresh);
      return fresh;
    }
    if (offset !== known.offset) {
      known.offset = offset;
      known.movedAt = now;
    }
    return known;
  }
}

/** Whether a session is a player that quit: nothing heard and no movement for lingerMs. */
export function lingers(session: PlaybackSession, trace: Trace | undefined, lingerMs: number, now: number): boolean {
  if (!trace) return false;
  const movedAt = session.viewOffset === trace.offset ? trace.movedAt : now;
  return now - trace.lastNote >= lingerMs && now - movedAt >= lingerMs;
}

/** The sessions of one read that count as someone watching, and their counts. Reads nothing into traces. */
export function judgeSessions(
  sessions: readonly PlaybackSession[],
  traces: Pick<SessionTraces, 'get'> | undefined,
  options: JudgeOptions,
  now: number,
): WatchCounts {
  const live = sessions.filter((s) => !lingers(s, traces?.get(s.sessionKey), options.lingerMs, now));
  const paused = live.filter((s) => s.state === 'paused').length;
  return { sessions: options.countPaused ? live.length : live.length - paused, playing: live.length - paused, paused };
}

/**
 * Traces shared by the playback watches of one server (keyed by its client), so that Only when
 * idle judges with what the stream saw. The first registered watch answers.
 */
const shared = new WeakMap<object, Set<SessionTraces>>();

export function shareTraces(owner: object, traces: SessionTraces): () => void {
  let set = shared.get(owner);
  if (!set) shared.set(owner, (set = new Set()));
  set.add(traces);
  return () => {
    set.delete(traces);
  };
}

export function sharedTraces(owner: object): SessionTraces | undefined {
  const set = shared.get(owner);
  return set ? set.values().next().value : undefined;
}
