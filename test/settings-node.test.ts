// plex-butler-settings with values set in its dialog (mode, startHour, endHour, tasks), against the simulator.
import assert from 'node:assert/strict';
import type { NodeMessage } from 'node-red';
import { ButlerSimulator, DEFAULT_TASKS } from '../sim/simulator';
import settingsNode from '../nodes/plex-butler-settings';
import { ALL_NODES, FlowNode, helper, Inbox, useRuntime } from './helpers';

type Msg = NodeMessage & Record<string, unknown>;
interface Settings {
  startHour: number;
  endHour: number;
  tasks: Record<string, boolean>;
}

describe('plex-butler-settings dialog values', function () {
  let sim: ButlerSimulator;
  useRuntime({ runMs: 400 }, (s) => (sim = s));

  async function load(props: Record<string, unknown>): Promise<{ ok: Inbox; err: Inbox }> {
    const flow: FlowNode[] = [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'plex-butler-server', name: 'Plex', url: sim.url, timeout: 2000, verifyTls: true },
      { id: 'ok', z: 'f1', type: 'helper' },
      { id: 'err', z: 'f1', type: 'helper' },
      { id: 'n1', z: 'f1', type: 'plex-butler-settings', server: 's1', ...props, wires: [['ok'], ['err']] },
    ];
    await helper.load([...ALL_NODES, settingsNode], flow, { s1: { token: sim.token } });
    return { ok: new Inbox(helper.getNode('ok')), err: new Inbox(helper.getNode('err')) };
  }
  const puts = (): string[] => sim.requests.filter((r) => r.method === 'PUT').map((r) => r.url);
  const send = (payload: unknown): void => helper.getNode('n1').receive({ payload, topic: 'keep' } as Msg);

  it('write mode: an inject writes the configured window and switches', async () => {
    const { ok } = await load({ mode: 'write', startHour: '1', endHour: '7', tasks: { BackupDatabase: false, DeepMediaAnalysis: true } });
    send(Date.now());
    const msg = (await ok.nth(0)) as Msg;
    const got = msg.payload as Settings;
    assert.equal(msg.topic, 'keep');
    assert.deepEqual([got.startHour, got.endHour, got.tasks.BackupDatabase, got.tasks.DeepMediaAnalysis], [1, 7, false, true]);
    assert.deepEqual(sim.window, { startHour: 1, endHour: 7 });
    assert.deepEqual(puts(), ['/:/prefs?ButlerStartHour=1&ButlerEndHour=7&ButlerTaskBackupDatabase=0&ButlerTaskDeepMediaAnalysis=1']);
  });

  it('write mode: numbers work as well as strings, and an empty hour is kept', async () => {
    const { ok } = await load({ mode: 'write', startHour: 0, endHour: '', tasks: {} });
    send('');
    await ok.nth(0);
    assert.deepEqual(sim.window, { startHour: 0, endHour: 5 });
    assert.deepEqual(puts(), ['/:/prefs?ButlerStartHour=0']);
  });

  it('an object payload is merged over the configured values: its keys win, task by task', async () => {
    const { ok } = await load({ mode: 'write', startHour: '1', endHour: '7', tasks: { BackupDatabase: false, DeepMediaAnalysis: true } });
    send({ endHour: 9, tasks: { DeepMediaAnalysis: false } });
    const got = (await ok.nth(0)).payload as Settings;
    assert.deepEqual(sim.window, { startHour: 1, endHour: 9 });
    assert.deepEqual([got.tasks.BackupDatabase, got.tasks.DeepMediaAnalysis], [false, false]);
    assert.deepEqual(puts(), ['/:/prefs?ButlerStartHour=1&ButlerEndHour=9&ButlerTaskBackupDatabase=0&ButlerTaskDeepMediaAnalysis=0']);
  });

  it('read mode reads, ignoring values left in the dialog; an object payload still writes as it is', async () => {
    const { ok } = await load({ mode: 'read', startHour: '1', endHour: '7', tasks: { BackupDatabase: false } });
    send(Date.now());
    const expected = Object.fromEntries(DEFAULT_TASKS.map((t) => [t.name, t.enabled]));
    assert.deepEqual((await ok.nth(0)).payload, { startHour: 2, endHour: 5, tasks: expected });
    assert.deepEqual(puts(), []);
    send({ endHour: 8 });
    await ok.nth(1);
    assert.deepEqual(puts(), ['/:/prefs?ButlerEndHour=8']);
    assert.deepEqual(sim.window, { startHour: 2, endHour: 8 });
  });

  it('write mode with nothing configured reads; a node from before these properties reads too', async () => {
    for (const props of [{ mode: 'write', startHour: '', endHour: '', tasks: {} }, {}]) {
      const { ok } = await load(props);
      send(Date.now());
      assert.deepEqual(((await ok.nth(0)).payload as Settings).startHour, 2);
      assert.deepEqual(puts(), []);
      await helper.unload();
    }
  });

  it('an invalid configured hour or switch gives INVALID_SETTING on output 2 and writes nothing', async () => {
    const bad = [{ startHour: '24' }, { endHour: 'nine' }, { startHour: '2.5' }, { tasks: { NoSuchTask: true } }, { tasks: { BackupDatabase: 'yes' } }];
    for (const props of bad) {
      const { err } = await load({ mode: 'write', ...props });
      send(Date.now());
      const msg = (await err.nth(0)) as Msg;
      assert.equal((msg.error as { code: string }).code, 'INVALID_SETTING', JSON.stringify(props));
      assert.equal(msg.topic, 'keep');
      await helper.unload();
    }
    assert.deepEqual(puts(), []);
  });
  it('a task name an object inherits (constructor, toString, hasOwnProperty, __proto__) is refused and nothing is PUT', async () => {
    const { err } = await load({ mode: 'read' });
    const names = ['constructor', 'toString', 'hasOwnProperty', '__proto__'];
    for (const [i, name] of names.entries()) {
      // JSON.parse makes "__proto__" an own key, as a msg from a JSON node or an HTTP body would.
      send(JSON.parse(`{"tasks": {"${name}": true}}`));
      const msg = (await err.nth(i)) as Msg;
      assert.equal((msg.error as { code: string }).code, 'INVALID_SETTING', name);
    }
    assert.deepEqual(puts(), []);
  });

  it('one budget per msg: a write on a slow server answers within the server timeout, not three times it', async () => {
    const { ok, err } = await load({ mode: 'write', endHour: '9' });
    // Each of the three calls (read, PUT, read back) takes 60% of the 2 s timeout.
    sim.options.latencyMs = 1200;
    const sent = Date.now();
    send(Date.now());
    const msg = (await err.nth(0, 6000)) as Msg;
    const tookMs = Date.now() - sent;
    assert.equal((msg.error as { code: string }).code, 'TIMEOUT');
    assert.ok(tookMs >= 1900 && tookMs < 3000, `answered after ${tookMs} ms`);
    assert.equal(ok.msgs.length, 0);
  });
});
