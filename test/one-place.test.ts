// The behaviours issue 19 gave one place each: the backoff, the HTML title, the typed abort
// reasons, the resend decision, the 404 table, a caller's deadline, the one count of sessions.
import assert from 'node:assert/strict';
import { AxiosError } from 'axios';
import { abortCause, abortFor, AbortReason } from '../lib/common/abort';
import { backoffStep, backoffWait } from '../lib/common/backoff';
import { describeHtmlPage, htmlTitle } from '../lib/common/html';
import { ButlerError } from '../lib/common/errors';
import { resendOnNewSocket } from '../lib/butler/retry';
import { ServerHttp } from '../lib/butler/transport';
import { Run, SingleFlight } from '../lib/butler/shared-calls';
import { ButlerClient } from '../lib/butler/client';
import { startSimulator } from '../sim/simulator';
import { sleep } from './helpers';

describe('one place for each behaviour (issue 19)', () => {
  describe('backoff', () => {
    const policy = { firstMs: 100, maxMs: 1000, low: 1, high: 2 };

    it('doubles from the first step and stops at the longest', () => {
      assert.deepEqual([0, 1, 2, 3, 4, 50].map((n) => backoffStep(policy, n)), [100, 200, 400, 800, 1000, 1000]);
    });

    it('draws the wait within the band of the step, whole ms', () => {
      assert.equal(backoffWait(policy, 2, () => 0), 400);
      assert.equal(backoffWait(policy, 2, () => 0.999), 799);
      assert.equal(backoffWait({ ...policy, low: 0.5, high: 1 }, 0, () => 0), 50);
      assert.equal(backoffWait({ ...policy, low: 0.5, high: 1 }, 0, () => 0.5), 75);
      assert.equal(backoffWait({ ...policy, low: 1, high: 1 }, 1, () => 0.7), 200);
    });
  });

  describe('HTML title', () => {
    it('reads the title (attributes allowed, trimmed, 80 characters at most), none when empty or absent', () => {
      assert.equal(htmlTitle('<html><head><title lang="en">  Sign in </title>'), 'Sign in');
      assert.equal(htmlTitle(`<title>${'x'.repeat(100)}</title>`), 'x'.repeat(80));
      assert.equal(htmlTitle('<title> </title>'), undefined);
      assert.equal(htmlTitle('<html><body>hi</body></html>'), undefined);
      assert.equal(describeHtmlPage('<TITLE>Login</TITLE>'), 'an HTML page ("Login")');
      assert.equal(describeHtmlPage('<p>no title</p>'), 'an HTML page');
    });
  });

  describe('typed abort reasons', () => {
    it('a cause set with abortFor is read back by type; a foreign reason reads as none', () => {
      const ours = new AbortController();
      assert.equal(abortCause(ours.signal), undefined);
      abortFor(ours, 'closed');
      assert.ok(ours.signal.reason instanceof AbortReason);
      assert.equal(abortCause(ours.signal), 'closed');
      const theirs = new AbortController();
      theirs.abort('closed');
      assert.equal(abortCause(theirs.signal), undefined);
    });

    it('a client closed with a call on the wire and one queued ends both as closed (ABORTED), read by type', async () => {
      const sim = await startSimulator({ latencyMs: 300 });
      const client = new ButlerClient({ url: sim.url, token: sim.token, maxInFlight: 1 });
      try {
        const onWire = client.listTasks();
        const queued = client.getSettings();
        await sleep(50);
        assert.deepEqual(client.load, { active: 1, waiting: 1 });
        client.close();
        for (const call of [onWire, queued]) await assert.rejects(call, { code: 'ABORTED', message: /the Plex server node was closed/ });
        await assert.rejects(client.listTasks(), { code: 'ABORTED', message: /the Plex server node was closed/ });
      } finally {
        client.close();
        await sim.close();
      }
    });
  });

  describe('resend on a new socket', () => {
    const lost = (code: string, reusedSocket: boolean): AxiosError => new AxiosError('socket hang up', code, undefined, { reusedSocket });

    it('only a call that died unanswered on a reused socket, while its caller still waits', () => {
      const live = new AbortController().signal;
      assert.equal(resendOnNewSocket(lost('ECONNRESET', true), live), true);
      assert.equal(resendOnNewSocket(lost('EPIPE', true), live), true);
      assert.equal(resendOnNewSocket(lost('ECONNRESET', false), live), false, 'a new socket');
      assert.equal(resendOnNewSocket(lost('ECONNREFUSED', true), live), false, 'another failure');
      assert.equal(resendOnNewSocket(Object.assign(new Error('x'), { code: 'ECONNRESET', request: { reusedSocket: true } }), live), false, 'not from axios');
      const gone = new AbortController();
      gone.abort();
      assert.equal(resendOnNewSocket(lost('ECONNRESET', true), gone.signal), false, 'the caller left');
    });
  });

  describe('what a 404 means', () => {
    const http = new ServerHttp({ url: 'http://127.0.0.1:9', token: 't', maxSockets: 1, maxBodyBytes: 1024 });
    after(() => http.destroy());

    it('is read from the route declaration, in statusError alone', () => {
      assert.equal(http.statusError(404, { notFound: 'an-answer' }), undefined);
      assert.equal(http.statusError(404), undefined);
      assert.deepEqual(http.statusError(404, { notFound: 'no-butler' })?.toJSON(), {
        code: 'BAD_RESPONSE',
        statusCode: 404,
        message: 'No Butler at http://127.0.0.1:9 (404): check the server URL, including any reverse-proxy path',
      });
      assert.deepEqual(http.statusError(404, { notFound: 'unknown-task', task: 'Nope' })?.toJSON(), { code: 'UNKNOWN_TASK', statusCode: 404, task: 'Nope', message: 'Plex has no Butler task named "Nope"' });
      assert.equal(http.statusError(503, { notFound: 'no-butler', retryAfter: '5' })?.message, 'Plex server error (503), retry after 5');
    });
  });

  describe("a caller's deadline", () => {
    const timeout = (): ButlerError => new ButlerError('TIMEOUT', 'late');

    it('passing after the run noted a failure ends the wait with that failure, not TIMEOUT', async () => {
      const flights = new SingleFlight<string>();
      const work = async (run: Run): Promise<string> => {
        run.failed(new ButlerError('SERVER_ERROR', '502', { statusCode: 502 }));
        await sleep(200);
        return 'late answer';
      };
      await assert.rejects(flights.join('k', { deadline: Date.now() + 40, timeout }, work), { code: 'SERVER_ERROR' });
    });

    it('passing for every caller aborts the run, saying all callers left', async () => {
      const flights = new SingleFlight<string>();
      let signal: AbortSignal | undefined;
      const hang = (run: Run): Promise<string> => {
        signal = run.ctrl.signal;
        return new Promise(() => undefined);
      };
      const first = flights.join('k', { deadline: Date.now() + 30, timeout }, hang);
      const second = flights.join('k', { deadline: Date.now() + 60, timeout }, hang);
      await assert.rejects(first, { code: 'TIMEOUT' });
      assert.equal(signal?.aborted, false, 'the second caller still waits');
      await assert.rejects(second, { code: 'TIMEOUT' });
      assert.equal(signal && abortCause(signal), 'all-callers-left');
      assert.equal(flights.size, 0);
    });
  });

  describe('counting sessions', () => {
    it('sessionCount counts as the session list does: every listed playback, paused ones too', async () => {
      const sim = await startSimulator();
      const client = new ButlerClient({ url: sim.url, token: sim.token });
      try {
        assert.equal(await client.sessionCount(), 0);
        sim.play();
        const paused = sim.play();
        sim.pause(paused);
        assert.equal(await client.sessionCount(), 2);
        assert.equal(await client.sessionCount(), (await client.sessions()).length);
      } finally {
        client.close();
        await sim.close();
      }
    });
  });
});
