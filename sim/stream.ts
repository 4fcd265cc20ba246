// The simulated GET /:/eventsource/notifications: named server-sent events, a
// `filters=` list per stream, pings, and a switch that makes streams go silent.
import type http from 'node:http';

export interface StreamTimings {
  /** Gap between `event: ping` lines on each stream. */
  pingIntervalMs: number;
  /** Gap between the periodic `playing` reports while any stream is open. */
  playingIntervalMs: number;
}

interface Stream {
  res: http.ServerResponse;
  /** Event kinds this stream asked for; undefined = every kind. */
  kinds: Set<string> | undefined;
  silent: boolean;
  ping: NodeJS.Timeout | undefined;
}

/** `filters=a,b` → {a, b}; no or empty `filters` → undefined (all kinds). */
export function parseFilters(query: string): Set<string> | undefined {
  const raw = new URLSearchParams(query).get('filters');
  const kinds = (raw ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  return kinds.length > 0 ? new Set(kinds) : undefined;
}

export class StreamHub {
  private readonly streams = new Set<Stream>();
  private tick: NodeJS.Timeout | undefined;
  private silentNew = false;
  /** Streams opened so far. */
  opened = 0;

  /** onTick runs every playingIntervalMs while a stream that is not silent is open. */
  constructor(
    private readonly timings: () => StreamTimings,
    private readonly onTick: () => void,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Answers res as an event stream; query is the part of the URL after '?'. */
  open(res: http.ServerResponse, query: string): void {
    this.opened++;
    const s: Stream = { res, kinds: parseFilters(query), silent: this.silentNew, ping: undefined };
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Plex-Protocol': '1.0', Connection: 'keep-alive' });
    if (s.silent) {
      res.flushHeaders();
    } else {
      res.write(': connected\n\n');
      s.ping = setInterval(() => res.write('event: ping\ndata: \n\n'), this.timings().pingIntervalMs);
      s.ping.unref();
    }
    this.streams.add(s);
    res.on('close', () => this.forget(s));
    this.retime();
  }

  /** Writes `event: <kind>` with data = JSON of data to every stream that takes kind. */
  send(kind: string, data: unknown): void {
    let text: string | undefined;
    for (const s of this.streams) {
      if (s.silent || (s.kinds && !s.kinds.has(kind))) continue;
      text ??= `event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`;
      s.res.write(text);
    }
  }

  /** Cuts every open stream. */
  drop(): void {
    for (const s of [...this.streams]) {
      this.forget(s);
      s.res.destroy();
    }
  }

  /** on: open streams and those opened later send nothing at all; off: new streams are normal again. */
  silence(on: boolean): void {
    this.silentNew = on;
    if (!on) return;
    for (const s of this.streams) {
      s.silent = true;
      clearInterval(s.ping);
      s.ping = undefined;
    }
    this.retime();
  }

  private forget(s: Stream): void {
    clearInterval(s.ping);
    s.ping = undefined;
    this.streams.delete(s);
    this.retime();
  }

  /** Keeps the periodic tick running exactly while some stream can hear it. */
  private retime(): void {
    const wanted = [...this.streams].some((s) => !s.silent);
    if (wanted && !this.tick) {
      this.tick = setInterval(() => this.onTick(), this.timings().playingIntervalMs);
      this.tick.unref();
    } else if (!wanted && this.tick) {
      clearInterval(this.tick);
      this.tick = undefined;
    }
  }
}
