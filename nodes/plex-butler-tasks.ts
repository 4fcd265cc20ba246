import type { NodeAPI, Node } from 'node-red';
import { setupRequestNode } from './request-node';
import { FlowNodeDef } from './server-link';

export = function register(RED: NodeAPI): void {
  function PlexButlerTasks(this: Node, config: FlowNodeDef): void {
    RED.nodes.createNode(this, config);
    setupRequestNode(RED, this, config, {
      parse: () => undefined,
      busy: () => 'plex-butler-tasks.status.listing',
      work: async (client, _input, _msg, call) => {
        const tasks = await client.listTasks(call);
        return { payload: tasks, status: RED._('plex-butler-tasks.status.listed', { count: tasks.length }) };
      },
    });
  }
  RED.nodes.registerType('plex-butler-tasks', PlexButlerTasks);
};
