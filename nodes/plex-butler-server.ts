import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ButlerClient } from '../lib/butler/client';
import { NotificationHub, NotificationSource } from '../lib/events/hub';
import { ButlerError } from '../lib/common/errors';
import { cleanToken, TASK_NAME } from '../lib/common/validate';
import { registerServerAdmin, toTimeout } from './server-admin';
import { registerSignInAdmin } from './signin-admin';
import { asButlerError } from './error-output';
import { streamTiming } from './runtime-settings';
import { ServerNode } from './server-link';

interface ServerDef extends NodeDef {
  url?: string;
  timeout?: number | string;
  verifyTls?: boolean;
}

interface ServerCreds {
  token?: string;
}

interface ServerNodeImpl extends Node<ServerCreds> {
  getClient: ServerNode['getClient'];
  watchNotifications: NotificationSource['watchNotifications'];
  url: string;
  timeout: number;
  verifyTls: boolean;
}

/** Node-RED leaves a `${VAR}` it cannot resolve as it was: say which variable is missing. */
function unsetVariable(value: string, field: string): void {
  const ref = /^\$\{([^}]+)\}$/.exec(value.trim());
  if (ref) throw new ButlerError('NOT_CONFIGURED', `The environment variable ${ref[1]} used as the server ${field} is not set`);
}

export = function register(RED: NodeAPI): void {
  function PlexButlerServer(this: ServerNodeImpl, config: ServerDef): void {
    RED.nodes.createNode(this, config);
    const creds: ServerCreds = this.credentials ?? {};
    // Node-RED has already replaced ${VAR} references in the URL and the token.
    this.url = config.url ?? '';
    this.timeout = toTimeout(config.timeout);
    this.verifyTls = config.verifyTls !== false;
    const token = cleanToken(creds.token);
    let client: ButlerClient | undefined;
    let problem: ButlerError | undefined;
    try {
      unsetVariable(this.url, 'URL');
      unsetVariable(token, 'token');
      client = new ButlerClient({
        url: this.url,
        token,
        timeout: this.timeout,
        verifyTls: this.verifyTls,
        clientId: `node-red-plex-butler-${this.id}`,
      });
    } catch (err) {
      problem = asButlerError(err);
      this.warn(problem.message);
    }
    this.getClient = () => {
      if (client) return client;
      throw problem ?? new ButlerError('NOT_CONFIGURED', 'Plex server node is not configured');
    };

    // One notification stream per server node, opened for the first watcher, closed after the last.
    const hub = new NotificationHub(
      (kinds) => this.getClient().notifications(kinds, streamTiming(RED)),
      (err) => this.error(`plex-butler: a notification watcher failed: ${err instanceof Error ? err.message : String(err)}`),
    );
    this.watchNotifications = (watcher) => {
      if (!problem) return hub.watch(watcher);
      watcher.problem(problem);
      return () => undefined;
    };

    this.on('close', (done: () => void) => {
      hub.close();
      client?.close();
      done();
    });
  }

  RED.nodes.registerType<ServerNodeImpl, ServerDef, unknown, ServerCreds>('plex-butler-server', PlexButlerServer, {
    credentials: { token: { type: 'password' } },
    settings: { plexButlerServerTaskName: { value: TASK_NAME.source, exportable: true } },
  });

  registerSignInAdmin(RED);
  registerServerAdmin(RED, (id) => {
    const node = RED.nodes.getNode(id) as ServerNodeImpl | null;
    if (!node || typeof node.getClient !== 'function') return undefined;
    return { url: node.url, token: cleanToken(node.credentials?.token), timeout: node.timeout, verifyTls: node.verifyTls };
  });
};
