import assert from 'node:assert/strict';
import http from 'node:http';
import { ANONYMOUS_KEY_BASE, ButlerSimulator, LOGIN_PAGE, SessionItem, SimActivity, startSimulator } from '../sim/simulator';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface SseEvent {
  event: string;
  data: string;
  at: number;
}

/** A tiny SSE reader: collects named events; `raw` keeps every byte after the headers. */
class SseReader {
  readonly events: SseEvent[] = [];
  raw = '';
  status = 0;
  type = '';
  private req: http.ClientRequest | undefined;
  private buffer = '';
  private waiters: Array<() => void> = [];

  open(base: string, path: string, token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.get(new URL(path, base), { headers: { 'X-Plex-Token': token, Accept: 'text/event-stream' }, agent: false }, (res) => {
        this.status = res.statusCode ?? 0;
        this.type = String(res.headers['content-type']);
        res.setEncoding('utf8');
        res.on('data', (c: string) => this.feed(c));
        res.on('error', () => undefined);
        resolve();
      });
      req.on('error', reject);
      this.req = req;
    });
  }

  close(): void {
    this.req?.destroy();
  }

  of(kind: string): SseEvent[] {
    return this.events.filter((e) => e.event === kind);
  }

  /** Waits until there are n events of kind (or any kind), failing after ms. */
  async until(n: number, kind?: string, ms = 3000): Promise<SseEvent[]> {
    const deadline = Date.now() + ms;
    const got = (): SseEvent[] => (kind ? this.of(kind) : this.events);
    while (got().length < n) {
      if (Date.now() > deadline) throw new Error(`only ${got().length}/${n} ${kind ?? ''} events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return got();
  }

  private feed(chunk: string): void {
    this.raw += chunk;
    this.buffer += chunk;
    const blocks = this.buffer.split('\n\n');
    this.buffer = blocks.pop() ?? '';
    for (const b of blocks) {
      let event = '';
      const data: string[] = [];
      for (const line of b.split('\n')) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        if (field === 'data') data.push(value);
      }
      if (event !== '') this.events.push({ event, data: data.join('\n'), at: Date.now() });
    }
    for (const w of this.waiters.splice(0)) w();
  }
}

interface PlayNote {
  sessionKey: string;
  clientIdentifier: string;
  guid: string;
  ratingKey: string;
  key: string;
  url: string;
  viewOffset: number;
  playQueueItemID: number;
  state: string;
}

function playNote(e: SseEvent): PlayNote {
  const o = JSON.parse(e.data) as { PlaySessionStateNotification: PlayNote };
  assert.deepEqual(Object.keys(o), ['PlaySessionStateNotification']);
  return o.PlaySessionStateNotification;
}

async function getJson<T>(url: string, token: string): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { headers: { 'X-Plex-Token': token, Accept: 'application/json' } });
  return { status: r.status, body: (await r.json()) as T };
}

interface SessionsBody {
  MediaContainer: { size: number; Metadata: SessionItem[] };
}

describe('Butler simulator: playback and notifications', () => {
  let sim: ButlerSimulator;
  const readers: SseReader[] = [];
  const sessions = async (): Promise<SessionItem[]> => {
    const r = await getJson<SessionsBody>(`${sim.url}/status/sessions`, sim.token);
    assert.equal(r.status, 200);
    assert.equal(r.body.MediaContainer.size, r.body.MediaContainer.Metadata.length);
    return r.body.MediaContainer.Metadata;
  };
  const stream = async (query = ''): Promise<SseReader> => {
    const r = new SseReader();
    readers.push(r);
    await r.open(sim.url, `/:/eventsource/notifications${query}`, sim.token);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/event-stream');
    return r;
  };
  const control = async (path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const init: RequestInit = { method: 'POST' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const r = await fetch(`${sim.url}/__sim/${path}`, init);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  beforeEach(async () => {
    sim = await startSimulator({ playingIntervalMs: 200, pingIntervalMs: 300 });
  });
  afterEach(async () => {
    for (const r of readers.splice(0)) r.close();
    await sim.close();
  });

  describe('GET /status/sessions', () => {
    it('lists a played session with every field the spec requires and the Plex ones', async () => {
      const key = sim.play({ user: 'alice', player: 'Living Room TV', title: 'Pilot', type: 'episode' });
      assert.match(key, /^\d+$/);
      const [s] = await sessions();
      for (const f of ['addedAt', 'key', 'title', 'type', 'sessionKey', 'ratingKey', 'guid', 'viewOffset', 'duration', 'Player', 'Session', 'User']) assert.ok(f in s, f);
      assert.equal(s.sessionKey, key);
      assert.equal(s.key, `/library/metadata/${s.ratingKey}`);
      assert.equal(s.title, 'Pilot');
      assert.equal(s.type, 'episode');
      assert.ok(Number.isInteger(s.addedAt) && s.addedAt > 1e9 && s.addedAt < 1e10);
      assert.match(s.guid, /^plex:\/\/episode\//);
      assert.deepEqual(Object.keys(s.Player).sort(), ['address', 'local', 'machineIdentifier', 'platform', 'product', 'state', 'title']);
      assert.equal(s.Player.state, 'playing');
      assert.equal(s.Player.title, 'Living Room TV');
      assert.equal(s.Player.local, true);
      assert.equal(typeof s.Session.id, 'string');
      assert.ok(Number.isInteger(s.Session.bandwidth));
      assert.ok(['lan', 'wan'].includes(s.Session.location));
      assert.deepEqual(s.User, { id: '2', title: 'alice' });
    });

    it('sessions: N still means N anonymous playing sessions, changeable at run time', async () => {
      sim.options.sessions = 2;
      let list = await sessions();
      assert.deepEqual(list.map((s) => [s.sessionKey, s.Player.state]), [[String(ANONYMOUS_KEY_BASE + 1), 'playing'], [String(ANONYMOUS_KEY_BASE + 2), 'playing']]);
      sim.options.sessions = 1;
      sim.play();
      list = await sessions();
      assert.deepEqual(list.map((s) => s.sessionKey), [String(ANONYMOUS_KEY_BASE + 1), '1']);
    });

    it('viewOffset advances while playing, freezes while paused, moves again on resume', async () => {
      const key = sim.play({ title: 'Film', type: 'movie' });
      await sleep(150);
      const a = (await sessions())[0].viewOffset;
      assert.ok(a >= 100, String(a));
      assert.ok(sim.pause(key));
      const b = (await sessions())[0];
      assert.equal(b.Player.state, 'paused');
      await sleep(150);
      const c = (await sessions())[0];
      assert.equal(c.viewOffset, b.viewOffset);
      assert.ok(sim.resume(key));
      await sleep(150);
      const d = (await sessions())[0];
      assert.equal(d.Player.state, 'playing');
      assert.ok(d.viewOffset >= c.viewOffset + 100, `${d.viewOffset} vs ${c.viewOffset}`);
    });

    it('stopPlayback removes the session; unknown keys answer false', async () => {
      const k1 = sim.play();
      const k2 = sim.play();
      assert.deepEqual([k1, k2], ['1', '2']);
      assert.ok(sim.stopPlayback(k1));
      assert.deepEqual((await sessions()).map((s) => s.sessionKey), ['2']);
      assert.equal(sim.stopPlayback(k1), false);
      assert.equal(sim.pause('99'), false);
      assert.equal(sim.resume('99'), false);
    });

    it('a phantom is listed for ms, then vanishes, and is never notified', async () => {
      const r = await stream();
      const key = sim.phantom(300);
      assert.deepEqual((await sessions()).map((s) => s.sessionKey), [key]);
      await sleep(450);
      assert.deepEqual(await sessions(), []);
      assert.equal(r.of('playing').length, 0);
    });
  });

  describe('playing notifications', () => {
    it('named `playing` events in the bare shape on play, pause, resume, buffer, stop', async () => {
      const r = await stream();
      const key = sim.play({ title: 'Pilot' });
      sim.pause(key);
      sim.resume(key);
      sim.buffer(key);
      sim.stopPlayback(key);
      const notes = (await r.until(5, 'playing')).map(playNote);
      assert.deepEqual(notes.slice(0, 5).map((n) => n.state), ['playing', 'paused', 'playing', 'buffering', 'stopped']);
      const n = notes[0];
      assert.deepEqual(Object.keys(n).sort(), ['clientIdentifier', 'guid', 'key', 'playQueueItemID', 'ratingKey', 'sessionKey', 'state', 'url', 'viewOffset']);
      assert.equal(n.sessionKey, key);
      assert.equal(n.key, `/library/metadata/${n.ratingKey}`);
      assert.deepEqual(sim.playbackKeys(), []);
      assert.equal(typeof n.viewOffset, 'number');
      assert.equal(typeof n.playQueueItemID, 'number');
    });

    it('a playing session reports every playingIntervalMs, a paused one does not', async () => {
      const r = await stream();
      const key = sim.play();
      const got = await r.until(4, 'playing', 2000);
      const gaps = got.slice(1).map((e, i) => e.at - got[i].at);
      assert.ok(gaps.slice(1).every((g) => g >= 120 && g <= 400), gaps.join());
      assert.ok(playNote(got[3]).viewOffset > playNote(got[1]).viewOffset);
      sim.pause(key);
      for (let i = 0; i < 100 && !r.of('playing').some((e) => playNote(e).state === 'paused'); i++) await sleep(10);
      await sleep(50);
      const n = r.of('playing').length;
      assert.equal(playNote(r.of('playing')[n - 1]).state, 'paused');
      await sleep(500);
      assert.equal(r.of('playing').length, n);
    });

    it('buffering alone creates no session', async () => {
      const r = await stream();
      const key = sim.buffer();
      const [e] = await r.until(1, 'playing');
      assert.deepEqual({ key: playNote(e).sessionKey, state: playNote(e).state }, { key, state: 'buffering' });
      assert.deepEqual(await sessions(), []);
      await sleep(300);
      assert.equal(r.of('playing').length, 1);
    });

    it('a lingering session stays listed, frozen, and sends nothing more', async () => {
      const r = await stream();
      const key = sim.play();
      await r.until(2, 'playing');
      assert.ok(sim.linger(key));
      const n = r.of('playing').length;
      const a = (await sessions())[0];
      await sleep(500);
      const b = (await sessions())[0];
      assert.equal(b.sessionKey, key);
      assert.equal(b.viewOffset, a.viewOffset);
      assert.equal(sim.pause(key), false);
      sim.stopPlayback(key);
      await sleep(50);
      assert.equal(r.of('playing').length, n);
      assert.deepEqual(await sessions(), []);
    });
  });

  describe('the stream', () => {
    it('honours filters=', async () => {
      const all = await stream();
      const play = await stream('?filters=playing');
      const act = await stream('?filters=activity');
      const both = await stream('?filters=playing,activity');
      sim.play();
      await Promise.all([all.until(1, 'playing'), play.until(1, 'playing'), both.until(1, 'playing')]);
      await sleep(100);
      const kinds = (r: SseReader): string[] => [...new Set(r.events.map((e) => e.event).filter((e) => e !== 'ping'))];
      assert.deepEqual(kinds(all), ['playing']);
      assert.deepEqual(kinds(play), ['playing']);
      assert.deepEqual(kinds(act), []);
      assert.deepEqual(kinds(both), ['playing']);
    });

    it('filters keep activity and playing apart', async () => {
      const play = await stream('?filters=playing');
      const act = await stream('?filters=activity');
      const all = await stream();
      const res = await fetch(`${sim.url}/butler/BackupDatabase`, { method: 'POST', headers: { 'X-Plex-Token': sim.token } });
      assert.equal(res.status, 200);
      sim.play();
      await all.until(2);
      await act.until(1, 'activity');
      await play.until(1, 'playing');
      assert.equal(play.of('activity').length, 0);
      assert.equal(act.of('playing').length, 0);
      assert.ok(all.of('activity').length >= 1 && all.of('playing').length >= 1);
    });

    it('sends `event: ping` with empty data every pingIntervalMs, whatever the filter', async () => {
      const r = await stream('?filters=activity');
      const pings = await r.until(3, 'ping', 2000);
      assert.ok(pings.every((p) => p.data === ''));
      assert.match(r.raw, /event: ping\ndata: \n\n/);
      const gap = pings[2].at - pings[1].at;
      assert.ok(gap >= 200 && gap <= 500, String(gap));
    });

    it('activity data is bare by default', async () => {
      const r = await stream();
      const a: SimActivity = { uuid: 'u1', type: 'butler.task', cancellable: false, userID: 1, title: 'Backup Database', subtitle: '', progress: 0 };
      sim.emitActivity('started', a);
      const [e] = await r.until(1, 'activity');
      assert.deepEqual(JSON.parse(e.data), { ActivityNotification: { event: 'started', uuid: 'u1', Activity: a } });
    });

    it("activityShape 'wrapped' gives the NotificationContainer form", async () => {
      sim.options.activityShape = 'wrapped';
      const r = await stream();
      const a: SimActivity = { uuid: 'u2', type: 'butler.task', cancellable: false, userID: 1, title: 'Optimize Database', subtitle: '', progress: 50 };
      sim.emitActivity('updated', a);
      const [e] = await r.until(1, 'activity');
      assert.deepEqual(JSON.parse(e.data), { NotificationContainer: { type: 'activity', size: 1, ActivityNotification: [{ event: 'updated', uuid: 'u2', Activity: a }] } });
    });

    it('silence(): open and new streams send nothing with the socket open; silence(false) restores new ones', async () => {
      const r = await stream();
      sim.play();
      await r.until(1, 'playing');
      sim.silence();
      const before = r.raw.length;
      const quiet = await stream();
      assert.equal(quiet.status, 200);
      sim.play();
      sim.emitActivity('started', { uuid: 'u', type: 't', cancellable: false, userID: 1, title: 'T', subtitle: '', progress: 0 });
      await sleep(700);
      assert.equal(r.raw.length, before);
      assert.equal(quiet.raw, '');
      assert.equal(sim.openStreams, 2);
      sim.silence(false);
      const loud = await stream();
      await loud.until(1, 'playing', 1000);
      assert.equal(quiet.raw, '');
    });

    it("streamReply 'html' answers 200 text/html with a login page, not a stream", async () => {
      sim.options.streamReply = 'html';
      const res = await fetch(`${sim.url}/:/eventsource/notifications?filters=playing`, { headers: { 'X-Plex-Token': sim.token } });
      assert.equal(res.status, 200);
      assert.match(String(res.headers.get('content-type')), /^text\/html/);
      const body = await res.text();
      assert.equal(body, LOGIN_PAGE);
      assert.match(body, /^<html><head><title>Proxy login<\/title>/);
      assert.equal(sim.openStreams, 0);
    });

    it('a wrong token gets the 401 HTML page', async () => {
      const res = await fetch(`${sim.url}/:/eventsource/notifications`, { headers: { 'X-Plex-Token': 'wrong' } });
      assert.equal(res.status, 401);
      assert.match(await res.text(), /<title>Unauthorized<\/title>/);
      assert.equal(sim.streamCount, 0);
    });

    it('no timer runs once the last stream is gone', async () => {
      const hub = sim['hub'];
      const r = await stream();
      sim.play();
      assert.notEqual(hub['tick'], undefined);
      r.close();
      for (let i = 0; i < 100 && sim.openStreams > 0; i++) await sleep(10);
      assert.equal(sim.openStreams, 0);
      assert.equal(hub['tick'], undefined);
    });
  });

  describe('restart', () => {
    it('drops streams and sessions; sessionKeys start again from 1', async () => {
      await stream();
      sim.play();
      sim.play();
      assert.equal(sim.play(), '3');
      sim.restart();
      for (let i = 0; i < 100 && sim.openStreams > 0; i++) await sleep(10);
      assert.equal(sim.openStreams, 0);
      assert.deepEqual(await sessions(), []);
      assert.equal(sim.play(), '1');
    });
  });

  describe('HTTP controls under /__sim/', () => {
    it('play with a JSON body or a query, pause, resume and stop by key, no token needed', async () => {
      const a = await control('play', { user: 'bob', player: 'Phone', title: 'Song', type: 'track' });
      assert.deepEqual(a, { status: 200, body: { sessionKey: '1' } });
      const b = await control('play?title=Other');
      assert.equal(b.body.sessionKey, '2');
      let list = await sessions();
      assert.deepEqual(list.map((s) => [s.title, s.type, s.User.title, s.Player.title]), [['Song', 'track', 'bob', 'Phone'], ['Other', 'episode', 'Owner', 'Plex Web']]);
      assert.deepEqual(await control('pause?sessionKey=1'), { status: 200, body: { sessionKeys: ['1'] } });
      assert.equal((await sessions())[0].Player.state, 'paused');
      assert.equal((await control('resume', { sessionKey: '1' })).status, 200);
      assert.equal((await sessions())[0].Player.state, 'playing');
      assert.equal((await control('stop?sessionKey=1')).status, 200);
      list = await sessions();
      assert.deepEqual(list.map((s) => s.sessionKey), ['2']);
      assert.equal((await control('stop?sessionKey=1')).status, 404);
      assert.ok(!sim.requests.some((r) => r.url.startsWith('/__sim/')));
    });

    it('stop without a key stops all; phantom?ms= vanishes; restart; wrong method and name', async () => {
      sim.play();
      sim.play();
      assert.deepEqual((await control('stop')).body, { sessionKeys: ['1', '2'] });
      assert.deepEqual(await sessions(), []);
      const p = await control('phantom?ms=200');
      assert.equal(p.body.sessionKey, '3');
      assert.equal((await sessions()).length, 1);
      await sleep(350);
      assert.equal((await sessions()).length, 0);
      assert.equal((await control('phantom?ms=x')).status, 400);
      assert.equal((await control('restart')).status, 200);
      assert.equal((await control('play')).body.sessionKey, '1');
      const get = await fetch(`${sim.url}/__sim/play`);
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST');
      assert.equal((await control('nothing')).status, 404);
    });

    it('silence, linger and buffer over HTTP', async () => {
      const r = await stream();
      await control('play');
      await r.until(1, 'playing');
      assert.deepEqual((await control('buffer?sessionKey=1')).body, { sessionKey: '1' });
      await r.until(2, 'playing');
      assert.equal(playNote(r.of('playing')[1]).state, 'buffering');
      assert.deepEqual((await control('linger?sessionKey=1')).body, { sessionKeys: ['1'] });
      assert.equal((await control('silence')).status, 200);
      const quiet = await stream();
      await control('play');
      await sleep(400);
      assert.equal(quiet.raw, '');
      await control('silence?on=0');
      const loud = await stream();
      await loud.until(1, 'playing', 1000);
    });
  });
});
