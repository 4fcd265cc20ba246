import fs from 'node:fs';
import path from 'node:path';

export const PRODUCT = 'node-red-contrib-plex-butler';
export const VERSION = readVersion();

function readVersion(): string {
  try {
    const file = path.join(__dirname, '..', '..', '..', 'package.json');
    const data: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof data === 'object' && data !== null && 'version' in data && typeof data.version === 'string') return data.version;
  } catch {
    // packaged without package.json beside it: fall through
  }
  return '0.0.0';
}
