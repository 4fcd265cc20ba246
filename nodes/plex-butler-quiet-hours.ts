import type { NodeAPI, Node, NodeMessageInFlow } from 'node-red';
import { QuietHoursInput, QuietHoursResult, quietHours } from '../lib/history/quiet-hours';
import { wholeNumber } from '../lib/history/quiet-window';
import { checkTimeZone } from '../lib/history/watch-grid';
import { setupRequestNode } from './request-node';
import { FlowNodeDef } from './server-link';

interface QuietHoursDef extends FlowNodeDef {
  days?: string | number;
  /** Hours of the suggested window; empty: the length of the server's current window. */
  windowHours?: string | number;
  /** An IANA time zone; empty: Node-RED's own. */
  timeZone?: string;
  apply?: boolean;
  /** Percentage points the suggestion must be below the current share to be applied. */
  minGain?: string | number;
}

const blank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** Percentage points (0–100) from a property: a number or digits with an optional fraction. */
function points(value: unknown): number {
  const n = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 100) return wholeNumber(value, 'minGain', 0, 100);
  return n;
}

/** The node's settings merged with msg.days and msg.apply; throws INVALID_SETTING. */
function inputFor(config: QuietHoursDef, msg: NodeMessageInFlow): QuietHoursInput {
  const m = msg as NodeMessageInFlow & { days?: unknown; apply?: unknown };
  const input: QuietHoursInput = {
    days: wholeNumber(m.days ?? (blank(config.days) ? 28 : config.days), 'days', 1, 365),
    apply: typeof m.apply === 'boolean' ? m.apply : config.apply === true,
    timeZone: checkTimeZone(typeof config.timeZone === 'string' ? config.timeZone.trim() : config.timeZone),
    minGain: blank(config.minGain) ? 5 : points(config.minGain),
  };
  if (!blank(config.windowHours)) input.windowHours = wholeNumber(config.windowHours, 'windowHours', 1, 23);
  return input;
}

const percent = (share: number): string => String(Math.round(share * 100));

export = function register(RED: NodeAPI): void {
  function statusText(r: QuietHoursResult): string {
    if (!r.suggested) return RED._('plex-butler-quiet-hours.status.empty', { days: r.days });
    const values = { start: r.suggested.startHour, end: r.suggested.endHour, share: percent(r.suggested.share), current: percent(r.current.share) };
    return RED._(`plex-butler-quiet-hours.status.${r.applied ? 'applied' : 'suggested'}`, values);
  }

  function PlexButlerQuietHours(this: Node, config: QuietHoursDef): void {
    RED.nodes.createNode(this, config);
    setupRequestNode(RED, this, config, {
      parse: (msg) => inputFor(config, msg),
      busy: (input) => RED._('plex-butler-quiet-hours.status.busy', { days: input.days }),
      work: async (client, input, _msg, call) => {
        const result = await quietHours(client, input, call);
        return { payload: result, status: statusText(result) };
      },
    });
  }
  RED.nodes.registerType('plex-butler-quiet-hours', PlexButlerQuietHours);
};
