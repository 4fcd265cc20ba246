import type { NodeAPI, Node, NodeMessage } from 'node-red';
import { ActivityEvent, isMaintenance } from '../lib/events/activity';
import { findServer, FlowNodeDef } from './server-link';
import { NotificationSource } from '../lib/events/hub';
import { streamReporter } from './stream-status';

interface ActivityDef extends FlowNodeDef {
  filter?: string;
  maintenanceOnly?: boolean;
}

/** The node's filters: maintenance only, and any of the given words in type, title or subtitle. */
function activityFilter(config: ActivityDef): (e: ActivityEvent) => boolean {
  const words = (config.filter ?? '')
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w !== '');
  return (e) => {
    if (config.maintenanceOnly && !isMaintenance(e)) return false;
    if (words.length === 0) return true;
    const text = `${e.type}\n${e.title}\n${e.subtitle}`.toLowerCase();
    return words.some((w) => text.includes(w));
  };
}

export = function register(RED: NodeAPI): void {
  function PlexButlerActivity(this: Node, config: ActivityDef): void {
    RED.nodes.createNode(this, config);
    const keep = activityFilter(config);
    const report = streamReporter(RED, this, config, 'plex-butler-activity');
    let unsubscribe: (() => void) | undefined;
    try {
      report.state('connecting');
      unsubscribe = findServer<NotificationSource>(RED, config.server, 'watchNotifications').watchNotifications({
        kinds: ['activity'],
        activity: (e) => {
          if (keep(e)) this.send([{ topic: e.type, payload: e } as NodeMessage, null]);
        },
        state: (state, retryMs, cause) => report.state(state, retryMs, cause),
        problem: (err) => report.problem(err),
      });
    } catch (err) {
      report.problem(err);
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      unsubscribe?.();
      this.status({});
      done();
    });
  }
  RED.nodes.registerType('plex-butler-activity', PlexButlerActivity);
};
