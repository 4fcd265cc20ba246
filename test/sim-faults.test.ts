// The simulator's fault injection (sim/faults.ts), with real sockets on 127.0.0.1.
import assert from 'node:assert/strict';
import http from 'node:http';
import { ButlerSimulator, startSimulator } from '../sim/simulator';

interface Answer {
  status: number;
  type: string;
  body: string;
  /** The body was still open after `waitMs` (the answer was held). */
  held: boolean;
  ms: number;
}

/** GET path; resolves at the end of the answer, or after waitMs with what came so far. */
function get(sim: ButlerSimulator, path: string, waitMs = 1500, method = 'GET'): Promise<Answer | 'reset'> {
  return new Promise((resolve) => {
    const started = Date.now();
    const req = http.request(`${sim.url}${path}`, { method, headers: { 'X-Plex-Token': sim.token }, agent: false }, (res) => {
      let body = '';
      const done = (held: boolean): void => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body, held, ms: Date.now() - started });
        req.destroy();
      };
      const timer = setTimeout(() => done(true), waitMs);
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done(false));
      res.on('error', () => undefined);
    });
    const noAnswer = setTimeout(() => {
      resolve({ status: 0, type: '', body: '', held: true, ms: Date.now() - started });
      req.destroy();
    }, waitMs);
    req.on('response', () => clearTimeout(noAnswer));
    req.on('error', () => {
      clearTimeout(noAnswer);
      resolve('reset');
    });
    req.end();
  });
}

function answer(a: Answer | 'reset'): Answer {
  assert.notEqual(a, 'reset', 'the connection was reset');
  return a as Answer;
}

describe('simulator faults', () => {
  let sim: ButlerSimulator;
  beforeEach(async () => {
    sim = await startSimulator({ pingIntervalMs: 100 });
  });
  afterEach(() => sim.close());

  it('a route fault touches its route only; all touches every Plex route but /identity', async () => {
    sim.faults.set('sessions', { kind: 'fail' });
    assert.equal(answer(await get(sim, '/status/sessions')).status, 500);
    assert.equal(answer(await get(sim, '/butler')).status, 200);
    sim.faults.set('all', { kind: 'unauthorized' });
    assert.equal(answer(await get(sim, '/status/sessions')).status, 500, "the route's own fault wins over all");
    assert.equal(answer(await get(sim, '/butler')).status, 401);
    assert.equal(answer(await get(sim, '/identity')).status, 200);
    sim.faults.clear();
    assert.equal(answer(await get(sim, '/status/sessions')).status, 200);
  });

  it('slow answers after its delay; reset drops the connection before any answer', async () => {
    sim.faults.set('sessions', { kind: 'slow', delayMs: 400 });
    const slow = answer(await get(sim, '/status/sessions'));
    assert.equal(slow.status, 200);
    assert.ok(slow.ms >= 380, `answered after ${slow.ms} ms`);
    sim.faults.set('butler', { kind: 'reset' });
    assert.equal(await get(sim, '/butler'), 'reset');
  });

  it('html answers a whole page; htmlStalled stops inside the title and holds the connection', async () => {
    sim.faults.set('stream', { kind: 'html' });
    const page = answer(await get(sim, '/:/eventsource/notifications'));
    assert.equal(page.status, 200);
    assert.match(page.type, /text\/html/);
    assert.match(page.body, /<\/title>.*<\/html>$/s);
    assert.equal(page.held, false);
    sim.faults.set('stream', { kind: 'htmlStalled' });
    const stalled = answer(await get(sim, '/:/eventsource/notifications', 600));
    assert.equal(stalled.status, 200);
    assert.match(stalled.body, /<title>/);
    assert.doesNotMatch(stalled.body, /<\/title>/);
    assert.equal(stalled.held, true);
  });

  it('halfOpen: the stream sends headers and no byte, other routes never answer; held until the client goes', async () => {
    sim.faults.set('all', { kind: 'halfOpen' });
    const stream = answer(await get(sim, '/:/eventsource/notifications', 600));
    assert.equal(stream.status, 200);
    assert.match(stream.type, /text\/event-stream/);
    assert.equal(stream.body, '');
    assert.equal(stream.held, true);
    const sessions = answer(await get(sim, '/status/sessions', 400));
    assert.equal(sessions.status, 0, 'no answer at all');
    for (let i = 0; i < 50 && sim.faults.heldCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sim.faults.heldCount, 0, 'closed by the client, forgotten by the simulator');
  });

  it('observers see every Plex request with what the faults made of it', async () => {
    const seen: string[] = [];
    sim.faults.observe((method, path, outcome) => seen.push(`${method} ${path} ${outcome}`));
    sim.faults.set('butler', { kind: 'fail' });
    await get(sim, '/butler', 1500, 'DELETE');
    await get(sim, '/status/sessions');
    assert.deepEqual(seen, ['DELETE /butler fail', 'GET /status/sessions served']);
  });

  it('POST /__sim/fault switches a fault per route; kind=none ends it; bad values are refused', async () => {
    const control = async (query: string): Promise<number> => answer(await get(sim, `/__sim/fault?${query}`, 1500, 'POST')).status;
    assert.equal(await control('route=sessions&kind=unauthorized'), 200);
    assert.equal(answer(await get(sim, '/status/sessions')).status, 401);
    assert.equal(await control('route=sessions&kind=none'), 200);
    assert.equal(answer(await get(sim, '/status/sessions')).status, 200);
    assert.equal(await control('route=sessions&kind=explode'), 400);
    assert.equal(await control('route=elsewhere&kind=fail'), 400);
    assert.equal(await control('route=sessions&kind=slow&delayMs=-1'), 400);
  });
});
