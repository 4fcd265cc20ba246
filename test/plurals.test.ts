// Counts read as the language says them: plural forms through i18next's _one/_other keys (the
// form Node-RED 4 gives the editor, which maps an old _plural to _other), never "server(s)".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { i18n, LANGUAGES, LOCALES } from './runtime-i18n';

// "(s)", "(es)", "(en)", "trouvé(s)": a plural spelled out by hand.
const HAND_PLURAL = /\p{L}\((s|es|en|e)\)/u;

function leaves(value: unknown, prefix = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[prefix, value]];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe('plural forms', () => {
  before(async () => {
    await i18n.init({ lang: 'en-US' });
    await i18n.registerMessageCatalog('plex-butler-server', LOCALES, 'plex-butler-server.json');
    await i18n.registerMessageCatalog('plex-butler-playback', LOCALES, 'plex-butler-playback.json');
  });
  after(async () => {
    await i18n.i.changeLanguage('en-US');
  });

  it('no catalog text spells a plural by hand ("server(s)")', () => {
    for (const lang of LANGUAGES) {
      for (const file of fs.readdirSync(path.join(LOCALES, lang)).filter((f) => f.endsWith('.json'))) {
        const hand = leaves(JSON.parse(fs.readFileSync(path.join(LOCALES, lang, file), 'utf8'))).filter(([, text]) => HAND_PLURAL.test(text));
        assert.deepEqual(hand, [], `${lang}/${file}`);
      }
    }
  });

  it('the playback status counts sessions in the runtime language: "1 Sitzung", "2 Sitzungen"', async () => {
    await i18n.i.changeLanguage('de');
    const busy = (count: number): string => i18n._('plex-butler-playback:plex-butler-playback.status.busy', { count });
    assert.deepEqual([busy(1), busy(2)], ['belegt: 1 Sitzung', 'belegt: 2 Sitzungen']);
    await i18n.i.changeLanguage('en-US');
    assert.deepEqual([busy(1), busy(3)], ['busy: 1 watching', 'busy: 3 watching']);
  });

  for (const lang of LANGUAGES) {
    it(`${lang}: the sign-in list and Find servers say 1 and 2 servers in the language's own forms`, async () => {
      await i18n.i.changeLanguage(lang);
      const one = Object.fromEntries(['pick', 'found'].map((k) => [k, i18n._(`plex-butler-server:plex-butler-server.setup.${k}`, { count: 1 })]));
      const two = Object.fromEntries(['pick', 'found'].map((k) => [k, i18n._(`plex-butler-server:plex-butler-server.setup.${k}`, { count: 2 })]));
      for (const k of ['pick', 'found']) {
        assert.ok(one[k].startsWith('1 ') || one[k].includes(' 1 '), `${k} with 1: ${one[k]}`);
        assert.ok(two[k].includes('2'), `${k} with 2: ${two[k]}`);
        assert.doesNotMatch(two[k], /setup\./, `${k}: a key, not a text`);
      }
      // Languages with a singular form use it; Japanese and Chinese have one form for every count.
      const hasOne = new Intl.PluralRules(lang).resolvedOptions().pluralCategories.includes('one');
      assert.equal(one.pick.replace('1', '2') !== two.pick, hasOne, `${lang}: ${one.pick} / ${two.pick}`);
    });
  }
});
