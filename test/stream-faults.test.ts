// Issue 17, defects 3 and 4: the notification stream is never stuck and says each new cause of an
// outage, tested with real sockets on 127.0.0.1 and short stream timings.
import assert from 'node:assert/strict';
import { ButlerClient } from '../lib/butler/client';
import type { ButlerError } from '../lib/common/errors';
import type { NotificationStream, StreamTiming } from '../lib/events/stream';
import { Behaviour, switchServer, SwitchServer } from './fault-servers';
import type { NodeAPI, NodeMessage } from 'node-red';
import activityNode from '../nodes/plex-butler-activity';
import playbackNode from '../nodes/plex-butler-playback';
import { ALL_NODES, FlowNode, helper, Inbox, sleep, spyStatus, until, useHelperServer } from './helpers';

const TIMING: Partial<StreamTiming> = { silenceMs: 600, minBackoffMs: 50, maxBackoffMs: 300 };
/** How late past silence + the longest backoff a reconnect may come on a busy (shared 2-core) machine. */
const MARGIN = 1000;
const BOUND = (TIMING.silenceMs ?? 0) + (TIMING.maxBackoffMs ?? 0) + MARGIN;
const EVENTS = '/:/eventsource/notifications';

/** An event stream that sends `first` and then nothing, the socket left open (half-open silence). */
function eventsThen(first: string): Behaviour {
  return {
    kind: 'custom',
    handle: (req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(first);
    },
  };
}

/** A healthy event stream: a ping every 100 ms while the connection lasts. */
const HEALTHY: Behaviour = {
  kind: 'custom',
  handle: (req, res) => {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write(': hello\n\n');
    const ping = setInterval(() => res.write('event: ping\ndata: \n\n'), 100);
    res.on('close', () => clearInterval(ping));
  },
};

const STALLED_PAGE: Behaviour = {
  kind: 'custom',
  handle: (req, res) => {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'text/html' });
    // Headers and the start of a proxy's page; the title never ends.
    res.write('<!DOCTYPE html><html><head><title>Sign in to the pro');
  },
};

const NO_HEADERS: Behaviour = { kind: 'custom', handle: (req) => req.resume() };

function page(status: number, title: string): Behaviour {
  // Connection: close, so that no kept-alive socket the next switch drops is picked up again.
  return { kind: 'canned', answer: { status, headers: { 'Content-Type': 'text/html', Connection: 'close' }, body: `<html><head><title>${title}</title></head><body></body></html>` } };
}

