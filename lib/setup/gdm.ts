// GDM: find Plex Media Servers on the LAN without an account (UDP M-SEARCH, unicast answers).
import dgram from 'node:dgram';
import net from 'node:net';

export const DEFAULT_GDM_ADDRESS = '239.0.0.250';
export const DEFAULT_GDM_PORT = 32414;
const M_SEARCH = 'M-SEARCH * HTTP/1.1\r\n\r\n';

export interface GdmOptions {
  address?: string;
  port?: number;
  /** Stop after this long in any case (default 2000 ms). */
  totalMs?: number;
  /** Stop after this long without an answer, once one came (default 1000 ms). */
  quietMs?: number;
}

export interface GdmServer {
  name: string;
  version: string;
  resourceIdentifier: string;
  address: string;
  port: number;
  url: string;
}

export interface GdmResult {
  servers: GdmServer[];
  /** How long the collection took. */
  ms: number;
  /** Datagrams that were not a Plex Media Server's answer. */
  ignored: number;
}

/** Header lines of an answer, names in lower case; each line split on its first `:` only. */
function parseGdmHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split(/\r?\n/).slice(1)) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    headers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }
  return headers;
}

/** One datagram as a server, or undefined for anything that is not a media server's 200 answer. */
export function parseGdmAnswer(text: string, sourceAddress: string): GdmServer | undefined {
  if (!/^HTTP\/1\.[01] 200\b/.test(text)) return undefined;
  const h = parseGdmHeaders(text);
  const type = h.get('content-type') ?? '';
  const port = Number(h.get('port'));
  const id = h.get('resource-identifier') ?? '';
  if (!/plex\/media-server/i.test(type) || !Number.isInteger(port) || port <= 0 || port > 65535 || !id) return undefined;
  const host = net.isIPv6(sourceAddress) ? `[${sourceAddress}]` : sourceAddress;
  return { name: h.get('name') ?? id, version: h.get('version') ?? '', resourceIdentifier: id, address: sourceAddress, port, url: `http://${host}:${port}` };
}

function bindAddress(target: string): string | undefined {
  return /^127\./.test(target) ? '127.0.0.1' : undefined;
}

/** Sends one M-SEARCH and collects the answers, de-duplicated by Resource-Identifier. */
export function discoverServers(options: GdmOptions = {}): Promise<GdmResult> {
  const address = options.address ?? DEFAULT_GDM_ADDRESS;
  const port = options.port ?? DEFAULT_GDM_PORT;
  const totalMs = options.totalMs ?? 2000;
  const quietMs = options.quietMs ?? 1000;
  const started = Date.now();
  const found = new Map<string, GdmServer>();
  let ignored = 0;
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    let quiet: NodeJS.Timeout | undefined;
    let finished = false;
    // Once only: the overall timer, the quiet timer, a socket error and a late send callback may
    // all come; closing the socket twice would throw inside a callback and stop Node-RED.
    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(total);
      clearTimeout(quiet);
      socket.close();
      if (err) reject(err);
      else resolve({ servers: [...found.values()], ms: Date.now() - started, ignored });
    };
    const total = setTimeout(() => finish(), totalMs);
    socket.on('error', (err) => finish(err));
    socket.on('message', (msg, rinfo) => {
      if (finished) return;
      const server = parseGdmAnswer(msg.toString('utf8'), rinfo.address);
      if (!server) ignored++;
      else if (!found.has(server.resourceIdentifier)) found.set(server.resourceIdentifier, server);
      clearTimeout(quiet);
      quiet = setTimeout(() => finish(), quietMs);
    });
    socket.bind({ port: 0, address: bindAddress(address) }, () => {
      if (finished) return;
      try {
        if (net.isIPv4(address) && Number(address.split('.')[0]) >= 224) socket.setMulticastTTL(1);
      } catch {
        // not fatal: the default TTL is 1 as well
      }
      socket.send(M_SEARCH, port, address, (err) => {
        if (err) finish(err);
      });
    });
  });
}
