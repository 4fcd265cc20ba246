// The soak's compressed time: every timing the long-run behaviour depends on, shortened through
// settings.js (`plexButler`) and the examples' node properties, and the bounds derived from them.

export interface SoakTiming {
  /** settings.js plexButler.streamSilenceMs: no byte this long = a dead stream. */
  silenceMs: number;
  /** settings.js plexButler.streamMinBackoffMs / streamMaxBackoffMs: reconnect steps. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** settings.js plexButler.playbackPollMs: the busy re-read. */
  pollMs: number;
  /** settings.js plexButler.playbackLingerMs: a silent, unmoving session stops counting. */
  lingerMs: number;
  /** settings.js plexButler.playbackReadGapMs: reads at most this often. */
  readGapMs: number;
  /** The playback node's idle grace (the Pause example's idleGrace), ms. */
  graceMs: number;
  /** The grace of "start maintenance if idle" (Only when idle example), ms. */
  onlyIdleGraceMs: number;
  /** The server node's timeout: each call's budget and the stream's connect timeout, ms. */
  timeoutMs: number;
  /** Simulator: gap between stream pings and between `playing` reports, ms. */
  pingMs: number;
  playingMs: number;
  /** Simulator: how long a started task runs, ms. */
  runMs: number;
  /** Scheduling noise allowance of a busy 2-core machine, added to every bound, ms. */
  slackMs: number;
}

/** Far above scheduling noise: the shortest timing (readGapMs) only spaces reads, it bounds nothing. */
export const SOAK_TIMING: SoakTiming = {
  silenceMs: 1500,
  minBackoffMs: 100,
  maxBackoffMs: 600,
  pollMs: 400,
  lingerMs: 2500,
  readGapMs: 100,
  graceMs: 600,
  onlyIdleGraceMs: 300,
  timeoutMs: 1000,
  pingMs: 200,
  playingMs: 250,
  runMs: 1500,
  slackMs: 1500,
};

/**
 * How long the playback node may take to reach the truth after the later of a change and the end
 * of a fault that hid it: the idle grace, a re-read (its gap, the busy poll, a read's whole budget),
 * and the longest reconnect wait (a silent stream detected, the longest backoff, a connect that
 * times out), plus the noise allowance.
 */
export function settleBound(t: SoakTiming): number {
  const reRead = t.readGapMs + t.pollMs + t.timeoutMs;
  const reconnect = t.silenceMs + t.maxBackoffMs + t.timeoutMs;
  return t.graceMs + reRead + reconnect + t.slackMs;
}

/** The settings.js `plexButler` section the soak's Node-RED runs with. */
export function plexButlerSettings(t: SoakTiming): Record<string, number | string> {
  return {
    streamSilenceMs: t.silenceMs,
    streamMinBackoffMs: t.minBackoffMs,
    streamMaxBackoffMs: t.maxBackoffMs,
    playbackPollMs: t.pollMs,
    playbackLingerMs: t.lingerMs,
    playbackReadGapMs: t.readGapMs,
    // never the real plex.tv or the GDM multicast group
    plexTvUrl: 'http://127.0.0.1:9',
    authUrl: 'http://127.0.0.1:9/auth',
    gdmAddress: '127.0.0.1',
    gdmPort: 9,
  };
}
