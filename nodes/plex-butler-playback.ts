import type { NodeAPI, Node, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { PlaybackOptions, PlaybackSnapshot, PlaybackWatch } from '../lib/events/playback';
import { shareTraces } from '../lib/events/watching';
import { errorOutput, localError } from './error-output';
import { findServer, FlowNodeDef, ServerNode, serverUrl } from './server-link';
import { NotificationSource } from '../lib/events/hub';
import { streamReporter } from './stream-status';
import { playbackTiming } from './runtime-settings';

interface PlaybackDef extends FlowNodeDef {
  idleGrace?: number | string;
  countPaused?: boolean;
}

type PlaybackServer = ServerNode & NotificationSource;

/** Seconds from the node's setting; empty or bad values give the default of 60. */
function graceMs(value: unknown): number {
  const n = value === '' || value === undefined ? NaN : Number(value);
  return (Number.isFinite(n) && n >= 0 ? n : 60) * 1000;
}

function stateStatus(RED: NodeAPI, snap: PlaybackSnapshot | undefined): NodeStatus {
  if (!snap) return { fill: 'grey', shape: 'ring', text: 'node-red:common.status.connecting' };
  if (snap.state === 'idle') return { fill: 'green', shape: 'dot', text: 'plex-butler-playback.status.idle' };
  return { fill: 'blue', shape: 'dot', text: RED._('plex-butler-playback.status.busy', { count: snap.sessions }) };
}

function watchOptions(RED: NodeAPI, config: PlaybackDef): PlaybackOptions {
  return { ...playbackTiming(RED), idleGraceMs: graceMs(config.idleGrace), countPaused: config.countPaused !== false };
}

export = function register(RED: NodeAPI): void {
  function PlexButlerPlayback(this: Node, config: PlaybackDef): void {
    RED.nodes.createNode(this, config);
    let watch: PlaybackWatch | undefined;
    const report = streamReporter(RED, this, config, 'plex-butler-playback', () => stateStatus(RED, watch?.current));
    let unsubscribe: (() => void) | undefined;
    let setupError: unknown;
    try {
      const server = findServer<PlaybackServer>(RED, config.server, 'watchNotifications');
      const client = server.getClient();
      watch = new PlaybackWatch((signal) => client.sessions({ signal }), watchOptions(RED, config));
      // Only when idle of this server judges with what this watch saw (the lingering rule).
      const unshare = shareTraces(client, watch.traces);
      const tracked = watch;
      watch.on('change', (snap, initial) => {
        this.send([{ topic: snap.state, payload: initial ? { ...snap, initial: true } : { ...snap } } as NodeMessage, null]);
        if (tracked.streamUp) this.status(stateStatus(RED, snap));
      });
      watch.on('problem', (err) => report.problem(err));
      this.status(stateStatus(RED, undefined));
      const unwatch = server.watchNotifications({
        kinds: ['playing'],
        playing: (note) => tracked.notify(note),
        state: (state, retryMs, cause) => {
          tracked.streamState(state);
          report.state(state, retryMs, cause);
        },
        problem: (err) => report.problem(err),
      });
      unsubscribe = () => [unwatch, unshare].forEach((stop) => stop());
      tracked.reset();
    } catch (err) {
      setupError = err;
      report.problem(err);
    }

    const sendError = errorOutput(this, config);
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      const failed = (err: unknown): void => sendError(localError(RED, err, serverUrl(RED, config.server)), msg, { send, done });
      if (!watch) return failed(setupError);
      watch.refresh().then((snap) => {
        send([Object.assign(msg, { topic: snap.state, payload: { ...snap } }), null]);
        done();
      }, failed);
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      unsubscribe?.();
      watch?.close();
      this.status({});
      done();
    });
  }
  RED.nodes.registerType('plex-butler-playback', PlexButlerPlayback);
};
