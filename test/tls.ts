// TLS for tests: certificates made with the openssl CLI at test time (nothing secret is committed),
// an HTTPS server on 127.0.0.1 whose certificate can be swapped, and a child process that trusts
// the test CA through NODE_EXTRA_CA_CERTS, the way a user trusts a private CA in Node-RED.
import { execFileSync, spawn, ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import net from 'node:net';
import readline from 'node:readline';
import type { AddressInfo } from 'node:net';
import { forward } from './fault-servers';
import { ButlerClient } from '../lib/butler/client';
import { ButlerError } from '../lib/common/errors';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface Certs {
  /** PEM file of the test CA, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** Signed by the test CA for IP 127.0.0.1, valid for ten years. */
  good: KeyPair;
  /** Signed by the test CA for a plex.direct name only, as a real PMS certificate is. */
  wrongHost: KeyPair;
  /** Signed by the test CA for 127.0.0.1, expired on 2 January 2020. */
  expired: KeyPair;
  /** Signs itself, for 127.0.0.1. */
  selfSigned: KeyPair;
  remove(): void;
}

export const PLEX_DIRECT_NAME = '127-0-0-1.0123456789abcdef0123456789abcdef.plex.direct';

const CA_CONFIG = `[ ca ]
default_ca = test_ca
[ test_ca ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
[ ip ]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1
[ plexdirect ]
basicConstraints = CA:FALSE
subjectAltName = DNS:*.0123456789abcdef0123456789abcdef.plex.direct
`;

/** Makes the test CA and leaf certificates in a fresh temporary folder (about 0.2 s). */
export function makeCerts(): Certs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plex-butler-tls-'));
  const openssl = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const read = (name: string): KeyPair => ({
    cert: fs.readFileSync(path.join(dir, `${name}.pem`), 'utf8'),
    key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8'),
  });
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', '/CN=plex-butler test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '3650', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1']);
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
  fs.writeFileSync(path.join(dir, 'ca.cnf'), CA_CONFIG);
  const leaf = (name: string, section: string, dates: string[]): void => {
    openssl(['req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=plex-butler ${name}`]);
    openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.pem`,
      '-extensions', section, '-notext', ...dates]);
  };
  leaf('good', 'ip', ['-days', '3650']);
  leaf('wronghost', 'plexdirect', ['-days', '3650']);
  leaf('expired', 'ip', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  return {
    caFile: path.join(dir, 'ca.pem'),
    good: read('good'),
    wrongHost: read('wronghost'),
    expired: read('expired'),
    selfSigned: read('self'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** HTTPS on 127.0.0.1 forwarding to `upstream` (the simulator); the certificate can be swapped. */
export class TlsServer {
  connections = 0;
  requests = 0;
  private readonly server: https.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(upstream: string, pair: KeyPair) {
    this.server = https.createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
      this.requests++;
      forward(upstream, req, res);
    });
    this.server.on('connection', (s: net.Socket) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // Failed handshakes are the point of these tests.
    this.server.on('tlsClientError', () => undefined);
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  /** New connections get this certificate; open ones are dropped. */
  use(pair: KeyPair): void {
    this.server.setSecureContext({ cert: pair.cert, key: pair.key });
    for (const s of this.sockets) s.destroy();
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface ProbeRequest {
  url: string;
  token: string;
  timeout: number;
  verifyTls: boolean;
}

export interface ProbeResult {
  ok: boolean;
  ms: number;
  code?: string;
  message?: string;
  tasks?: number;
}

/** A child process running ButlerClient.listTasks with the test CA trusted; one line per call. */
export class TrustingClient {
  private readonly lines: readline.Interface;
  private readonly waiting: Array<(line: string) => void> = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({ input: child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
  }

  static start(caFile: string): TrustingClient {
    const child = spawn(process.execPath, [__filename], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new TrustingClient(child);
  }

  call(req: ProbeRequest): Promise<ProbeResult> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(JSON.parse(line) as ProbeResult));
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

/** Child side: reads ProbeRequest lines, answers ProbeResult lines. */
async function serveProbes(): Promise<void> {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const req = JSON.parse(line) as ProbeRequest;
    const client = new ButlerClient({ url: req.url, token: req.token, timeout: req.timeout, verifyTls: req.verifyTls });
    const started = Date.now();
    let out: ProbeResult;
    try {
      const tasks = await client.listTasks();
      out = { ok: true, ms: Date.now() - started, tasks: tasks.length };
    } catch (err) {
      const e = err instanceof ButlerError ? err : new ButlerError('BAD_RESPONSE', String(err));
      out = { ok: false, ms: Date.now() - started, code: e.code, message: e.message };
    }
    client.close();
    process.stdout.write(JSON.stringify(out) + '\n');
  }
}

if (require.main === module) void serveProbes();
