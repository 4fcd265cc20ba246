// Every language speaks for every node type: the same catalog keys and help sections as en-US,
// and no en-US sentence left untranslated.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const LOCALES = path.join(__dirname, '..', '..', 'nodes', 'locales');
const LANGUAGES = ['de', 'fr', 'es-ES', 'ja', 'zh-CN'];
const BASE = 'en-US';

type Catalog = { [key: string]: string | Catalog };

/** Every leaf of a catalog as [dotted key, text]. */
function leaves(catalog: Catalog, prefix = ''): Array<[string, string]> {
  return Object.entries(catalog).flatMap(([k, v]) => (typeof v === 'string' ? [[prefix + k, v] as [string, string]] : leaves(v, `${prefix}${k}.`)));
}

function read(lang: string, file: string): string {
  return fs.readFileSync(path.join(LOCALES, lang, file), 'utf8');
}

/** Values flows see in msg.topic or msg.payload: they stay as they are in every language. */
const MSG_VALUES = new Set(['busy', 'idle', 'start', 'stop', 'read', 'write']);

/**
 * Text that may read the same in another language: codes, identifiers, addresses, placeholders,
 * and single words (many are the same word there: Server, Action, Mode, Filter, Token).
 * Anything of two words or more is a phrase and must be translated.
 */
function mayStayEnglish(text: string): boolean {
  const words = text
    .replace(/__\w+__/g, ' ')
    .replace(/\$\{\w+\}/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .match(/[A-Za-z]{2,}/g)
    ?.filter((w) => !/^[A-Z0-9_]+$/.test(w) && !/[a-z][A-Z]/.test(w) && !MSG_VALUES.has(w));
  return !words || words.length < 2;
}

/** The help's structure: its script tags' names, its h3 sections, the msg properties and code it names. */
function helpShape(html: string): { names: string[]; sections: number; dts: string[]; codes: string[] } {
  const text = html.replace(/<!--[\s\S]*?-->/g, '');
  return {
    names: [...text.matchAll(/data-help-name="([^"]+)"/g)].map((m) => m[1]),
    sections: [...text.matchAll(/<h3>/g)].length,
    // msg properties: a <dt> naming a (lower-case) property, with its type beside it; dialog
    // fields (URL, Token, Mode…) are labels and are translated
    dts: [...text.matchAll(/<dt[^>]*>\s*([a-z][A-Za-z.]*)\s*<span class="property-type"/g)].map((m) => m[1]),
    codes: [...text.matchAll(/<code>([^<]*)<\/code>/g)].map((m) => m[1]).sort(),
  };
}

/** Sentences of prose in a help file (6 words or more), markup removed. */
function sentences(html: string): string[] {
  const text = html
    .replace(/<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;/g, ' ');
  return text
    .split(/[.:;!?]\s+|\n\s*\n/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.split(' ').filter((w) => /[a-z]{2,}/.test(w)).length >= 6);
}

describe('languages', () => {
  const catalogs = fs.readdirSync(path.join(LOCALES, BASE)).filter((f) => f.endsWith('.json'));
  const helps = fs.readdirSync(path.join(LOCALES, BASE)).filter((f) => f.endsWith('.html'));

  it('en-US has a catalog and a help file for every node type', () => {
    const types = Object.keys((JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes);
    assert.deepEqual(catalogs.map((f) => f.replace('.json', '')).sort(), [...types].sort());
    assert.deepEqual(helps.map((f) => f.replace('.html', '')).sort(), [...types].sort());
  });

  for (const lang of LANGUAGES) {
    describe(lang, () => {
      it('has exactly the catalog files and help files of en-US', () => {
        const files = fs.readdirSync(path.join(LOCALES, lang)).sort();
        assert.deepEqual(files, [...catalogs, ...helps].sort());
      });

      it('has every catalog key of en-US and none more, placeholders kept, every sentence translated', () => {
        for (const file of catalogs) {
          const base = new Map(leaves(JSON.parse(read(BASE, file)) as Catalog));
          const mine = new Map(leaves(JSON.parse(read(lang, file)) as Catalog));
          assert.deepEqual([...mine.keys()].sort(), [...base.keys()].sort(), `${lang}/${file}: keys`);
          for (const [key, english] of base) {
            const text = mine.get(key) ?? '';
            const holes = (s: string): string[] => [...new Set(s.match(/__\w+__/g) ?? [])].sort();
            // A plural form may name the count where English spells it ("1 task"): French says "0 tâche" too.
            const extra = /_(one|other|zero|two|few|many)$/.test(key) ? ['__count__'] : [];
            assert.deepEqual(holes(text).filter((h) => !extra.includes(h) || holes(english).includes(h)), holes(english), `${lang}/${file} ${key}: placeholders`);
            if (!mayStayEnglish(english)) assert.notEqual(text, english, `${lang}/${file} ${key} is not translated: "${english}"`);
          }
        }
      });

      it('has help in the structure of en-US, with no en-US sentence left in it', () => {
        for (const file of helps) {
          const english = read(BASE, file);
          const mine = read(lang, file);
          const [a, b] = [helpShape(english), helpShape(mine)];
          assert.deepEqual(b.names, a.names, `${lang}/${file}: help name`);
          assert.equal(b.sections, a.sections, `${lang}/${file}: sections`);
          assert.deepEqual(b.dts, a.dts, `${lang}/${file}: message properties`);
          assert.deepEqual(b.codes, a.codes, `${lang}/${file}: code spans`);
          const left = sentences(english).filter((s) => mine.replace(/\s+/g, ' ').includes(s));
          assert.deepEqual(left, [], `${lang}/${file}: untranslated`);
        }
      });
    });
  }
});
