// Reading the Butler's window and task switches from GET /:/prefs: what a server answer must hold.
import assert from 'node:assert/strict';
import { parsePrefs } from '../lib/butler/prefs';
import { ButlerError } from '../lib/common/errors';

function prefs(settings: unknown): string {
  return JSON.stringify({ MediaContainer: { size: 1, Setting: settings } });
}

function badResponse(message: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof ButlerError && err.code === 'BAD_RESPONSE' && message.test(err.message);
}

describe('parsePrefs (GET /:/prefs)', () => {
  it('reads the hours and the switches of task names, and skips other entries', () => {
    const read = parsePrefs(prefs([
      { id: 'ButlerStartHour', value: 2 },
      { id: 'ButlerEndHour', value: '5' },
      { id: 'ButlerTaskBackupDatabase', value: false },
      { id: 'ButlerTaskBad/Name', value: true },
      { id: 'FriendlyName', value: 'x' },
      'not an object',
    ]));
    assert.deepEqual(read, { startHour: 2, endHour: 5, tasks: { BackupDatabase: false } });
  });

  it('refuses an answer without a Setting list', () => {
    assert.throws(() => parsePrefs(prefs({ id: 'ButlerStartHour', value: 2 })), badResponse(/without a Setting list/));
  });

  it('refuses preferences without the Butler hours, or with hours that are not whole numbers', () => {
    assert.throws(() => parsePrefs(prefs([{ id: 'ButlerStartHour', value: 2 }])), badResponse(/lack the Butler hours/));
    assert.throws(() => parsePrefs(prefs([{ id: 'ButlerStartHour', value: 2 }, { id: 'ButlerEndHour', value: 'five' }])), badResponse(/lack the Butler hours/));
  });
});
