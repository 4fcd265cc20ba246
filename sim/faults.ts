// Fault injection for the simulator, switchable per route: slow or failing answers, 401s,
// dropped connections, half-open connections, and a proxy's HTML page (whole or stalled mid-body).
import type http from 'node:http';

/** Which requests a fault applies to; `all` is every Plex route except /identity. */
export type FaultRoute = 'stream' | 'sessions' | 'butler' | 'all';

/**
 * - `slow`: answered normally after `delayMs`;
 * - `fail`: 500 with an HTML error page;
 * - `unauthorized`: 401 (a revoked token);
 * - `reset`: the connection is destroyed before any answer;
 * - `halfOpen`: the connection is kept and never answered (the stream: headers, then nothing);
 * - `html`: 200 with a whole HTML login page (a proxy in front of the server);
 * - `htmlStalled`: 200 text/html, the page cut off mid-title, the connection kept open.
 */
export type FaultKind = 'slow' | 'fail' | 'unauthorized' | 'reset' | 'halfOpen' | 'html' | 'htmlStalled';

export const FAULT_ROUTES: readonly FaultRoute[] = ['stream', 'sessions', 'butler', 'all'];
export const FAULT_KINDS: readonly FaultKind[] = ['slow', 'fail', 'unauthorized', 'reset', 'halfOpen', 'html', 'htmlStalled'];

export interface Fault {
  kind: FaultKind;
  /** For `slow`: how long the answer waits, ms (default 1000). */
  delayMs?: number;
}

/** What became of one request: a fault answered it (or holds it), or it went on as usual. */
export type RequestOutcome = FaultKind | 'served';

/** Called for every Plex request (not /__sim/ controls) with what the faults made of it. */
export type RequestObserver = (method: string, path: string, outcome: RequestOutcome) => void;

const PROXY_PAGE =
  '<!DOCTYPE html><html><head><title>Sign in to the gateway</title></head><body><form method="post" action="/gateway/login"><input name="user"><input name="pass" type="password"></form></body></html>';
/** The stalled page stops inside its title, so a reader that waits for `</title>` waits for ever. */
const STALLED_HEAD = '<!DOCTYPE html><html><head><title>Sign in to the ga';

/** The route a path belongs to, or undefined for paths faults never touch (/identity). */
export function routeOf(path: string): Exclude<FaultRoute, 'all'> | 'other' | undefined {
  if (path === '/identity') return undefined;
  if (path === '/:/eventsource/notifications') return 'stream';
  if (path === '/status/sessions') return 'sessions';
  if (path === '/butler' || path.startsWith('/butler/')) return 'butler';
  return 'other';
}

export class SimFaults {
  private readonly active = new Map<FaultRoute, Fault>();
  /** Answers kept open by halfOpen and htmlStalled; they stay open when the fault ends. */
  private readonly held = new Set<http.ServerResponse>();
  private readonly delays = new Set<NodeJS.Timeout>();
  private readonly observers = new Set<RequestObserver>();

  /** Switches a fault on for a route (undefined: off). A route's own fault wins over `all`. */
  set(route: FaultRoute, fault: Fault | undefined): void {
    if (fault) this.active.set(route, { ...fault });
    else this.active.delete(route);
  }

  /** Every fault off; held connections stay as they are. */
  clear(): void {
    this.active.clear();
  }

  /** The fault now applying to a path, if any. */
  faultFor(path: string): Fault | undefined {
    const route = routeOf(path);
    if (route === undefined) return undefined;
    return (route === 'other' ? undefined : this.active.get(route)) ?? this.active.get('all');
  }

  /** Connections held open right now (halfOpen, htmlStalled). */
  get heldCount(): number {
    return this.held.size;
  }

  observe(observer: RequestObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /**
   * Applies the fault for this request, if any: true when the fault answered (or holds) it;
   * for `slow`, `proceed` answers it later. False: the simulator answers as usual.
   */
  intercept(req: http.IncomingMessage, res: http.ServerResponse, path: string, proceed: () => void): boolean {
    const fault = this.faultFor(path);
    const method = req.method ?? '';
    for (const o of this.observers) o(method, path, fault?.kind ?? 'served');
    if (!fault) return false;
    this.apply(fault, req, res, path === '/:/eventsource/notifications', proceed);
    return true;
  }

  /** Destroys held connections and pending slow answers (the simulator closes). */
  close(): void {
    this.active.clear();
    for (const t of this.delays) clearTimeout(t);
    this.delays.clear();
    for (const res of this.held) res.destroy();
    this.held.clear();
  }

  private apply(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse, stream: boolean, proceed: () => void): void {
    switch (fault.kind) {
      case 'slow': {
        const t = setTimeout(() => {
          this.delays.delete(t);
          if (!res.destroyed) proceed();
        }, fault.delayMs ?? 1000);
        t.unref();
        this.delays.add(t);
        return;
      }
      case 'fail':
        return page(res, 500, '<html><head><title>Internal Server Error</title></head><body>500</body></html>');
      case 'unauthorized':
        return page(res, 401, '<html><head><title>Unauthorized</title></head><body>401</body></html>');
      case 'reset':
        req.socket.destroy();
        return;
      case 'html':
        return page(res, 200, PROXY_PAGE);
      case 'halfOpen':
        if (stream) {
          res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
          res.flushHeaders();
        }
        return this.hold(res);
      case 'htmlStalled':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.write(STALLED_HEAD);
        return this.hold(res);
    }
  }

  private hold(res: http.ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
  }
}

function page(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Parses the `fault` control's parameters: undefined fault = off; a string = what is wrong. */
export function parseFault(p: Record<string, string>): { route: FaultRoute; fault: Fault | undefined } | string {
  const route = (p.route ?? 'all') as FaultRoute;
  if (!FAULT_ROUTES.includes(route)) return `route must be one of ${FAULT_ROUTES.join(', ')}`;
  if (p.kind === undefined || p.kind === 'none' || p.kind === '') return { route, fault: undefined };
  const kind = p.kind as FaultKind;
  if (!FAULT_KINDS.includes(kind)) return `kind must be none or one of ${FAULT_KINDS.join(', ')}`;
  const delayMs = p.delayMs === undefined ? undefined : Number(p.delayMs);
  if (delayMs !== undefined && (!Number.isFinite(delayMs) || delayMs < 0)) return 'delayMs must be a number >= 0';
  return { route, fault: { kind, delayMs } };
}
