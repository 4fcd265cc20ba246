// The server's viewing history, read page by page and folded into watched minutes per hour of the
// week as it comes: no page is kept, only the durations of the distinct items seen.
import { ButlerError } from '../common/errors';
import { isObject, toText } from '../common/json';
import { mediaContainer } from '../common/json';
import type { CallOptions } from '../butler/client';
import { fallbackMinutes, WatchGrid } from './watch-grid';

/** Views asked for per history page. */
export const HISTORY_PAGE_SIZE = 200;
/** Items asked for per /library/metadata request. */
export const METADATA_BATCH_SIZE = 50;
/** Views read at most in one check (a busy year is about 20,000): bounds what a broken server can make us read. */
export const MAX_HISTORY_VIEWS = 1000000;
/** ratingKeys are decimal ids; anything else never goes into a URL. */
const RATING_KEY = /^[1-9]\d{0,11}$/;

/** One entry of the history, reduced to what the grid needs. */
export interface HistoryView {
  /** Unix seconds at which the play crossed the watched mark: the end of the view. */
  viewedAt: number;
  /** A checked ratingKey, or undefined when the entry has none (or one we refuse to send). */
  ratingKey?: string;
  type: string;
}

export interface HistoryPage {
  views: HistoryView[];
  /** Entries in this answer, parsed or not (a short page ends the reading). */
  size: number;
  /** Entries the whole query matches, when the server says. */
  totalSize?: number;
}

/** What the history reader needs from a client (ButlerClient has both). */
export interface HistorySource {
  historyPage(since: number, start: number, size: number, options?: CallOptions): Promise<HistoryPage>;
  itemDurations(keys: readonly string[], options?: CallOptions): Promise<Map<string, number>>;
}

export function isRatingKey(value: string): boolean {
  return RATING_KEY.test(value);
}

/**
 * GET /status/sessions/history/all, newest first, views at or after `since` (Unix seconds). The
 * `viewedAt>=` term is written as it is (the server's filter syntax, not a key=value pair); the
 * page goes in the query as X-Plex-Container-Start / -Size, which the server reads there as it
 * does in headers (so one shared request is one URL).
 */
export function historyRoute(since: number, start: number, size: number): string {
  for (const n of [since, start, size]) {
    if (!Number.isSafeInteger(n) || n < 0) throw new ButlerError('INTERNAL', `Bad history query number ${n}`);
  }
  return `/status/sessions/history/all?sort=viewedAt:desc&viewedAt>=${since}&X-Plex-Container-Start=${start}&X-Plex-Container-Size=${size}`;
}

/** GET /library/metadata/<key>,<key>,…: every key checked again here, the last stop before the URL. */
export function metadataRoute(keys: readonly string[]): string {
  if (keys.length === 0 || !keys.every(isRatingKey)) throw new ButlerError('INTERNAL', 'Refusing a metadata request for ids that are not ratingKeys');
  return `/library/metadata/${keys.join(',')}`;
}

function toView(raw: unknown): HistoryView | undefined {
  if (!isObject(raw)) return undefined;
  const viewedAt = Number(raw.viewedAt);
  if (!Number.isSafeInteger(viewedAt) || viewedAt <= 0) return undefined;
  const key = toText(raw.ratingKey);
  const view: HistoryView = { viewedAt, type: toText(raw.type) };
  if (isRatingKey(key)) view.ratingKey = key;
  return view;
}

/** One history page; an empty history has no Metadata key at all. */
export function parseHistoryPage(body: string): HistoryPage {
  const mc = mediaContainer(body, 'viewing history');
  const list = mc.Metadata === undefined ? [] : mc.Metadata;
  if (!Array.isArray(list)) throw new ButlerError('BAD_RESPONSE', 'Server sent viewing history whose Metadata is not a list');
  const views: HistoryView[] = [];
  for (const raw of list as unknown[]) {
    const view = toView(raw);
    if (view) views.push(view);
  }
  const page: HistoryPage = { views, size: list.length };
  const totalSize = Number(mc.totalSize);
  if (mc.totalSize !== undefined && Number.isSafeInteger(totalSize) && totalSize >= 0) page.totalSize = totalSize;
  return page;
}

