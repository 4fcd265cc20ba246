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

/** What a SwitchServer does with the next connection or request. */
export type Behaviour =
  /** Forwards every request to the upstream (the simulator): the server has recovered. */
  | { kind: 'healthy' }
  /** Accepts the connection, never reads or answers. */
  | { kind: 'hang' }
  /** Resets each connection as soon as it is accepted. */
  | { kind: 'refuse' }
  /** Sends the status line, headers and part of the body, then stalls. */
  | { kind: 'stall-body' }
  /** Sends the headers and part of the body, then resets the connection. */
  | { kind: 'reset-body' }
  /** Answers every request with the canned answer. */
  | { kind: 'canned'; answer: Canned }
  /** Lets the test answer each request itself. */
  | { kind: 'custom'; handle: (req: http.IncomingMessage, res: http.ServerResponse) => void }
  /** Streams a `bytes`-long body (a JSON start, then spaces), with or without a Content-Length. */
  | { kind: 'huge'; bytes: number; chunked?: boolean };

export interface SeenRequest {
  at: number;
  method: string;
  url: string;
  token: string | undefined;
}

/** Forwards one request to `upstream` (http://127.0.0.1:port) and streams the answer back. */
export function forward(upstream: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const target = new URL(req.url ?? '/', upstream);
  const out = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent: false }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}

/**
 * One port on 127.0.0.1 whose behaviour a test switches: a fault first, then `healthy` to show
 * the next message succeeds. `stop()` closes the port (server absent), `start()` reopens the same port.
 * Switching drops every open connection, as a restarting server would.
 */
export class SwitchServer {
  behaviour: Behaviour = { kind: 'healthy' };
  readonly requests: SeenRequest[] = [];
  connections = 0;
  /** Most requests open at once. */
  maxOpen = 0;
  /** Body bytes handed to sockets by `huge` answers. */
  bytesSent = 0;
  private open = 0;
  private port = 0;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly http: http.Server;
  private readonly chunk = Buffer.alloc(64 * 1024, 0x20);

  constructor(readonly upstream: string) {
    this.http = http.createServer((req, res) => this.answer(req, res));
    this.http.keepAliveTimeout = 5000;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the port and every connection: nothing listens any more. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Changes what the server does; open connections are dropped. */
  async set(behaviour: Behaviour): Promise<void> {
    this.behaviour = behaviour;
    this.dropConnections();
    // Let clients see the closes before they pick a pooled socket again.
    await new Promise((r) => setTimeout(r, 20));
  }

  private dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private accept(socket: net.Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const b = this.behaviour;
    if (b.kind === 'hang') {
      // Reads the request (so it sees the client leave) and never answers.
      socket.resume();
      return;
    }
    if (b.kind === 'refuse') {
      socket.resetAndDestroy();
      return;
    }
    this.http.emit('connection', socket);
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const token = req.headers['x-plex-token'];
    this.requests.push({ at: Date.now(), method: req.method ?? '', url: req.url ?? '', token: typeof token === 'string' ? token : undefined });
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    res.on('close', () => this.open--);
    const b = this.behaviour;
    switch (b.kind) {
      case 'healthy':
        forward(this.upstream, req, res);
        return;
      case 'stall-body':
      case 'reset-body':
        req.resume();
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
        res.write('{"ButlerTasks":{"ButlerTask":[');
        if (b.kind === 'reset-body') setTimeout(() => res.socket?.resetAndDestroy(), 20);
        return;
      case 'canned':
        req.resume();
        res.writeHead(b.answer.status, b.answer.headers ?? {});
        res.end(b.answer.body ?? '');
        return;
      case 'huge':
        req.resume();
        this.stream(res, b.bytes, b.chunked === true);
        return;
      case 'custom':
        b.handle(req, res);
        return;
      default:
        res.destroy();
    }
  }

  /** Writes `bytes` bytes from one reused buffer, following back-pressure, until done or closed. */
  private stream(res: http.ServerResponse, bytes: number, chunked: boolean): void {
    res.writeHead(200, chunked ? { 'Content-Type': 'application/json' } : { 'Content-Type': 'application/json', 'Content-Length': String(bytes) });
    const head = Buffer.from('{"ButlerTasks":{"ButlerTask":[');
    res.write(head);
    let left = bytes - head.length;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(left, this.chunk.length);
        left -= n;
        this.bytesSent += n;
        if (!res.write(n === this.chunk.length ? this.chunk : this.chunk.subarray(0, n))) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  }
}

/** A SwitchServer forwarding to `upstream`, already listening. */
export async function switchServer(upstream: string, behaviour: Behaviour = { kind: 'healthy' }): Promise<SwitchServer> {
  const s = new SwitchServer(upstream);
  s.behaviour = behaviour;
  await s.start();
  return s;
}
