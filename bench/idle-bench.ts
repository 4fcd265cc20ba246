// Section 6: what a Node-RED with our nodes costs while nothing happens, as on a Raspberry Pi all
// day: the demo flow of `npm start` deployed, its notification stream open (pings flowing, nobody
// playing), beside the same Node-RED and demo flow without the plex nodes and without this
// package. Each runs in its own process, both at the same time, measured over the same window.
import { ChildProcess, fork } from 'node:child_process';
import { IDLE_SECONDS, Line, mb, script, section, SectionResult, SimHandle, sleep, startSimProcess } from './common';
import type { IdleResult, IdleSetup } from './idle-red';

/** After the deploy: the start-up work (JIT, first GCs, the stream's first read) is over. */
const SETTLE_MS = 10000;
const READY_MS = 60000;

interface Contender {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<IdleResult>;
}

function contender(setup: IdleSetup): Contender {
  const child = fork(script('idle-red'), [JSON.stringify(setup)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const who = setup.withPlex ? 'demo' : 'without plex nodes';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Node-RED (${who}) was not deployed within ${READY_MS / 1000} s`)), READY_MS);
    child.on('message', (m: unknown) => {
      if ((m as { type?: string }).type !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', () => clearTimeout(timer));
  });
  const result = new Promise<IdleResult>((resolve, reject) => {
    child.on('message', (m: unknown) => {
      const { type, data } = m as { type: string; data?: IdleResult };
      if (type === 'result' && data) resolve(data);
    });
    child.once('exit', (code) => reject(new Error(`Node-RED (${who}) exited (${code}) without a result`)));
  });
  // a child that dies before it is ready fails `result` as well, which the section awaits after
  result.catch(() => undefined);
  return { child, ready: Promise.race([ready, result.then(() => undefined)]), result };
}

/** Waits until the simulator holds `n` open event streams (the demo's one). */
async function streamsOpen(sim: SimHandle, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await sim.stats()).streams >= n) return;
    await sleep(100);
  }
  throw new Error(`the demo's notification stream did not open within 10 s`);
}

/** A difference with its sign: "+3 ms/min", "-1.20 MB". */
function signed(diff: number, text: (abs: number) => string): string {
  return `${diff < 0 ? '-' : '+'}${text(Math.abs(diff))}`;
}

function rows(demo: IdleResult, bare: IdleResult): Line[] {
  const what = 'demo flow deployed, stream open, nobody playing';
  return [
    {
      what: `6. idle CPU, ${what} (ms per minute)`,
      ours: `${demo.cpuMsPerMin.toFixed(0)} ms`,
      ref: `${bare.cpuMsPerMin.toFixed(0)} ms without plex nodes`,
      ratioText: signed(demo.cpuMsPerMin - bare.cpuMsPerMin, (x) => `${x.toFixed(0)} ms/min`),
      target: '',
    },
    // The highest: the median moves by 30 MB with the moment V8 gives memory back in each process.
    { what: `6. idle RSS, ${what} (highest)`, ours: mb(demo.rssMax), ref: `${mb(bare.rssMax)} without plex nodes`, ratioText: signed(demo.rssMax - bare.rssMax, mb), target: '' },
  ];
}

section(async (): Promise<SectionResult> => {
  const seconds = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : IDLE_SECONDS;
  const sim = await startSimProcess({ benchTasks: 0, runMs: 2000 });
  const demo = contender({ withPlex: true, url: sim.url, token: sim.token });
  const bare = contender({ withPlex: false, url: sim.url, token: sim.token });
  try {
    await Promise.all([demo.ready, bare.ready]);
    await streamsOpen(sim, 1);
    await sleep(SETTLE_MS);
    await sim.reset();
    for (const c of [demo, bare]) c.child.send({ seconds });
    const [d, b] = await Promise.all([demo.result, bare.result]);
    const after = await sim.stats();
    if (after.streams < 1) throw new Error('the demo\'s notification stream was closed during the window');
    return {
      lines: rows(d, b),
      notes: [
        `6. idle: both Node-REDs (editor and admin API on, as a user runs it) side by side in their own processes over the same ${seconds} s, ${SETTLE_MS / 1000} s after the deploy; ` +
          `the simulator pings every 10 s; during the window it answered ${after.requests} HTTP requests and accepted ${after.accepted} connections, with ${after.streams} stream open; ` +
          `RSS median: demo ${mb(d.rssMedian)}, without plex nodes ${mb(b.rssMedian)}; the one without plex nodes runs the demo flow minus its plex nodes, without this package installed. ` +
          `A longer window: npm run bench -- --only idle --idle-seconds 600`,
      ],
    };
  } finally {
    for (const c of [demo, bare]) if (c.child.exitCode === null) c.child.kill('SIGTERM');
    await sim.close();
  }
});