/** Durations in ms by ratingKey from /library/metadata; items without a usable duration are left out. */
export function parseDurations(body: string): Map<string, number> {
  const list = mediaContainer(body, 'item metadata').Metadata;
  const out = new Map<string, number>();
  if (!Array.isArray(list)) return out;
  for (const raw of list as unknown[]) {
    if (!isObject(raw)) continue;
    const key = toText(raw.ratingKey);
    const ms = Number(raw.duration);
    if (isRatingKey(key) && Number.isFinite(ms) && ms > 0) out.set(key, ms);
  }
  return out;
}

export interface HistoryReadOptions {
  /** Unix seconds: the oldest view wanted. */
  since: number;
  timeZone: string;
  pageSize?: number;
  batchSize?: number;
  /** Stop with BAD_RESPONSE past this many views (default MAX_HISTORY_VIEWS). */
  maxViews?: number;
  call?: CallOptions;
}

/** The folded history, and how many requests it took. */
export interface HistoryTotals {
  grid: WatchGrid;
  requests: number;
  /** Views counted with a fallback duration (item deleted or without one). */
  fallbacks: number;
}

/**
 * Reads the history since `since`, newest first, until the server's totalSize is reached, a page
 * comes back short, or a view older than `since` shows up (a server that ignored the filter). Each
 * page is folded into the grid before the next is asked for; durations are asked for once per
 * distinct item, in batches.
 */
export async function readHistory(source: HistorySource, options: HistoryReadOptions): Promise<HistoryTotals> {
  const pageSize = options.pageSize ?? HISTORY_PAGE_SIZE;
  const maxViews = options.maxViews ?? MAX_HISTORY_VIEWS;
  const reader = new DurationCache(source, options.batchSize ?? METADATA_BATCH_SIZE, options.call);
  const totals: HistoryTotals = { grid: new WatchGrid(options.timeZone), requests: 0, fallbacks: 0 };
  for (let start = 0; ; start += pageSize) {
    if (start >= maxViews) throw new ButlerError('BAD_RESPONSE', `Server kept sending viewing history past ${maxViews} views: stopped reading`);
    const page = await source.historyPage(options.since, start, pageSize, options.call);
    totals.requests++;
    const fresh = page.views.filter((v) => v.viewedAt >= options.since);
    await reader.learn(fresh);
    for (const view of fresh) {
      const ms = view.ratingKey === undefined ? undefined : reader.durations.get(view.ratingKey);
      if (ms === undefined) totals.fallbacks++;
      totals.grid.add(view.viewedAt, ms === undefined ? fallbackMinutes(view.type) : ms / 60000);
    }
    const reachedTotal = page.totalSize !== undefined && start + page.size >= page.totalSize;
    if (reachedTotal || page.size < pageSize || fresh.length < page.views.length) break;
  }
  totals.requests += reader.requests;
  return totals;
}

/** Item durations, each asked for once; a key the server has no duration for is remembered as missing. */
class DurationCache {
  readonly durations = new Map<string, number>();
  private readonly missing = new Set<string>();
  requests = 0;

  constructor(
    private readonly source: HistorySource,
    private readonly batchSize: number,
    private readonly call: CallOptions | undefined,
  ) {}

  /** Asks for the items of `views` not seen before. */
  async learn(views: readonly HistoryView[]): Promise<void> {
    const wanted = new Set<string>();
    for (const v of views) {
      if (v.ratingKey !== undefined && !this.durations.has(v.ratingKey) && !this.missing.has(v.ratingKey)) wanted.add(v.ratingKey);
    }
    const keys = [...wanted];
    for (let i = 0; i < keys.length; i += this.batchSize) {
      const batch = keys.slice(i, i + this.batchSize);
      const found = await this.source.itemDurations(batch, this.call);
      this.requests++;
      for (const key of batch) {
        const ms = found.get(key);
        if (ms === undefined) this.missing.add(key);
        else this.durations.set(key, ms);
      }
    }
  }
}
