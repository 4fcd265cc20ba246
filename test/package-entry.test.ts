// The package's main entry (package.json "main"): what a program that uses the client without
// Node-RED gets from require('node-red-contrib-plex-butler'). Each export is used, not only named.
import assert from 'node:assert/strict';
import path from 'node:path';
import { startSimulator, ButlerSimulator } from '../sim/simulator';

interface Entry {
  ButlerClient: new (options: { url: string; token: string; timeout?: number }) => {
    listTasks(): Promise<Array<{ name: string }>>;
    close(): void;
  };
  ButlerError: new (code: string, message: string) => Error & { code: string };
  isButlerError(err: unknown): boolean;
  parseTaskList(body: string): Array<{ name: string }>;
  NotificationStream: new (...args: never[]) => unknown;
  isMaintenance(activity: { type: string; title: string; subtitle: string }): boolean;
  stopMaintenance: (...args: never[]) => Promise<unknown>;
  TASK_NAME: RegExp;
  ACTIVITY_UUID: RegExp;
  checkTaskName(name: unknown): string;
  checkActivityUuid(uuid: unknown): string;
  checkAction(action: unknown): string;
  normaliseUrl(url: string): string;
  cleanToken(token: unknown): string;
}

const root = path.join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require(path.join(root, 'package.json')) as { main: string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const entry = require(path.join(root, pkg.main)) as Entry;

describe('the package entry (package.json main)', () => {
  let sim: ButlerSimulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
  });

  it('gives a working client and the error type', async () => {
    const client = new entry.ButlerClient({ url: sim.url, token: sim.token, timeout: 5000 });
    try {
      const tasks = await client.listTasks();
      assert.ok(tasks.some((t) => t.name === 'BackupDatabase'));
    } finally {
      client.close();
    }
    const bad = new entry.ButlerClient({ url: sim.url, token: 'wrong-token', timeout: 5000 });
    try {
      const err: unknown = await bad.listTasks().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof entry.ButlerError);
      assert.equal(entry.isButlerError(err), true);
      assert.equal((err as { code: string }).code, 'UNAUTHORIZED');
    } finally {
      bad.close();
    }
    assert.equal(entry.isButlerError(new Error('plain')), false);
  });

  it('gives the checks that guard every URL, and the parsers', () => {
    assert.equal(entry.checkTaskName('BackupDatabase'), 'BackupDatabase');
    assert.throws(() => entry.checkTaskName('../prefs'), (e: unknown) => entry.isButlerError(e));
    assert.equal(entry.TASK_NAME.test('BackupDatabase'), true);
    assert.equal(entry.TASK_NAME.test('a/b'), false);
    assert.equal(entry.checkActivityUuid('1b2c-3d'), '1b2c-3d');
    assert.throws(() => entry.checkActivityUuid('x/../y'), (e: unknown) => entry.isButlerError(e));
    assert.equal(entry.ACTIVITY_UUID.test('1b2c-3d'), true);
    assert.equal(entry.checkAction('stop'), 'stop');
    assert.throws(() => entry.checkAction('reboot'), (e: unknown) => entry.isButlerError(e));
    assert.equal(entry.normaliseUrl('http://127.0.0.1:32400/'), 'http://127.0.0.1:32400');
    assert.equal(entry.cleanToken(' X-Plex-Token=abc '), 'abc');
    const body = JSON.stringify({ ButlerTasks: { ButlerTask: [{ name: 'OptimizeDatabase', interval: 7, enabled: true }] } });
    assert.deepEqual(entry.parseTaskList(body).map((t) => t.name), ['OptimizeDatabase']);
    assert.equal(entry.isMaintenance({ type: 'butler.task', title: 'Backing up database', subtitle: '' }), true);
    assert.equal(entry.isMaintenance({ type: 'provider.subscriptions.process', title: 'Processing subscriptions', subtitle: '' }), false);
    assert.equal(typeof entry.NotificationStream, 'function');
    assert.equal(typeof entry.stopMaintenance, 'function');
  });
});
