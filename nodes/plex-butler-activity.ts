import type { NodeAPI, Node, NodeMessage } from 'node-red';
import { ActivityEvent, isMaintenance } from '../lib/activity';
import { activitySource, ActivityWatcher } from './activity-source';
import { asButlerError, errorOutputWired, FlowNodeDef } from './shared';

interface ActivityDef extends FlowNodeDef {
  filter?: string;
  maintenanceOnly?: boolean;
}

export = function register(RED: NodeAPI): void {
  function PlexButlerActivity(this: Node, config: ActivityDef): void {
    RED.nodes.createNode(this, config);
    const errorWired = errorOutputWired(config);
    const words = (config.filter ?? '')
      .split(',')
      .map((w) => w.trim().toLowerCase())
      .filter((w) => w !== '');
    const keep = (e: ActivityEvent): boolean => {
      if (config.maintenanceOnly && !isMaintenance(e)) return false;
      if (words.length === 0) return true;
      const text = `${e.type}\n${e.title}\n${e.subtitle}`.toLowerCase();
      return words.some((w) => text.includes(w));
    };
    let lastProblem = '';

    const watcher: ActivityWatcher = {
      activity: (e) => {
        if (!keep(e)) return;
        this.send([{ topic: e.type, payload: e } as NodeMessage, null]);
      },
      state: (state, retryMs) => {
        if (state === 'connected') {
          lastProblem = '';
          this.status({ fill: 'green', shape: 'dot', text: RED._('plex-butler-activity.status.connected') });
        } else if (state === 'reconnecting') {
          const seconds = Math.max(1, Math.round((retryMs ?? 0) / 1000));
          this.status({ fill: 'yellow', shape: 'ring', text: RED._('plex-butler-activity.status.reconnecting', { code: lastProblem, seconds }) });
        } else if (state === 'connecting') {
          this.status({ fill: 'yellow', shape: 'ring', text: RED._('plex-butler-activity.status.connecting') });
        }
      },
      problem: (err) => {
        lastProblem = err.code;
        const msg = { topic: 'error', payload: null, error: err.toJSON() } as NodeMessage;
        if (errorWired) this.send([null, msg]);
        else this.error(err, msg);
        this.status({ fill: 'red', shape: 'ring', text: err.code });
      },
    };

    let unsubscribe: (() => void) | undefined;
    try {
      this.status({ fill: 'yellow', shape: 'ring', text: RED._('plex-butler-activity.status.connecting') });
      unsubscribe = activitySource(RED, config.server).watchActivity(watcher);
    } catch (err) {
      watcher.problem(asButlerError(err));
    }

    this.on('close', (_removed: boolean, done: () => void) => {
      unsubscribe?.();
      this.status({});
      done();
    });
  }
  RED.nodes.registerType('plex-butler-activity', PlexButlerActivity);
};
