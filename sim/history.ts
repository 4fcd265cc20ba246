// The simulator's viewing history: a seeded household (evenings and weekends heavy, a night owl
// after midnight), served as GET /status/sessions/history/all pages and GET /library/metadata.
// Written apart from lib/ (its own time-zone arithmetic), so that tests compare two accounts.

export interface HistoryOptions {
  /** Views in the history (default 800). */
  views?: number;
  /** Days back from now the views spread over (default 42). */
  days?: number;
  /** Seed of the pseudo-random household (default 21). */
  seed?: number;
  /** IANA zone the household lives in (default UTC). */
  timeZone?: string;
  /** Items deleted since they were watched: in the history, gone from /library/metadata (default 6). */
  deleted?: number;
  /** Unix seconds the history ends at (default: when it is first read). */
  now?: number;
}

/** The 3-hour window the household leaves empty: nobody watches from 4:00 to 7:00 local. */
export const HOUSEHOLD_QUIET = { startHour: 4, endHour: 7 };

interface Item {
  ratingKey: number;
  type: 'movie' | 'episode' | 'track';
  title: string;
  durationMs: number;
}

/** Weights of the local start hour (0–23) of a household view: weekdays, then weekends. */
const WEEKDAY_START = [0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 1, 1, 1, 2, 3, 5, 8, 12, 14, 12, 7, 2];
const WEEKEND_START = [1, 0, 0, 0, 0, 0, 0, 0, 3, 5, 6, 6, 5, 6, 7, 8, 8, 8, 10, 13, 14, 13, 9, 4];
/** Part of the views that are the night owl's: episodes starting 0:30–2:59. */
const OWL_SHARE = 0.25;
const OWL_ACCOUNT = 3;

/** mulberry32: a small seeded generator, enough for a repeatable household. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

function weighted(rand: () => number, weights: readonly number[]): number {
  let r = rand() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return weights.length - 1;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The offset (ms) of `zone` from UTC at instant `ms`. */
function zoneOffset(zone: string, ms: number): number {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, format);
  }
  const parts = format.formatToParts(ms);
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a local wall-clock time in `zone` (ms); a time skipped by a DST change lands an hour off. */
function localToUtc(zone: string, y: number, mo: number, d: number, h: number, mi: number): number {
  const guess = Date.UTC(y, mo, d, h, mi);
  const first = guess - zoneOffset(zone, guess);
  return guess - zoneOffset(zone, first);
}

function catalog(rand: () => number): Item[] {
  const items: Item[] = [];
  let key = 1001;
  for (let i = 0; i < 120; i++) items.push({ ratingKey: key++, type: 'movie', title: `Movie ${i + 1}`, durationMs: Math.round(85 + rand() * 65) * 60000 });
  for (let i = 0; i < 400; i++) items.push({ ratingKey: key++, type: 'episode', title: `Episode ${i + 1}`, durationMs: Math.round(22 + rand() * 33) * 60000 });
  for (let i = 0; i < 200; i++) items.push({ ratingKey: key++, type: 'track', title: `Track ${i + 1}`, durationMs: Math.round((150 + rand() * 200) * 1000) });
  return items;
}

interface View {
  viewedAt: number;
  item: Item;
  accountID: number;
}

/** The household's history and library, made on first use. */
export class SimHistory {
  private readonly options: HistoryOptions;
  private built: { views: View[]; items: Map<number, Item>; deleted: Set<number> } | undefined;

  constructor(options: HistoryOptions = {}) {
    this.options = options;
  }

  get size(): number {
    return this.data().views.length;
  }

  /** ratingKeys of the deleted items (in the history, not in the library). */
  get deletedKeys(): number[] {
    return [...this.data().deleted];
  }

  private data(): { views: View[]; items: Map<number, Item>; deleted: Set<number> } {
    if (!this.built) this.built = this.build();
    return this.built;
  }

