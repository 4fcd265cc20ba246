// The `plexButler` section of Node-RED's settings.js, read in one place: the playback timings
// (the playback node and Only when idle), the stream timings (the server node's notification
// stream), and sign-in and discovery (the admin routes). Tests and the soak harness shorten the
// timings; a missing or bad value means the default.
import type { NodeAPI } from 'node-red';
import { PLAYBACK_DEFAULTS } from '../lib/events/playback';
import type { StreamTiming } from '../lib/events/stream';
import { DEFAULT_GDM_ADDRESS, DEFAULT_GDM_PORT } from '../lib/setup/gdm';
import { DEFAULT_AUTH_URL, DEFAULT_PLEX_TV_URL } from '../lib/setup/plextv';

/** The `plexButler` section of Node-RED's settings.js, or {}. */
function plexButlerSection(RED: NodeAPI): Record<string, unknown> {
  const section: unknown = (RED.settings as unknown as Record<string, unknown>).plexButler;
  return typeof section === 'object' && section !== null ? (section as Record<string, unknown>) : {};
}

export interface PlaybackTiming {
  /** While busy, read at least this often (and retry failed reads at most this far apart), ms. */
  busyPollMs: number;
  /** A session silent and unmoving this long is a player that quit, ms. */
  lingerMs: number;
  /** At most one read of the sessions this often, ms. */
  minReadGapMs: number;
}

/** `plexButler: {playbackPollMs, playbackLingerMs, playbackReadGapMs}`. */
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

/** `plexButler: {streamSilenceMs, streamMinBackoffMs, streamMaxBackoffMs}`: only those set (the stream has the defaults). */
export function streamTiming(RED: NodeAPI): Partial<StreamTiming> {
  const own = plexButlerSection(RED);
  const pick = (key: string): number | undefined => (typeof own[key] === 'number' && (own[key] as number) > 0 ? (own[key] as number) : undefined);
  const timing: Partial<StreamTiming> = {};
  const silenceMs = pick('streamSilenceMs');
  const minBackoffMs = pick('streamMinBackoffMs');
  const maxBackoffMs = pick('streamMaxBackoffMs');
  if (silenceMs) timing.silenceMs = silenceMs;
  if (minBackoffMs) timing.minBackoffMs = minBackoffMs;
  if (maxBackoffMs) timing.maxBackoffMs = maxBackoffMs;
  return timing;
}

/** Sign in with Plex and Find servers: where plex.tv and GDM are, how long a sign-in is held. */
export interface SignInSettings {
  plexTvUrl: string;
  authUrl: string;
  gdmAddress: string;
  gdmPort: number;
  /** A sign-in nobody asks about for this long is dropped, with the tokens of a finished one. */
  signInAbandonMs: number;
}

/** The editor polls every second; a sign-in nobody asks about for this long is dropped. */
const ABANDONED_MS = 30_000;

/** `plexButler: {plexTvUrl, authUrl, gdmAddress, gdmPort, signInAbandonMs}`. */
export function signInSettings(RED: NodeAPI): SignInSettings {
  const s = plexButlerSection(RED);
  const text = (v: unknown, dflt: string): string => (typeof v === 'string' && v.trim() ? v.trim() : dflt);
  const port = Number(s.gdmPort);
  const abandonMs = Number(s.signInAbandonMs);
  return {
    plexTvUrl: text(s.plexTvUrl, DEFAULT_PLEX_TV_URL),
    authUrl: text(s.authUrl, DEFAULT_AUTH_URL),
    gdmAddress: text(s.gdmAddress, DEFAULT_GDM_ADDRESS),
    gdmPort: Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_GDM_PORT,
    signInAbandonMs: Number.isFinite(abandonMs) && abandonMs > 0 ? abandonMs : ABANDONED_MS,
  };
}
