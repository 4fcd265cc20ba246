import type { NodeAPI, Node } from 'node-red';
import { ButlerError } from '../lib/common/errors';
import { setupRequestNode } from './request-node';
import { FlowNodeDef } from './server-link';

/** The dialog's properties: `mode` 'write' writes the configured window and task switches. */
interface SettingsNodeDef extends FlowNodeDef {
  mode?: 'read' | 'write';
  /** A whole hour 0–23; empty leaves it unchanged. */
  startHour?: string | number;
  endHour?: string | number;
  /** Task name to true (on) or false (off); a task not listed is left unchanged. */
  tasks?: Record<string, unknown>;
}

type Change = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A configured hour: empty means unset; digits become a number; anything else stays, to be refused. */
function configuredHour(value: unknown): unknown {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return value;
}

/** What the dialog asks to write: nothing unless the node is in write mode. */
function configuredChange(config: SettingsNodeDef): Change {
  if (config.mode !== 'write') return {};
  const out: Change = {};
  const start = configuredHour(config.startHour);
  const end = configuredHour(config.endHour);
  if (start !== undefined) out.startHour = start;
  if (end !== undefined) out.endHour = end;
  if (isObject(config.tasks) && Object.keys(config.tasks).length > 0) out.tasks = { ...config.tasks };
  return out;
}

/**
 * The change one msg makes: an object payload merged over the configured values (its keys win,
 * task by task inside `tasks`), else the configured values; null means read.
 */
function changeFor(payload: unknown, configured: Change): Change | null {
  if (Array.isArray(payload)) throw new ButlerError('INVALID_SETTING', 'Settings must be an object like {startHour, endHour, tasks}, not an array');
  if (!isObject(payload)) return Object.keys(configured).length > 0 ? configured : null;
  const merged: Change = { ...configured, ...payload };
  if (isObject(configured.tasks) && isObject(payload.tasks)) merged.tasks = { ...configured.tasks, ...payload.tasks };
  return merged;
}

export = function register(RED: NodeAPI): void {
  function PlexButlerSettings(this: Node, config: SettingsNodeDef): void {
    RED.nodes.createNode(this, config);
    const configured = configuredChange(config);
    setupRequestNode(RED, this, config, {
      // An object writes (over the configured values); anything else (an inject timestamp,
      // nothing) writes the configured values in write mode, or reads.
      parse: (msg) => changeFor(msg.payload, configured),
      busy: (change) => (change ? 'plex-butler-settings.status.saving' : 'plex-butler-settings.status.busy'),
      work: async (client, change, _msg, call) => {
        const settings = change ? await client.putSettings(change, call) : await client.getSettings(call);
        const key = change ? 'saved' : 'read';
        return { payload: settings, status: RED._(`plex-butler-settings.status.${key}`, { start: settings.startHour, end: settings.endHour }) };
      },
    });
  }
  RED.nodes.registerType('plex-butler-settings', PlexButlerSettings);
};