  private build(): { views: View[]; items: Map<number, Item>; deleted: Set<number> } {
    const o = this.options;
    const rand = random(o.seed ?? 21);
    const zone = o.timeZone ?? 'UTC';
    const items = catalog(rand);
    const episodes = items.filter((i) => i.type === 'episode');
    const now = (o.now ?? Math.floor(Date.now() / 1000)) * 1000;
    const days = o.days ?? 42;
    const views: View[] = [];
    const count = o.views ?? 800;
    while (views.length < count) {
      const owl = rand() < OWL_SHARE;
      // A local calendar day, counted back from today in the household's zone.
      const day = new Date(now + zoneOffset(zone, now) - Math.floor(rand() * days) * 86400000);
      const weekend = day.getUTCDay() === 0 || day.getUTCDay() === 6;
      const item = owl ? pick(rand, episodes) : pick(rand, items);
      const startMinute = owl ? 30 + Math.floor(rand() * 150) : weighted(rand, weekend ? WEEKEND_START : WEEKDAY_START) * 60 + Math.floor(rand() * 60);
      const start = localToUtc(zone, day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), Math.floor(startMinute / 60), startMinute % 60);
      const viewedAt = Math.floor((start + item.durationMs) / 1000);
      if (viewedAt > now / 1000) continue;
      views.push({ viewedAt, item, accountID: owl ? OWL_ACCOUNT : pick(rand, [1, 1, 2, 4]) });
    }
    views.sort((a, b) => b.viewedAt - a.viewedAt);
    const deleted = new Set<number>();
    for (const v of views) {
      if (deleted.size >= (o.deleted ?? 6)) break;
      if (v.item.type !== 'track') deleted.add(v.item.ratingKey);
    }
    return { views, items: new Map(items.map((i) => [i.ratingKey, i])), deleted };
  }

  /** GET /status/sessions/history/all: the paging of the query (or headers), newest first. */
  page(query: URLSearchParams, headers: Record<string, string | string[] | undefined>): { body: unknown; headers: Record<string, string> } {
    const header = (name: string): string | undefined => {
      const h = headers[name.toLowerCase()];
      return typeof h === 'string' ? h : undefined;
    };
    const number = (name: string, fallback: number): number => {
      const n = Number(query.get(name) ?? header(name) ?? fallback);
      return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
    };
    const since = number('viewedAt>', 0);
    const start = number('X-Plex-Container-Start', 0);
    const size = number('X-Plex-Container-Size', 50);
    const matching = this.matching(since);
    const slice = matching.slice(start, start + size).map((v, i) => this.entry(v, start + i));
    const mc: Record<string, unknown> = { size: slice.length, totalSize: matching.length, offset: start };
    if (slice.length > 0) mc.Metadata = slice;
    return { body: { MediaContainer: mc }, headers: { 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Total-Size': String(matching.length) } };
  }

  /** GET /library/metadata/<k>,<k>: the items still in the library; undefined (404) when none is. */
  metadata(ids: string): unknown {
    const { items, deleted } = this.data();
    const found = ids
      .split(',')
      .map((id) => (/^\d+$/.test(id) && !deleted.has(Number(id)) ? items.get(Number(id)) : undefined))
      .filter((i): i is Item => i !== undefined);
    if (found.length === 0) return undefined;
    const Metadata = found.map((i) => ({ ratingKey: String(i.ratingKey), key: `/library/metadata/${i.ratingKey}`, type: i.type, title: i.title, duration: i.durationMs, librarySectionID: i.type === 'track' ? 3 : i.type === 'movie' ? 1 : 2 }));
    return { MediaContainer: { size: Metadata.length, Metadata } };
  }

  /** The views at or after `since`, newest first (a slice of the sorted list). */
  private matching(since: number): View[] {
    const { views } = this.data();
    let end = views.length;
    while (end > 0 && views[end - 1].viewedAt < since) end--;
    return end === views.length ? views : views.slice(0, end);
  }

  private entry(v: View, index: number): Record<string, unknown> {
    const i = v.item;
    return {
      historyKey: `/status/sessions/history/${index + 1}`,
      key: `/library/metadata/${i.ratingKey}`,
      ratingKey: String(i.ratingKey),
      librarySectionID: i.type === 'track' ? '3' : i.type === 'movie' ? '1' : '2',
      title: i.title,
      type: i.type,
      thumb: `/library/metadata/${i.ratingKey}/thumb/1`,
      originallyAvailableAt: '2020-01-01',
      viewedAt: v.viewedAt,
      accountID: v.accountID,
      deviceID: v.accountID,
    };
  }
}

/** What the simulator sends back (its own Reply, by shape). */
export interface HistoryReply {
  status: number;
  body?: string;
  type?: string;
  headers?: Record<string, string>;
}

/**
 * The simulator's answer to a history or metadata request, or undefined for other paths.
 * Only the owner sees the history (a shared user has been seen getting 401).
 */
export function historyReply(history: SimHistory, req: { method: string; path: string; query: string; headers: Record<string, string | string[] | undefined> }, owner: boolean): HistoryReply | undefined {
  const read = req.method === 'GET' || req.method === 'HEAD';
  if (req.path === '/status/sessions/history/all' && read) {
    if (!owner) return { status: 401, body: '<html><body><h1>401 Unauthorized</h1></body></html>', type: 'text/html' };
    const page = history.page(new URLSearchParams(req.query), req.headers);
    return { status: 200, body: JSON.stringify(page.body), type: 'application/json', headers: page.headers };
  }
  const m = /^\/library\/metadata\/([\d,]+)$/.exec(req.path);
  if (m && read) {
    const data = history.metadata(m[1]);
    if (data === undefined) return { status: 404, body: '<html><body><h1>404 Not Found</h1></body></html>', type: 'text/html' };
    return { status: 200, body: JSON.stringify(data), type: 'application/json' };
  }
  return undefined;
}