describe('the notification stream is never stuck (issue 17)', function () {
  this.timeout(20000);
  let server: SwitchServer;
  let client: ButlerClient;
  let stream: NotificationStream | undefined;
  const problems: ButlerError[] = [];

  beforeEach(async () => {
    problems.length = 0;
    // The upstream is never used: every behaviour here answers by itself.
    server = await switchServer('http://127.0.0.1:9', NO_HEADERS);
    // A call budget far above the silence limit: the watchdog, not the call timeout, must end a stall.
    client = new ButlerClient({ url: server.url, token: 'stream-token', timeout: 8000 });
  });
  afterEach(async () => {
    stream?.close();
    stream = undefined;
    client.close();
    await server.stop();
  });

  function open(): NotificationStream {
    stream = client.notifications(['activity'], TIMING);
    stream.on('problem', (err) => problems.push(err));
    stream.start();
    return stream;
  }

  /** When the server saw each stream request. */
  function attempts(): number[] {
    return server.requests.filter((r) => r.url.startsWith(EVENTS)).map((r) => r.at);
  }

  /** Waits for `n` stream requests and checks that each came within BOUND of the one before. */
  async function reconnectsWithinBound(n: number): Promise<void> {
    await until(() => attempts().length >= n, n * (BOUND + 500));
    const at = attempts();
    const gaps = at.slice(1, n).map((t, i) => t - at[i]);
    gaps.forEach((gap, i) => assert.ok(gap <= BOUND, `attempt ${i + 2} came ${gap} ms after the one before; bound ${BOUND} ms`));
    console.info(`      (attempts ${gaps.join(', ')} ms apart; silence ${TIMING.silenceMs} ms, backoff up to ${TIMING.maxBackoffMs} ms)`);
  }

  describe('defect 3: no silence outlasts streamSilenceMs, counted from the request', () => {
    it('HTML headers, then a page that stalls mid-body: aborted, reported as BAD_RESPONSE, reconnected', async () => {
      await server.set(STALLED_PAGE);
      open();
      await reconnectsWithinBound(3);
      assert.equal(problems[0]?.code, 'BAD_RESPONSE');
      assert.match(problems[0].message, /HTML page that stopped/);
      assert.equal(problems.length, 1, 'the same cause on every retry is reported once');
    });

    it('a request never answered (no headers) ends at the silence limit, not the 8 s call budget: TIMEOUT', async () => {
      await server.set(NO_HEADERS);
      open();
      await reconnectsWithinBound(3);
      assert.equal(problems[0]?.code, 'TIMEOUT');
      assert.equal(problems.length, 1);
    });

    it('events, then half-open silence: replaced within the bound each time', async () => {
      await server.set(eventsThen('event: ping\ndata: \n\n'));
      open();
      await reconnectsWithinBound(3);
      assert.equal(problems[0]?.code, 'UNREACHABLE');
      assert.match(problems[0].message, /sent nothing/);
    });

    it('close() during a stalled page leaves no connection and no later attempt', async () => {
      await server.set(STALLED_PAGE);
      const s = open();
      await until(() => attempts().length === 1 && server.openConnections === 1);
      s.close();
      await until(() => server.openConnections === 0, 2000);
      await sleep(BOUND);
      assert.equal(attempts().length, 1);
      assert.equal(s.state, 'closed');
    });
  });

  describe('defect 4: each outage reported once per cause', () => {
    /**
     * Switches the server and waits until the stream has tried `tries` more times. Open
     * connections are dropped only with `drop` (a dropped one is a cause of its own: UNREACHABLE).
     */
    async function meet(b: Behaviour, tries = 3, drop = false): Promise<void> {
      const before = server.connections;
      if (drop) await server.set(b);
      else server.behaviour = b;
      await until(() => server.connections >= before + tries, tries * (BOUND + 500));
    }

    it('reset → UNREACHABLE once; 401 → UNAUTHORIZED once; 500; an HTML page; healthy says nothing; a new fault is reported again', async () => {
      await server.set({ kind: 'refuse' });
      open();
      await until(() => server.connections >= 3, 3 * (BOUND + 500));
      assert.deepEqual(
        problems.map((p) => p.code),
        ['UNREACHABLE'],
      );
      await meet(page(401, 'Unauthorized'));
      await meet(page(500, 'Internal error'));
      await meet(page(200, 'Proxy login'));
      await meet({ kind: 'refuse' });
      const outage = ['UNREACHABLE', 'UNAUTHORIZED', 'SERVER_ERROR', 'BAD_RESPONSE', 'UNREACHABLE'];
      assert.deepEqual(
        problems.map((p) => p.code),
        outage,
      );
      await server.set(HEALTHY);
      await until(() => stream?.state === 'connected' && stream.outage === undefined, BOUND + 2000);
      await sleep(TIMING.silenceMs ?? 0);
      assert.equal(problems.length, outage.length, 'nothing is reported while healthy');
      await meet({ kind: 'refuse' }, 2, true);
      assert.deepEqual(
        problems.map((p) => p.code),
        [...outage, 'UNREACHABLE'],
      );
    });
  });
});

