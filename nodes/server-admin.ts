// Admin endpoints the server dialog and the task dropdowns call: test a connection, list tasks.
import type { Request, Response } from 'express';
import type { NodeAPI, NodeDef } from 'node-red';
import { ButlerClient } from '../lib/butler/client';
import { ButlerError } from '../lib/common/errors';
import { cleanToken, normaliseUrl } from '../lib/common/validate';
import { adminPost, replyFailure } from './admin-reply';

/** What a deployed plex-butler-server node offers the admin routes (values as Node-RED resolved them). */
export interface DeployedServer {
  url: string;
  token: string;
  timeout: number;
  verifyTls: boolean;
}

/** Dialog values as posted by the editor. */
interface DialogValues {
  id: string;
  url: string;
  token: string;
  timeout: unknown;
  verifyTls: unknown;
}

const MAX_ADMIN_TIMEOUT = 15000;
const ENV_REF = /^\$\{[^}]+\}$/;
const STORED_TOKEN = '__PWRD__';

export function toTimeout(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 10000;
}

function readDialog(body: unknown): DialogValues {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
  return { id: text(b.id), url: text(b.url), token: cleanToken(b.token), timeout: b.timeout, verifyTls: b.verifyTls };
}

/** The URL field of the deployed flow as saved, before Node-RED replaced any ${VAR} in it. */
function savedUrl(RED: NodeAPI, id: string): string | undefined {
  let url: string | undefined;
  RED.nodes.eachNode((n: NodeDef & { url?: unknown }) => {
    if (n.id === id && typeof n.url === 'string') url = n.url.trim();
  });
  return url;
}

/**
 * The address and token the dialog's values stand for. The stored token only ever goes to the
 * deployed node's own address, so the endpoint cannot carry it elsewhere. A URL the dialog sends
 * unchanged from the deployed flow (`${PLEX_URL}` included) means that node's address, which
 * Node-RED already resolved; any other URL is taken literally, never read from the environment.
 */
function dialogTarget(RED: NodeAPI, deployed: DeployedServer | undefined, dialog: DialogValues): { url: string; token: string } {
  const unchanged = deployed !== undefined && (dialog.url === '' || dialog.url === savedUrl(RED, dialog.id));
  const typed = dialog.token !== '' && dialog.token !== STORED_TOKEN;
  // What is missing first: with no token anywhere, a deploy would not help.
  if (!typed && !deployed?.token) throw new ButlerError('NOT_CONFIGURED', "The token is missing: enter the server owner's token (or ${PLEX_TOKEN}), or use Sign in with Plex");
  if (!unchanged && ENV_REF.test(dialog.url)) {
    throw new ButlerError('NOT_CONFIGURED', 'An environment variable in the URL is read when the flow is deployed: deploy first, or enter the address itself');
  }
  const url = normaliseUrl(unchanged ? deployed.url : dialog.url);
  if (typed) return { url, token: dialog.token };
  if (normaliseUrl(deployed?.url ?? '') !== url) {
    throw new ButlerError('NOT_CONFIGURED', 'The URL differs from the deployed one: enter the token again to use the new URL');
  }
  return { url, token: deployed?.token ?? '' };
}

/** Registers the routes; `deployedServer` finds a deployed server node by id. */
export function registerServerAdmin(RED: NodeAPI, deployedServer: (id: string) => DeployedServer | undefined): void {
  /** A short-lived client for the dialog's values: no retries, a bounded timeout. */
  function dialogClient(body: unknown): ButlerClient {
    const dialog = readDialog(body);
    const deployed = dialog.id ? deployedServer(dialog.id) : undefined;
    const { url, token } = dialogTarget(RED, deployed, dialog);
    const timeout = Math.min(MAX_ADMIN_TIMEOUT, toTimeout(dialog.timeout ?? deployed?.timeout));
    const verifyTls = typeof dialog.verifyTls === 'boolean' ? dialog.verifyTls : deployed?.verifyTls !== false;
    return new ButlerClient({ url, token, timeout, verifyTls, retries: 0, clientId: `node-red-plex-butler-${dialog.id || 'editor'}` });
  }

  function route(path: string, work: (client: ButlerClient) => Promise<Record<string, unknown>>): void {
    adminPost(RED, path, (req: Request, res: Response) => {
      let client: ButlerClient;
      try {
        client = dialogClient(req.body);
      } catch (err) {
        replyFailure(res, err);
        return;
      }
      work(client)
        .then((body) => res.json({ ok: true, ...body }))
        .catch((err: unknown) => replyFailure(res, err))
        .finally(() => client.close());
    });
  }

  route('/plex-butler/test', async (client) => {
    const [identity, tasks] = await Promise.all([client.identity(), client.listTasks()]);
    return { version: identity.version, machineIdentifier: identity.machineIdentifier, tasks: tasks.length };
  });

  route('/plex-butler/tasks', async (client) => ({ tasks: await client.listTasks() }));
}
