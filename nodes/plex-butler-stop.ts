import type { NodeAPI } from 'node-red';
import { registerTaskNode } from './task-node';

export = function register(RED: NodeAPI): void {
  registerTaskNode(RED, 'plex-butler-stop', 'stop');
};
