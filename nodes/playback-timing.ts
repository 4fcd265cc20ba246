// The playback timings of settings.js (`plexButler: {playbackPollMs, playbackLingerMs,
// playbackReadGapMs}`), shared by the playback node and Only when idle; tests and the soak
// harness shorten them.
import type { NodeAPI } from 'node-red';
import { PLAYBACK_DEFAULTS } from '../lib/events/playback';
import { plexButlerSection } from './shared';

export interface PlaybackTiming {
  /** While busy, read at least this often (and retry failed reads at most this far apart), ms. */
  busyPollMs: number;
  /** A session silent and unmoving this long is a player that quit, ms. */
  lingerMs: number;
  /** At most one read of the sessions this often, ms. */
  minReadGapMs: number;
}

export function playbackTiming(RED: NodeAPI): PlaybackTiming {
  const own = plexButlerSection(RED);
  const pick = (key: string, fallback: number, min: number): number => {
    const v = own[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fallback;
  };
  return {
    busyPollMs: pick('playbackPollMs', PLAYBACK_DEFAULTS.busyPollMs, 1),
    lingerMs: pick('playbackLingerMs', PLAYBACK_DEFAULTS.lingerMs, 1),
    minReadGapMs: pick('playbackReadGapMs', PLAYBACK_DEFAULTS.minReadGapMs, 0),
  };
}
