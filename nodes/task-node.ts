import type { NodeAPI, Node, NodeMessageInFlow } from 'node-red';
import { ButlerError } from '../lib/common/errors';
import { checkTaskName } from '../lib/common/validate';
import { TaskAction } from '../lib/butler/client';
import { setupRequestNode } from './request-node';
import { FlowNodeDef } from './server-link';
import { textMemo } from './status-text';
import { busySessions, IdleDef } from '../lib/events/idle';
import { playbackTiming } from './runtime-settings';

export interface TaskNodeDef extends FlowNodeDef, IdleDef {
  task?: string;
}

/** The node's task when set, else msg.task, else a string msg.payload; checked, or INVALID_TASK. */
function pickTask(configured: string | undefined, msg: NodeMessageInFlow): string {
  const own = configured?.trim();
  if (own) return checkTaskName(own);
  const fromMsg = (msg as Record<string, unknown>).task;
  if (fromMsg !== undefined && fromMsg !== null && fromMsg !== '') return checkTaskName(typeof fromMsg === 'string' ? fromMsg.trim() : fromMsg);
  const payload = msg.payload;
  if (typeof payload === 'string' && payload.trim() !== '') return checkTaskName(payload.trim());
  throw new ButlerError('INVALID_TASK', 'No task given: set the node\'s Task, or send msg.task (or msg.payload) with a task name such as BackupDatabase');
}

/** Registers plex-butler-start or plex-butler-stop: same input, different request. */
export function registerTaskNode(RED: NodeAPI, type: string, action: TaskAction): void {
  function PlexButlerTaskNode(this: Node, config: TaskNodeDef): void {
    RED.nodes.createNode(this, config);
    const text = textMemo(RED);
    setupRequestNode(RED, this, config, {
      parse: (msg) => pickTask(config.task, msg),
      busy: (task) => text(`${type}.status.busy`, { task }),
      work: async (client, task, _msg, call) => {
        if (action === 'start' && config.onlyWhenIdle) {
          const sessions = await busySessions(client, config, call, playbackTiming(RED).lingerMs);
          if (sessions > 0) {
            const payload = { task, action, result: 'skipped', reason: 'playback', sessions };
            return { payload, status: text(`${type}.status.skipped`, { task, sessions: String(sessions) }) };
          }
        }
        const result = action === 'start' ? await client.startTask(task, call) : await client.stopTask(task, call);
        return { payload: result, status: text(`${type}.status.${result.result}`, { task }) };
      },
    });
  }
  RED.nodes.registerType(type, PlexButlerTaskNode);
}
