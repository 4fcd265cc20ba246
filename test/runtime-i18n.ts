// Node-RED's runtime i18n as the catalog tests use it, and where our catalogs are.
import path from 'node:path';
import { i18n as untyped } from '@node-red/util';

/** What the catalog tests use of Node-RED's i18n: its types leave out init and i18next itself. */
interface RuntimeI18n {
  init(settings: { lang?: string }): Promise<void>;
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
  _(key: string, values?: Record<string, string | number>): string;
  i: { changeLanguage(lang: string): Promise<unknown> };
}
export const i18n = untyped as unknown as RuntimeI18n;

export const LOCALES = path.join(__dirname, '..', '..', 'nodes', 'locales');
/** The six languages of the catalogs, the default first. */
export const LANGUAGES = ['en-US', 'de', 'fr', 'es-ES', 'ja', 'zh-CN'];
