// A fake GDM responder on 127.0.0.1: answers an M-SEARCH by unicast with one HTTP-like text per
// configured server, optionally with duplicates and garbage datagrams.
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface GdmAnswer {
  name: string;
  port: number;
  resourceIdentifier: string;
  version?: string;
  /** More header lines, e.g. a value containing `:`. */
  extra?: Record<string, string>;
}

export interface FakeGdmOptions {
  port?: number;
  servers?: GdmAnswer[];
  /** Send every answer this many times (default 1). */
  copies?: number;
  /** Send datagrams that are not answers before the real ones. */
  garbage?: boolean;
  /** Gap between datagrams (default 20 ms). */
  gapMs?: number;
}

export function gdmAnswerText(s: GdmAnswer): string {
  const lines = [
    'HTTP/1.0 200 OK',
    'Content-Type: plex/media-server',
    `Resource-Identifier: ${s.resourceIdentifier}`,
    `Name: ${s.name}`,
    `Port: ${s.port}`,
    `Updated-At: ${Math.floor(Date.now() / 1000)}`,
    `Version: ${s.version ?? '1.41.3.9314-a0bfb8370'}`,
    ...Object.entries(s.extra ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

const GARBAGE = [Buffer.from([0, 1, 2, 255, 254]), Buffer.from('HTTP/1.0 404 Not Found\r\n\r\n'), Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: plex/player\r\nName: a player\r\nPort: 32500\r\nResource-Identifier: p1\r\n'), Buffer.from('hello')];

export class FakeGdm {
  /** M-SEARCH datagrams received. */
  searches = 0;
  private readonly socket = dgram.createSocket('udp4');

  constructor(public options: FakeGdmOptions = {}) {
    this.socket.on('message', (msg, rinfo) => {
      if (!/^M-SEARCH \* HTTP\/1\.[01]\r\n/.test(msg.toString('utf8'))) return;
      this.searches++;
      this.answer(rinfo.address, rinfo.port);
    });
  }

  get port(): number {
    return (this.socket.address() as AddressInfo).port;
  }

  start(): Promise<void> {
    return new Promise((resolve) => this.socket.bind(this.options.port ?? 0, '127.0.0.1', () => resolve()));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(address: string, port: number): void {
    const out: Buffer[] = this.options.garbage ? [...GARBAGE] : [];
    for (let i = 0; i < (this.options.copies ?? 1); i++) {
      for (const s of this.options.servers ?? []) out.push(Buffer.from(gdmAnswerText(s)));
    }
    const gap = this.options.gapMs ?? 20;
    out.forEach((buf, i) =>
      setTimeout(() => {
        try {
          this.socket.send(buf, port, address);
        } catch {
          // closed meanwhile
        }
      }, i * gap),
    );
  }
}

export async function startFakeGdm(options?: FakeGdmOptions): Promise<FakeGdm> {
  const fake = new FakeGdm(options);
  await fake.start();
  return fake;
}
