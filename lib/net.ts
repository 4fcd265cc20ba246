import fs from 'node:fs';
import path from 'node:path';
import { ButlerError } from './errors';

export const PRODUCT = 'node-red-contrib-plex-butler';
export const VERSION = readVersion();

function readVersion(): string {
  try {
    const file = path.join(__dirname, '..', '..', 'package.json');
    const data: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof data === 'object' && data !== null && 'version' in data && typeof data.version === 'string') return data.version;
  } catch {
    // packaged without package.json beside it: fall through
  }
  return '0.0.0';
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return '';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : '';
}

/** Names a socket-level failure (refused, reset, DNS, TLS, broken answer) with our codes. */
export function networkError(err: unknown, baseUrl: string, task?: string): ButlerError {
  const code = errorCode(err);
  const message = errorMessage(err);
  const extra = task === undefined ? {} : { task };
  if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(message)) {
    return new ButlerError('TLS', `TLS problem with ${baseUrl} (${code || 'handshake failed'}): use the server's plex.direct address, or turn off "Verify TLS certificate" in the server node`, extra);
  }
  if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(message)) {
    return new ButlerError('BAD_RESPONSE', 'Plex answer too large: refused past the size limit', extra);
  }
  if (code === 'ERR_BAD_RESPONSE' && /aborted/.test(message)) {
    return new ButlerError('UNREACHABLE', `Connection to ${baseUrl} broke during the answer`, extra);
  }
  const what = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host name not found' : code || 'connection failed';
  return new ButlerError('UNREACHABLE', `Cannot reach Plex at ${baseUrl} (${what})`, extra);
}
