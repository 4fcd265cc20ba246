// Status texts filled in by hand (textMemo) read exactly as RED._ gives them, in every language,
// and the catalog is read once per key however many tasks go through.
import assert from 'node:assert/strict';
import type { NodeAPI } from 'node-red';
import { i18n, LANGUAGES, LOCALES } from './runtime-i18n';
import { answeredAt, clockTime, textMemo } from '../nodes/status-text';

const KEYS = ['busy', 'started', 'already-running', 'stopped', 'not-running'];

describe('status texts translated once per key', () => {
  before(async () => {
    await i18n.init({ lang: 'en-US' });
    for (const type of ['plex-butler-start', 'plex-butler-stop']) await i18n.registerMessageCatalog(type, LOCALES, `${type}.json`);
  });
  after(async () => {
    await i18n.i.changeLanguage('en-US');
  });

  for (const lang of LANGUAGES) {
    it(`${lang}: the same text as RED._, one catalog read per key`, async () => {
      await i18n.i.changeLanguage(lang);
      let reads = 0;
      const read = (key: string, values: Record<string, string>): string => {
        reads++;
        return i18n._(`${key.split('.')[0]}:${key}`, values);
      };
      const RED = { _: read } as unknown as NodeAPI;
      const text = textMemo(RED);
      const tasks = ['BackupDatabase', 'Bench0', 'Bench1', 'RefreshLibraries'];
      let keys = 0;
      for (const type of ['plex-butler-start', 'plex-butler-stop']) {
        for (const name of KEYS) {
          const key = `${type}.status.${name}`;
          const own = `${type}:${key}`;
          if (i18n._(own) === key) continue;
          keys++;
          for (const task of tasks) assert.equal(text(key, { task }), i18n._(own, { task }), `${key} for ${task}`);
        }
      }
      const skipped = 'plex-butler-start.status.skipped';
      assert.equal(text(skipped, { task: 'Bench2', sessions: '3' }), i18n._(`plex-butler-start:${skipped}`, { task: 'Bench2', sessions: 3 }));
      assert.ok(keys >= 6, `${keys} keys`);
      assert.equal(reads, keys + 1);
      assert.ok(text(`plex-butler-start.status.busy`, { task: 'Bench9' }).includes('Bench9'));
    });
  }
});

describe('a request node says when its status was answered', () => {
  it('answeredAt: the text, a middle dot and the local time as HH:MM, two digits each', () => {
    assert.equal(answeredAt('BackupDatabase already running', new Date(2026, 11, 7, 12, 3)), 'BackupDatabase already running · 12:03');
    assert.equal(answeredAt('UNREACHABLE', new Date(2026, 0, 1, 0, 0, 59)), 'UNREACHABLE · 00:00');
    assert.equal(answeredAt('stopped all', new Date(2026, 0, 1, 9, 5)), 'stopped all · 09:05');
    assert.equal(clockTime(new Date(2026, 0, 1, 23, 59)), '23:59');
  });

  for (const lang of LANGUAGES) {
    it(`${lang}: "already running" with the time, the catalog text left as it is`, async () => {
      await i18n.i.changeLanguage(lang);
      const RED = { _: (key: string, values: Record<string, string>) => i18n._(`${key.split('.')[0]}:${key}`, values) } as unknown as NodeAPI;
      const key = 'plex-butler-start.status.already-running';
      const at = new Date(2026, 5, 1, 7, 45);
      const shown = answeredAt(textMemo(RED)(key, { task: 'BackupDatabase' }), at);
      assert.equal(shown, `${i18n._(`plex-butler-start:${key}`, { task: 'BackupDatabase' })} · 07:45`);
      assert.ok(shown.includes('BackupDatabase'));
    });
  }
});
