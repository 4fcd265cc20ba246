// Section 3: heap, RSS and sockets after 100,000 plex-butler-start msgs vs after 1,000, in an
// embedded Node-RED (run with --expose-gc). The simulator runs in its own process, so its request
// log and sockets are not counted here.
import dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { NodeMessage } from 'node-red';
import { int, Line, mb, section, SectionResult, sleep, startSimProcess } from './common';
import { startRed } from './red-runtime';

const TOTAL = 100000;
const BASELINE = 1000;
const BATCH = 200;
/** task names per batch: each batch makes NAMES HTTP requests, the rest join them */
const NAMES = 20;
const LIMIT_MB = 5;

const growth = (bytes: number): string => (bytes < 0 ? `-${mb(-bytes)}` : `+${mb(bytes)}`);

interface Snapshot {
  heap: number;
  rss: number;
  /** client TCP sockets open in this process, and opened so far */
  sockets: number;
  opened: number;
  /** connections the simulator has open / has accepted */
  simOpen: number;
  simAccepted: number;
  simRequests: number;
}

section(async (): Promise<SectionResult> => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  // every outgoing TCP connection of this process (the keep-alive pool hides idle ones from other counts)
  const open = new Set<Socket>();
  let opened = 0;
  dc.subscribe('net.client.socket', (m) => {
    const socket = (m as { socket: Socket }).socket;
    opened++;
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  const sim = await startSimProcess({ benchTasks: NAMES, runMs: 2000 });
  const red = await startRed({ withPackage: true, admin: false });
  let arrived = 0;
  let failed = 0;
  let want = Infinity;
  let wake: (() => void) | undefined;
  red.registerSink('bench-sink', (id, msg) => {
    arrived++;
    const r = (msg.payload as { result?: string } | undefined)?.result;
    if (id !== 'ok' || (r !== 'started' && r !== 'already-running')) failed++;
    if (arrived >= want && wake) wake();
  });
  await red.deploy(
    [
      { id: 't1', type: 'tab', label: 'bench' },
      { id: 's1', type: 'plex-butler-server', name: 'sim', url: sim.url, timeout: 10000, verifyTls: true },
      { id: 'start', type: 'plex-butler-start', z: 't1', name: '', server: 's1', task: '', wires: [['ok'], ['err']] },
      { id: 'ok', type: 'bench-sink', z: 't1', wires: [] },
      { id: 'err', type: 'bench-sink', z: 't1', wires: [] },
    ],
    { s1: { token: sim.token } },
    'start',
  );
  const node = red.getNode('start');
  await sim.reset();

  let sent = 0;
  /** Sends msgs in bursts of BATCH until `upTo` have arrived. */
  const sendUntil = async (upTo: number): Promise<void> => {
    while (sent < upTo) {
      const n = Math.min(BATCH, upTo - sent);
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`msgs stopped arriving at ${arrived}`)), 30000);
        want = sent + n;
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });
      for (let i = 0; i < n; i++) node.receive({ task: `Bench${(sent + i) % NAMES}`, payload: sent + i } as NodeMessage);
      sent += n;
      await done;
    }
  };
  const snapshot = async (): Promise<Snapshot> => {
    await sleep(50);
    for (let i = 0; i < 4; i++) {
      gc();
      await sleep(20);
    }
    const m = process.memoryUsage();
    const s = await sim.stats();
    return { heap: m.heapUsed, rss: m.rss, sockets: open.size, opened, simOpen: s.open, simAccepted: s.accepted, simRequests: s.requests };
  };

  await sendUntil(BASELINE);
  const a = await snapshot();
  const t0 = Date.now();
  await sendUntil(TOTAL);
  const seconds = (Date.now() - t0) / 1000;
  const b = await snapshot();
  await red.stop();
  await sim.close();

  const heapGrowth = b.heap - a.heap;
  const rssGrowth = b.rss - a.rss;
  const lines: Line[] = [
    { what: '3. heap used after 100,000 msgs vs 1,000', ours: mb(b.heap), ref: mb(a.heap), ratioText: growth(heapGrowth), target: `growth < ${LIMIT_MB} MB`, pass: heapGrowth < LIMIT_MB * 1048576 },
    { what: '3. RSS after 100,000 msgs vs 1,000', ours: mb(b.rss), ref: mb(a.rss), ratioText: growth(rssGrowth), target: `growth < ${LIMIT_MB} MB`, pass: rssGrowth < LIMIT_MB * 1048576 },
    {
      what: '3. sockets open after 100,000 msgs vs 1,000',
      ours: `${b.sockets} (sim ${b.simOpen})`,
      ref: `${a.sockets} (sim ${a.simOpen})`,
      ratioText: `${b.opened - a.opened} new conns`,
      target: 'no growth',
      pass: b.sockets <= a.sockets && b.simOpen <= a.simOpen,
    },
  ];
  if (failed > 0) lines.push({ what: '3. msgs that failed', ours: int(failed), ref: '0', target: '0', pass: false });
  const notes = [
    `3. ${int(TOTAL)} msgs in bursts of ${BATCH} over ${NAMES} task names (${int(b.simRequests)} HTTP requests; identical starts in flight share one), ` +
      `${int(arrived)} arrived, ${int(failed)} failed, ${int((TOTAL - BASELINE) / seconds)} msgs/s; measured after gc(); ` +
      `sockets: client TCP sockets open in the Node-RED process (${a.opened} opened before the 1,000 mark, ${b.opened - a.opened} after), ` +
      `sim: connections the simulator holds (${b.simAccepted - a.simAccepted} accepted after the 1,000 mark)`,
  ];
  return { lines, notes };
});
