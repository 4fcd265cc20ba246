// Misbehaving servers on 127.0.0.1 for network-fault tests: real sockets, nothing mocked.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FaultServer {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

function track(server: net.Server): { sockets: Set<net.Socket>; count: () => number } {
  const sockets = new Set<net.Socket>();
  let count = 0;
  server.on('connection', (s: net.Socket) => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return { sockets, count: () => count };
}

async function listen(server: net.Server): Promise<FaultServer> {
  const t = track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return t.count();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of t.sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never answers. */
export function hangingServer(): Promise<FaultServer> {
  return listen(net.createServer(() => undefined));
}

/** Resets every connection as soon as the request arrives. */
export function resettingServer(): Promise<FaultServer> {
  return listen(net.createServer((s) => s.once('data', () => s.resetAndDestroy())));
}

/** Sends headers and half a body, then stalls (mode 'stall') or resets (mode 'reset'). */
export function partialBodyServer(mode: 'stall' | 'reset'): Promise<FaultServer> {
  return listen(
    http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"ButlerTasks":{"ButlerTask":[');
      if (mode === 'reset') setTimeout(() => res.socket?.resetAndDestroy(), 20);
    }),
  );
}

export interface Canned {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

/** Answers every request with the canned answer (or the next of a list, the last repeating). */
export function cannedServer(answers: Canned | Canned[], seen?: http.IncomingMessage[]): Promise<FaultServer> {
  const list = Array.isArray(answers) ? answers : [answers];
  let i = 0;
  return listen(
    http.createServer((req, res) => {
      seen?.push(req);
      const a = list[Math.min(i++, list.length - 1)];
      req.resume();
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? '');
    }),
  );
}

/** A URL on which nothing listens (a port that was free a moment ago). */
export async function absentUrl(): Promise<string> {
  const s = await listen(net.createServer());
  await s.close();
  return s.url;
}
