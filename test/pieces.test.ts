// The small pieces of lib/ on their own: single flight, the retry decision, the playback watch.
import assert from 'node:assert/strict';
import { getEventListeners, setMaxListeners } from 'node:events';
import { Run, SingleFlight } from '../lib/butler/shared-calls';
import { defaultRetryOptions, retryAfterMs, retryDelay } from '../lib/butler/retry';
import { ButlerError } from '../lib/common/errors';
import { PlaybackSnapshot, PlaybackWatch } from '../lib/events/playback';
import type { PlaybackSession } from '../lib/events/sessions';
import { ButlerClient } from '../lib/butler/client';
import { startSimulator } from '../sim/simulator';
import { sleep } from './helpers';

const timeout = (): ButlerError => new ButlerError('TIMEOUT', 'late');

describe('lib pieces', () => {
  describe('SingleFlight', () => {
    it('runs once for callers that arrive while it runs, afresh after it ended', async () => {
      const flights = new SingleFlight<number>();
      let runs = 0;
      const work = async (): Promise<number> => {
        runs++;
        await sleep(30);
        return runs;
      };
      const deadline = Date.now() + 1000;
      const both = await Promise.all([flights.join('k', { deadline, timeout }, work), flights.join('k', { deadline, timeout }, work)]);
      assert.deepEqual(both, [1, 1]);
      assert.equal(await flights.join('k', { deadline, timeout }, work), 2);
      assert.equal(await flights.join('other', { deadline, timeout }, work), 3);
      assert.equal(flights.size, 0);
    });

    it('a caller that leaves gets ABORTED; the run is cancelled only when the last one left', async () => {
      const flights = new SingleFlight<string>();
      let seen: AbortSignal | undefined;
      const work = ({ ctrl }: Run): Promise<string> => {
        seen = ctrl.signal;
        return new Promise((resolve) => setTimeout(() => resolve('done'), 80));
      };
      const a = new AbortController();
      const b = new AbortController();
      const deadline = Date.now() + 1000;
      const first = flights.join('k', { signal: a.signal, deadline, timeout }, work);
      const second = flights.join('k', { signal: b.signal, deadline, timeout }, work);
      a.abort();
      await assert.rejects(first, { code: 'ABORTED' });
      assert.equal(seen?.aborted, false);
      b.abort();
      await assert.rejects(second, { code: 'ABORTED' });
      assert.equal(seen?.aborted, true);
      assert.equal(flights.size, 0);
    });

    it('many callers on one signal: one abort listener on it, gone when the last wait ends', async () => {
      const flights = new SingleFlight<string>();
      const node = new AbortController();
      setMaxListeners(0, node.signal);
      const listeners = (): number => getEventListeners(node.signal, 'abort').length;
      const deadline = Date.now() + 1000;
      const work = (): Promise<string> => new Promise((resolve) => setTimeout(() => resolve('done'), 20));
      const waits = Array.from({ length: 500 }, (_, i) => flights.join(`k${i % 50}`, { signal: node.signal, deadline, timeout }, work));
      assert.equal(listeners(), 1);
      assert.deepEqual(new Set(await Promise.all(waits)), new Set(['done']));
      assert.equal(listeners(), 0);
      // An abort ends every wait on the signal, and the runs no one waits for any more are cancelled.
      const seen: AbortSignal[] = [];
      const hang = ({ ctrl }: Run): Promise<string> => {
        seen.push(ctrl.signal);
        return new Promise(() => undefined);
      };
      const hung = Array.from({ length: 300 }, (_, i) => flights.join(`h${i % 30}`, { signal: node.signal, deadline, timeout }, hang));
      assert.equal(listeners(), 1);
      node.abort();
      const ended = await Promise.allSettled(hung);
      assert.ok(ended.every((r) => r.status === 'rejected' && (r.reason as ButlerError).code === 'ABORTED'));
      assert.equal(seen.length, 30);
      assert.ok(seen.every((sig) => sig.aborted));
      assert.equal(listeners(), 0);
      assert.equal(flights.size, 0);
    });

    it('a caller with an earlier deadline gets its own TIMEOUT', async () => {
      const flights = new SingleFlight<string>();
      const work = (): Promise<string> => new Promise((resolve) => setTimeout(() => resolve('done'), 100));
      const late = flights.join('k', { deadline: Date.now() + 1000, timeout }, work);
      const early = flights.join('k', { deadline: Date.now() + 20, timeout }, work);
      await assert.rejects(early, { code: 'TIMEOUT' });
      assert.equal(await late, 'done');
    });

    it('the client shares identical calls, never different ones (starts of two tasks, a start and a stop)', async () => {
      const sim = await startSimulator({ latencyMs: 50 });
      const client = new ButlerClient({ url: sim.url, token: sim.token });
      try {
        await Promise.all([client.startTask('BackupDatabase'), client.startTask('BackupDatabase'), client.startTask('OptimizeDatabase'), client.stopTask('CleanOldBundles')]);
        const calls = sim.requests.map((r) => `${r.method} ${r.url}`);
        assert.equal(calls.filter((c) => c === 'POST /butler/BackupDatabase').length, 1);
        assert.equal(calls.filter((c) => c === 'POST /butler/OptimizeDatabase').length, 1);
        assert.equal(calls.filter((c) => c === 'DELETE /butler/CleanOldBundles').length, 1);
      } finally {
        client.close();
        await sim.close();
      }
    });
  });

  describe('retryDelay', () => {
    const now = 1_000_000;
    const far = now + 60_000;
    const status = (code: number): ButlerError => new ButlerError('SERVER_ERROR', 'x', { statusCode: code });

    it('retries 502/503/504 and passing network failures, nothing else', () => {
      for (const s of [502, 503, 504]) assert.notEqual(retryDelay(defaultRetryOptions, 0, { error: status(s) }, far, now), undefined, String(s));
      for (const s of [500, 401, 400]) assert.equal(retryDelay(defaultRetryOptions, 0, { error: status(s) }, far, now), undefined, String(s));
      assert.notEqual(retryDelay(defaultRetryOptions, 0, { error: new ButlerError('UNREACHABLE', 'reset') }, far, now), undefined);
      assert.equal(retryDelay(defaultRetryOptions, 0, { error: new ButlerError('UNREACHABLE', 'dns'), lasting: true }, far, now), undefined);
      assert.equal(retryDelay(defaultRetryOptions, 0, { error: new ButlerError('TLS', 'cert'), lasting: true }, far, now), undefined);
      assert.equal(retryDelay(defaultRetryOptions, 0, { error: new ButlerError('BAD_RESPONSE', 'html') }, far, now), undefined);
    });

    it('backs off 100-200, 200-400, 400-800 ms, stops after the limit or past the deadline, honours Retry-After', () => {
      const error = status(503);
      for (const [attempt, lo, hi] of [
        [0, 100, 200],
        [1, 200, 400],
        [2, 400, 800],
      ]) {
        const wait = retryDelay(defaultRetryOptions, attempt, { error }, far, now) as number;
        assert.ok(wait >= lo && wait < hi, `attempt ${attempt}: ${wait}`);
      }
      assert.equal(retryDelay(defaultRetryOptions, 3, { error }, far, now), undefined);
      assert.equal(retryDelay(defaultRetryOptions, 0, { error }, now + 50, now), undefined);
      assert.equal(retryDelay(defaultRetryOptions, 0, { error, retryAfter: '2' }, far, now), 2000);
      assert.equal(retryAfterMs(new Date(now + 5000).toUTCString(), now), 5000);
      assert.equal(retryAfterMs('soon', now), undefined);
    });
  });

  describe('PlaybackWatch', () => {
    const session = (key: string, offset: number, state: PlaybackSession['state'] = 'playing'): PlaybackSession => ({ sessionKey: key, state, viewOffset: offset, title: '', type: 'movie', user: '', player: '' });

    it('a session silent and unmoving past lingerMs is not counted; one that moves is', async () => {
      let list = [session('1', 100), session('2', 100)];
      const watch = new PlaybackWatch(async () => list, { idleGraceMs: 0, countPaused: true, minReadGapMs: 0, lingerMs: 150 });
      try {
        assert.equal((await watch.refresh()).sessions, 2);
        await sleep(200);
        list = [session('1', 100), session('2', 900)];
        const later = await watch.refresh();
        assert.equal(later.sessions, 1, 'session 1 lingers, session 2 moved');
        watch.notify({ sessionKey: '1', state: 'playing', viewOffset: 100, ratingKey: '', clientIdentifier: '' });
        assert.equal((await watch.refresh()).sessions, 2, 'a notification brings it back');
      } finally {
        watch.close();
      }
    });

    it('reports a failing read once until a read succeeds', async () => {
      let fail = true;
      const watch = new PlaybackWatch(async () => {
        if (fail) throw new ButlerError('UNREACHABLE', 'down');
        return [];
      }, { idleGraceMs: 0, countPaused: true });
      const problems: string[] = [];
      const changes: PlaybackSnapshot[] = [];
      watch.on('problem', (e) => problems.push(e.code));
      watch.on('change', (s) => changes.push(s));
      try {
        for (let i = 0; i < 3; i++) await assert.rejects(watch.refresh());
        assert.deepEqual(problems, ['UNREACHABLE']);
        fail = false;
        assert.equal((await watch.refresh()).state, 'idle');
        fail = true;
        await assert.rejects(watch.refresh());
        assert.deepEqual(problems, ['UNREACHABLE', 'UNREACHABLE']);
        assert.equal(changes.length, 1);
      } finally {
        watch.close();
      }
    });
  });
});

