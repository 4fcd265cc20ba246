import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ButlerClient } from '../lib/client';
import { ActivityStream } from '../lib/activity';
import { ActivitySource, ActivityWatcher } from './activity-source';
import { ButlerError } from '../lib/errors';
import { cleanToken, TASK_NAME } from '../lib/validate';
import { registerServerAdmin, toTimeout } from './server-admin';
import { registerSignInAdmin } from './signin-admin';
import { asButlerError, ServerNode } from './shared';

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
  watchActivity: ActivitySource['watchActivity'];
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

    // One event stream per server node, opened for the first watcher, closed after the last.
    const watchers = new Set<ActivityWatcher>();
    let stream: ActivityStream | undefined;
    this.watchActivity = (watcher) => {
      watchers.add(watcher);
      if (problem) {
        watcher.problem(problem);
      } else if (!stream) {
        stream = new ActivityStream({ url: this.url, token, verifyTls: this.verifyTls, timeout: this.timeout, clientId: `node-red-plex-butler-${this.id}` });
        stream.on('activity', (e) => watchers.forEach((w) => w.activity(e)));
        stream.on('state', (st, ms) => watchers.forEach((w) => w.state(st, ms)));
        stream.on('problem', (err) => watchers.forEach((w) => w.problem(err)));
        stream.start();
      } else {
        watcher.state(stream.state);
      }
      return () => {
        watchers.delete(watcher);
        if (watchers.size === 0 && stream) {
          stream.close();
          stream = undefined;
        }
      };
    };

    this.on('close', (done: () => void) => {
      client?.close();
      stream?.close();
      stream = undefined;
      watchers.clear();
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
