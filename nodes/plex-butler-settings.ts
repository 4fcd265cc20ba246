import type { NodeAPI, Node } from 'node-red';
import { ButlerError } from '../lib/errors';
import { FlowNodeDef, cachedText, setupFlowNode } from './shared';

export = function register(RED: NodeAPI): void {
  function PlexButlerSettings(this: Node, config: FlowNodeDef): void {
    RED.nodes.createNode(this, config);
    const text = cachedText(RED);
    setupFlowNode(RED, this, config, {
      busy: () => text('plex-butler-settings.status.busy'),
      work: async (client, msg, call) => {
        const change = msg.payload;
        if (Array.isArray(change)) throw new ButlerError('INVALID_SETTING', 'Settings must be an object like {startHour, endHour, tasks}, not an array');
        // An object writes; anything else (an inject timestamp, nothing) reads.
        const writing = typeof change === 'object' && change !== null;
        const settings = writing ? await client.putSettings(change, call) : await client.getSettings(call);
        const key = writing ? 'saved' : 'read';
        return { payload: settings, status: text(`plex-butler-settings.status.${key}`, { start: settings.startHour, end: settings.endHour }) };
      },
    });
  }
  RED.nodes.registerType('plex-butler-settings', PlexButlerSettings);
};