describe('localError', () => {
  it('takes msg.error.message from the catalog by code with its values, keeps the client words as detail', async () => {
    const { localError } = await import('../nodes/error-output');
    const seen: Array<[string, unknown]> = [];
    const red = {
      _: (key: string, values: Record<string, unknown>) => {
        seen.push([key, values]);
        return key === 'plex-butler-server.error.UNKNOWN_TASK' ? `Plex kennt keine Aufgabe „${String(values.task)}“` : key;
      },
    } as unknown as import('node-red').NodeAPI;
    const err = localError(red, new ButlerError('UNKNOWN_TASK', 'Plex has no Butler task named "Nope"', { statusCode: 404, task: 'Nope' }), 'http://127.0.0.1:1');
    assert.deepEqual(err.toJSON(), { message: 'Plex kennt keine Aufgabe „Nope“', code: 'UNKNOWN_TASK', statusCode: 404, task: 'Nope', detail: 'Plex has no Butler task named "Nope"' });
    assert.deepEqual(seen[0], ['plex-butler-server.error.UNKNOWN_TASK', { url: 'http://127.0.0.1:1', status: 404, task: 'Nope' }]);
    // No catalog entry (RED._ answers the key): the client's own message.
    const plain = localError(red, new ButlerError('TIMEOUT', 'No answer within 10 ms'));
    assert.equal(plain.message, 'No answer within 10 ms');
    assert.equal(plain.toJSON().detail, undefined);
    // Not a ButlerError: a fault of ours, INTERNAL, not BAD_RESPONSE.
    assert.equal(localError(red, new TypeError('x is undefined')).code, 'INTERNAL');
  });
});
