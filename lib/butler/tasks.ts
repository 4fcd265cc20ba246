// The Butler's task list (GET /butler), in its JSON and XML shapes.
import { ButlerError } from '../common/errors';
import { isObject, toBool, type Raw } from '../common/json';
import { describeHtmlPage } from '../common/html';

export interface ButlerTask {
  name: string;
  title: string;
  description: string;
  /** Days between scheduled runs; null when the server does not say. */
  interval: number | null;
  enabled: boolean;
  scheduleRandomized: boolean;
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function toTask(raw: unknown): ButlerTask {
  if (!isObject(raw) || typeof raw.name !== 'string' || raw.name === '') {
    throw new ButlerError('BAD_RESPONSE', 'Server sent a Butler task without a name');
  }
  return {
    name: raw.name,
    title: typeof raw.title === 'string' ? raw.title : raw.name,
    description: typeof raw.description === 'string' ? raw.description : '',
    interval: toNumber(raw.interval),
    enabled: toBool(raw.enabled, true),
    scheduleRandomized: toBool(raw.scheduleRandomized, false),
  };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** Reads the ButlerTask elements of the XML answer; only attributes matter. */
function parseXml(body: string): unknown[] {
  if (!/<ButlerTasks[\s>/]/.test(body)) {
    throw new ButlerError('BAD_RESPONSE', 'Server answered XML without a ButlerTasks element');
  }
  const tasks: unknown[] = [];
  for (const m of body.matchAll(/<ButlerTask\s([^>]*?)\/?>/g)) {
    const attrs: Raw = {};
    for (const a of m[1].matchAll(/([A-Za-z_][\w.-]*)\s*=\s*"([^"]*)"/g)) attrs[a[1]] = decodeXml(a[2]);
    tasks.push(attrs);
  }
  return tasks;
}

function describe(body: string): string {
  const t = body.trimStart().slice(0, 200).toLowerCase();
  if (t.startsWith('<!doctype html') || t.startsWith('<html')) return describeHtmlPage(body);
  if (t === '') return 'an empty body';
  return 'a body that is neither Butler JSON nor XML';
}

/** Parses GET /butler: JSON (preferred) or XML, booleans as true/false, 0/1 or "0"/"1". */
export function parseTaskList(body: string): ButlerTask[] {
  const start = body.trimStart();
  let list: unknown;
  if (start.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(start);
    } catch {
      throw new ButlerError('BAD_RESPONSE', 'Server sent JSON that does not parse (truncated?)');
    }
    if (!isObject(data) || !('ButlerTasks' in data)) {
      throw new ButlerError('BAD_RESPONSE', 'Server sent JSON without ButlerTasks: is the URL a Plex Media Server?');
    }
    const container = data.ButlerTasks;
    list = isObject(container) ? container.ButlerTask : undefined;
    if (container !== null && !isObject(container)) {
      throw new ButlerError('BAD_RESPONSE', 'Server sent ButlerTasks in an unexpected shape');
    }
  } else if (start.startsWith('<?xml') || start.startsWith('<ButlerTasks')) {
    list = parseXml(start);
  } else {
    throw new ButlerError('BAD_RESPONSE', `Server answered the task list with ${describe(body)}: is the URL a Plex Media Server?`);
  }
  if (list === undefined || list === null) return [];
  const items = Array.isArray(list) ? list : [list];
  return items.map(toTask);
}
