// The simulator as a child process of the benchmark. It counts requests and connections with
// node:diagnostics_channel, so the simulator itself stays untouched, and drops its request log
// now and then so that a long run does not grow it.
import dc from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_TASKS, SimTask, startSimulator } from '../sim/simulator';
import type { SimSetup, SimStats } from './common';

async function main(): Promise<void> {
  const setup = JSON.parse(process.argv[2] ?? '{}') as SimSetup;
  const tasks: SimTask[] = [...DEFAULT_TASKS];
  for (let i = 0; i < setup.benchTasks; i++) {
    tasks.push({ name: `Bench${i}`, title: `Bench ${i}`, description: 'benchmark task', interval: 1, enabled: false, scheduleRandomized: false });
  }
  const history = setup.historyViews === undefined ? undefined : { views: setup.historyViews, days: 365 };
  const sim = await startSimulator({ host: '127.0.0.1', runMs: setup.runMs, tasks, history, pingIntervalMs: setup.pingIntervalMs });
  /** A play waiting for its DELETE /butler: when it started, and whom to answer. */
  let play: { at: number; answer: (ms: number | null) => void } | undefined;

  let requests = 0;
  let accepted = 0;
  let lastHeaders: Record<string, string> = {};
  const open = new Set<Socket>();
  dc.subscribe('net.server.socket', (m) => {
    const socket = (m as { socket: Socket }).socket;
    accepted++;
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  dc.subscribe('http.server.request.start', (m) => {
    requests++;
    const { method, url } = (m as { request: IncomingMessage }).request;
    if (play && method === 'DELETE' && url?.split('?')[0] === '/butler') play.answer(performance.now() - play.at);
    if (requests % 256 === 1) {
      const req = (m as { request: IncomingMessage }).request;
      lastHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'x-plex-token') lastHeaders[k] = v;
      sim.requests.length = 0;
    }
  });

  process.on('message', (m: unknown) => {
    const { id, type, data: limitMs } = m as { id: number; type: string; data?: number };
    if (type === 'play') {
      const timer = setTimeout(() => play?.answer(null), limitMs ?? 10000);
      play = {
        at: performance.now(),
        answer: (ms) => {
          clearTimeout(timer);
          play = undefined;
          process.send?.({ id, type, data: ms });
        },
      };
      sim.play({ user: 'bench', title: 'Bench film' });
    } else if (type === 'stop-playback') {
      for (const key of sim.playbackKeys()) sim.stopPlayback(key);
      process.send?.({ id, type });
    } else if (type === 'stats') {
      const data: SimStats = { requests, accepted, open: open.size, lastHeaders, streams: sim.openStreams };
      process.send?.({ id, type, data });
    } else if (type === 'reset') {
      sim.reset();
      requests = 0;
      accepted = 0;
      process.send?.({ id, type });
    }
  });
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  process.send?.({ type: 'ready', data: { url: sim.url, token: sim.token } });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
