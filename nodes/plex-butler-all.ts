import type { NodeAPI, Node, NodeMessageInFlow } from 'node-red';
import { checkAction } from '../lib/common/validate';
import { setupRequestNode } from './request-node';
import { FlowNodeDef } from './server-link';
import { busySessions, IdleDef } from '../lib/events/idle';
import { playbackTiming } from './runtime-settings';
import { stopMaintenance } from '../lib/butler/maintenance';

interface AllNodeDef extends FlowNodeDef, IdleDef {
  action?: string;
  /** With stop: also cancel the maintenance activities the server runs (msg.cancelActivities overrides). */
  cancelActivities?: boolean;
}

/** msg.cancelActivities when it is a boolean, else the node's setting. */
function wantsCancel(configured: boolean | undefined, msg: NodeMessageInFlow): boolean {
  const fromMsg = (msg as Record<string, unknown>).cancelActivities;
  return typeof fromMsg === 'boolean' ? fromMsg : configured === true;
}

/** The node's action, or with "msg" the msg.action, else a string msg.payload. */
function pickAction(configured: string | undefined, msg: NodeMessageInFlow): unknown {
  if (configured && configured !== 'msg') return configured;
  const fromMsg = (msg as Record<string, unknown>).action;
  if (fromMsg !== undefined && fromMsg !== null && fromMsg !== '') return fromMsg;
  return typeof msg.payload === 'string' ? msg.payload : undefined;
}

export = function register(RED: NodeAPI): void {
  function PlexButlerAll(this: Node, config: AllNodeDef): void {
    RED.nodes.createNode(this, config);
    setupRequestNode(RED, this, config, {
      parse: (msg) => checkAction(pickAction(config.action, msg)),
      busy: () => 'plex-butler-all.status.busy',
      work: async (client, action, msg, call) => {
        // Holding back applies to starts only: stopping maintenance is always allowed.
        if (action === 'start' && config.onlyWhenIdle) {
          const sessions = await busySessions(client, config, call, playbackTiming(RED).lingerMs);
          if (sessions > 0) {
            return { payload: { action, result: 'skipped', reason: 'playback', sessions }, status: RED._('plex-butler-all.status.skipped', { sessions }) };
          }
        }
        if (action === 'stop' && wantsCancel(config.cancelActivities, msg)) {
          const { payload, failure } = await stopMaintenance(client, call);
          const status = RED._('plex-butler-all.status.cancelled', { cancelled: String(payload.cancelled.length) });
          return { payload, status, failed: failure };
        }
        const result = await client.runAll(action, call);
        return { payload: result, status: RED._(`plex-butler-all.status.${result.result}`) };
      },
    });
  }
  RED.nodes.registerType('plex-butler-all', PlexButlerAll);
};
