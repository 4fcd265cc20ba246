import type { NodeAPI, Node, NodeMessageInFlow } from 'node-red';
import { ButlerError } from '../lib/errors';
import { checkTaskName } from '../lib/validate';
import { TaskAction } from '../lib/client';
import { FlowNodeDef, msgString, cachedText, setupFlowNode } from './shared';
import { busySessions, IdleDef } from './idle';

export interface TaskNodeDef extends FlowNodeDef, IdleDef {
  task?: string;
}

/** The node's task when set, else msg.task, else a string msg.payload. */
export function pickTask(configured: string | undefined, msg: NodeMessageInFlow): unknown {
  const own = configured?.trim();
  if (own) return own;
  const fromMsg = (msg as Record<string, unknown>).task;
  if (fromMsg !== undefined && fromMsg !== null && fromMsg !== '') return typeof fromMsg === 'string' ? fromMsg.trim() : fromMsg;
  const payload = msgString(msg, 'payload');
  if (payload !== undefined && payload.trim() !== '') return payload.trim();
  throw new ButlerError('INVALID_TASK', 'No task given: set the node\'s Task, or send msg.task (or msg.payload) with a task name such as BackupDatabase');
}

/** Registers plex-butler-start or plex-butler-stop: same input, different request. */
export function registerTaskNode(RED: NodeAPI, type: string, action: TaskAction): void {
  function PlexButlerTaskNode(this: Node, config: TaskNodeDef): void {
    RED.nodes.createNode(this, config);
    const text = cachedText(RED);
    setupFlowNode(RED, this, config, {
      busy: (msg) => {
        const task = config.task?.trim() || msgString(msg, 'task') || msgString(msg, 'payload') || '';
        return text(`${type}.status.busy`, { task: task.slice(0, 32) });
      },
      work: async (client, msg, call) => {
        const task = pickTask(config.task, msg);
        if (action === 'start') {
          const sessions = await busySessions(client, config, call);
          if (sessions > 0) {
            const payload = { task: checkTaskName(task), action, result: 'skipped', reason: 'playback', sessions };
            return { payload, status: text(`${type}.status.skipped`, { task: payload.task, sessions }) };
          }
        }
        const result = action === 'start' ? await client.startTask(task, call) : await client.stopTask(task, call);
        return { payload: result, status: text(`${type}.status.${result.result}`, { task: result.task }) };
      },
    });
  }
  RED.nodes.registerType(type, PlexButlerTaskNode);
}
