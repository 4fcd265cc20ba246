import type { Request, Response } from 'express';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { ButlerClient } from '../lib/client';
import { ActivityStream } from '../lib/activity';
import { ActivitySource, ActivityWatcher } from './activity-source';
import { ButlerError } from '../lib/errors';
import { cleanToken, normaliseUrl } from '../lib/validate';
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
  /** The URL as configured, before any ${VAR} was read. */
  configuredUrl: string;
  timeout: number;
  verifyTls: boolean;
}

const MAX_ADMIN_TIMEOUT = 15000;
const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

function toTimeout(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 10000;
}

export = function register(RED: NodeAPI): void {
  /** Resolves a `${NAME}` reference the way Node-RED resolves env properties. */
  function fromEnv(node: Node | undefined, value: string): string {
    const m = ENV_REF.exec(value.trim());
    if (!m) return value;
    try {
      const v: unknown = RED.util.evaluateNodeProperty(m[1], 'env', node as Node, {});
      if (typeof v === 'string') return v;
    } catch {
      // fall back to the process environment
    }
    return process.env[m[1]] ?? '';
  }

  function PlexButlerServer(this: ServerNodeImpl, config: ServerDef): void {
    RED.nodes.createNode(this, config);
    const creds: ServerCreds = this.credentials ?? {};
    this.configuredUrl = config.url ?? '';
    this.url = fromEnv(this, this.configuredUrl);
    this.timeout = toTimeout(config.timeout);
    this.verifyTls = config.verifyTls !== false;
    const token = cleanToken(fromEnv(this, creds.token ?? ''));
    let client: ButlerClient | undefined;
    let problem: ButlerError | undefined;
    try {
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
  });

  // Admin endpoints for the editor: test a connection, fill the task dropdown.
  const guard = RED.auth.needsPermission('plex-butler-server.write');

  interface Target {
    client: ButlerClient;
  }

  /**
   * Builds a short-lived client from the open dialog's values. The stored token is only ever
   * sent to the stored URL, so the endpoint cannot carry it to another host.
   */
  function target(body: unknown): Target {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const id = typeof b.id === 'string' ? b.id : '';
    const deployed = id ? (RED.nodes.getNode(id) as ServerNodeImpl | null) : null;
    const typed = typeof b.token === 'string' ? cleanToken(b.token) : '';
    const fresh = typed !== '' && typed !== '__PWRD__';
    // Only the deployed node's own ${VAR} is read: a URL typed in the dialog is taken as it is,
    // so the endpoint cannot be used to read the environment.
    const typedUrl = typeof b.url === 'string' ? b.url.trim() : '';
    const sameAsDeployed = deployed !== null && (typedUrl === '' || typedUrl === deployed.configuredUrl.trim());
    const url = normaliseUrl(sameAsDeployed ? deployed.url : typedUrl);
    let token = typed;
    if (!fresh) {
      const stored = id ? ((RED.nodes.getCredentials(id) ?? {}) as ServerCreds).token : undefined;
      if (!stored || !deployed) {
        throw new ButlerError('NOT_CONFIGURED', 'Enter the token (or deploy the server node first)');
      }
      if (normaliseUrl(deployed.url) !== url) {
        throw new ButlerError('NOT_CONFIGURED', 'The URL differs from the deployed one: enter the token again to use the new URL');
      }
      token = cleanToken(fromEnv(deployed, stored));
    }
    const timeout = Math.min(MAX_ADMIN_TIMEOUT, toTimeout(b.timeout ?? deployed?.timeout));
    const verifyTls = typeof b.verifyTls === 'boolean' ? b.verifyTls : deployed?.verifyTls !== false;
    return { client: new ButlerClient({ url, token, timeout, verifyTls, retries: 0, clientId: `node-red-plex-butler-${id || 'editor'}` }) };
  }

  function fail(res: Response, err: unknown): void {
    const e = asButlerError(err);
    res.json({ ok: false, code: e.code, message: e.message, ...(e.statusCode ? { statusCode: e.statusCode } : {}) });
  }

  /** An admin route that runs `work` with a short-lived client built from the request body. */
  function route(path: string, work: (client: ButlerClient) => Promise<Record<string, unknown>>): void {
    RED.httpAdmin.post(path, guard, (req: Request, res: Response) => {
      let client: ButlerClient;
      try {
        client = target(req.body).client;
      } catch (err) {
        fail(res, err);
        return;
      }
      work(client)
        .then((body) => res.json({ ok: true, ...body }))
        .catch((err: unknown) => fail(res, err))
        .finally(() => client.close());
    });
  }

  route('/plex-butler/test', async (client) => {
    const [identity, tasks] = await Promise.all([client.identity(), client.listTasks()]);
    return { version: identity.version, machineIdentifier: identity.machineIdentifier, tasks: tasks.length };
  });

  route('/plex-butler/tasks', async (client) => ({ tasks: await client.listTasks() }));
};
