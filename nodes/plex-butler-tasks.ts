import type { NodeAPI, Node } from 'node-red';
import { FlowNodeDef, cachedText, setupFlowNode } from './shared';

export = function register(RED: NodeAPI): void {
  function PlexButlerTasks(this: Node, config: FlowNodeDef): void {
    RED.nodes.createNode(this, config);
    const text = cachedText(RED);
    setupFlowNode(RED, this, config, {
      busy: () => text('plex-butler-tasks.status.listing'),
      work: async (client, _msg, call) => {
        const tasks = await client.listTasks(call);
        return { payload: tasks, status: text('plex-butler-tasks.status.listed', { count: tasks.length }) };
      },
    });
  }
  RED.nodes.registerType('plex-butler-tasks', PlexButlerTasks);
};