describe('activity and playback nodes show the current cause of a stream outage (issue 17)', function () {
  this.timeout(20000);
  let server: SwitchServer;
  useHelperServer();
  before(() => {
    helper.settings({ plexButler: { streamSilenceMs: TIMING.silenceMs, streamMinBackoffMs: TIMING.minBackoffMs, streamMaxBackoffMs: TIMING.maxBackoffMs } } as Record<string, unknown>);
  });
  after(() => {
    helper.settings({});
  });
  beforeEach(async () => {
    server = await switchServer('http://127.0.0.1:9', { kind: 'refuse' });
  });
  afterEach(async () => {
    await helper.unload();
    await server.stop();
  });

  /**
   * The node as registered, with a RED._ that writes the values into the text: the test runtime
   * has no catalogs, and the status must show the code it was given.
   */
  function withValuesInText(register: (RED: NodeAPI) => void): (RED: NodeAPI) => void {
    return (RED) => {
      const translate = (key: string, values?: Record<string, unknown>): string => (values ? `${key} ${Object.values(values).join(' ')}` : key);
      register(new Proxy(RED, { get: (target, prop) => (prop === '_' ? translate : Reflect.get(target, prop)) }));
    };
  }

  async function loadBoth(): Promise<{ err: Inbox; playbackErr: Inbox; statuses: Record<string, Array<Record<string, unknown>>> }> {
    const flow: FlowNode[] = [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'plex-butler-server', name: 'Plex', url: server.url, timeout: 2000, verifyTls: true },
      { id: 'a1', z: 'f1', type: 'plex-butler-activity', name: '', server: 's1', wires: [['a1-ok'], ['a1-err']] },
      { id: 'p1', z: 'f1', type: 'plex-butler-playback', name: '', server: 's1', idleGrace: 0.4, wires: [['p1-ok'], ['p1-err']] },
      ...['a1-ok', 'a1-err', 'p1-ok', 'p1-err'].map((id) => ({ id, z: 'f1', type: 'helper' })),
    ];
    await helper.load([...ALL_NODES, withValuesInText(activityNode), withValuesInText(playbackNode)], flow, { s1: { token: 'stream-token' } });
    return {
      err: new Inbox(helper.getNode('a1-err')),
      playbackErr: new Inbox(helper.getNode('p1-err')),
      statuses: { a1: spyStatus(helper.getNode('a1')), p1: spyStatus(helper.getNode('p1')) },
    };
  }

  function showsCause(statuses: Record<string, Array<Record<string, unknown>>>, cause: RegExp): void {
    for (const [id, seen] of Object.entries(statuses)) {
      assert.match(String(seen.at(-1)?.text), cause, `${id}: the status shows the current cause, got ${JSON.stringify(seen.slice(-3))}`);
    }
  }

  it('reset, then headers and silence: the same cause, not reported again, still shown while reconnecting', async () => {
    const { err, statuses } = await loadBoth();
    await err.nth(0);
    const before = server.connections;
    server.behaviour = {
      kind: 'custom',
      handle: (req, res) => {
        req.resume();
        res.writeHead(200, { 'Content-Type': 'text/event-stream' }).flushHeaders();
      },
    };
    await until(() => server.connections >= before + 2, 2 * (BOUND + 500));
    await until(() => String(statuses.a1.at(-1)?.text).includes('reconnecting'), BOUND + 500);
    assert.equal(err.msgs.length, 1);
    showsCause(statuses, /UNREACHABLE/);
  });

  it('reset, then 401: a second report (UNAUTHORIZED) and the status names it; more 401s say nothing more', async () => {
    const { err, playbackErr, statuses } = await loadBoth();
    const code = (m: NodeMessage): string | undefined => (m as NodeMessage & { error?: { code?: string } }).error?.code;
    assert.equal(code(await err.nth(0)), 'UNREACHABLE');
    const before = server.connections;
    await server.set(page(401, 'Unauthorized'));
    assert.equal(code(await err.nth(1, BOUND + 2000)), 'UNAUTHORIZED');
    await until(() => server.connections >= before + 4, 4 * (BOUND + 500));
    assert.equal(err.msgs.length, 2, 'the same cause on every retry is reported once');
    assert.ok(playbackErr.msgs.some((m) => code(m) === 'UNAUTHORIZED'), 'the playback node is told too');
    showsCause(statuses, /UNAUTHORIZED/);
  });
});
