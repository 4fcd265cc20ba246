import type { NodeAPI, Node } from 'node-red';
import { ButlerError } from '../lib/errors';
import { FlowNodeDef, setupFlowNode } from './shared';

export = function register(RED: NodeAPI): void {
  function PlexButlerSettings(this: Node, config: FlowNodeDef): void {
    RED.nodes.createNode(this, config);
    setupFlowNode(RED, this, config, {
      parse: (msg) => {
        if (Array.isArray(msg.payload)) throw new ButlerError('INVALID_SETTING', 'Settings must be an object like {startHour, endHour, tasks}, not an array');
        return msg.payload;
      },
      busy: () => 'plex-butler-settings.status.busy',
      work: async (client, change, _msg, call) => {
        // An object writes; anything else (an inject timestamp, nothing) reads.
        const writing = typeof change === 'object' && change !== null;
        const settings = writing ? await client.putSettings(change, call) : await client.getSettings(call);
        const key = writing ? 'saved' : 'read';
        return { payload: settings, status: RED._(`plex-butler-settings.status.${key}`, { start: settings.startHour, end: settings.endHour }) };
      },
    });
  }
  RED.nodes.registerType('plex-butler-settings', PlexButlerSettings);
};
