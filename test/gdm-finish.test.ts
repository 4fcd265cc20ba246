// Issue 17, defect 7: GDM discovery finishes once. A send callback that comes after the overall
// timer (with an error, say the network went away) must do nothing: closing the socket a second
// time would throw inside a callback, and an exception there stops Node-RED.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { discoverServers } from '../lib/setup/gdm';
import { FakeGdm, startFakeGdm } from '../sim/gdm';
import { sleep } from './helpers';

type SendCallback = (err: Error | null, bytes: number) => void;
type Send = (...args: unknown[]) => void;

describe('GDM discovery finishes once (issue 17)', () => {
  let gdm: FakeGdm;
  const original = dgram.Socket.prototype.send as unknown as Send;
  before(async () => {
    gdm = await startFakeGdm({ servers: [{ name: 'Den', port: 32400, resourceIdentifier: 'aaa111' }], gapMs: 5 });
  });
  after(async () => {
    dgram.Socket.prototype.send = original as unknown as typeof dgram.Socket.prototype.send;
    await gdm.close();
  });

  /**
   * Makes every send's callback come `lateMs` later with an error, and keeps what the callback
   * threw (instead of letting it reach the process). The datagram itself goes out at once.
   */
  function lateSendCallbacks(lateMs: number): { thrown: unknown[]; restore: () => void } {
    const thrown: unknown[] = [];
    const late: Send = function (this: dgram.Socket, ...args: unknown[]) {
      const callback = args.at(-1);
      // The fake responder's own sends (no callback) go as they are.
      if (typeof callback !== 'function') return original.apply(this, args);
      original.call(this, ...args.slice(0, -1), () =>
        setTimeout(() => {
          try {
            (callback as SendCallback)(Object.assign(new Error('send EHOSTUNREACH'), { code: 'EHOSTUNREACH' }), 0);
          } catch (err) {
            thrown.push(err);
          }
        }, lateMs),
      );
    };
    dgram.Socket.prototype.send = late as unknown as typeof dgram.Socket.prototype.send;
    return { thrown, restore: () => (dgram.Socket.prototype.send = original as unknown as typeof dgram.Socket.prototype.send) };
  }

  it('a failed send reported after the overall timer does nothing: no second close, no throw, the result stands', async () => {
    const fake = lateSendCallbacks(300);
    try {
      const settled: string[] = [];
      const result = await discoverServers({ address: '127.0.0.1', port: gdm.port, totalMs: 150, quietMs: 100 }).then(
        (r) => {
          settled.push('resolved');
          return r;
        },
        (err: unknown) => {
          settled.push(`rejected: ${String(err)}`);
          return undefined;
        },
      );
      assert.deepEqual(
        result?.servers.map((s) => s.resourceIdentifier),
        ['aaa111'],
      );
      await sleep(500); // the late callback has come by now
      assert.deepEqual(fake.thrown, [], 'the late callback threw');
      assert.deepEqual(settled, ['resolved']);
    } finally {
      fake.restore();
    }
  });

  it('a send that fails in time ends the discovery with that error, once', async () => {
    const fake = lateSendCallbacks(10);
    try {
      await assert.rejects(discoverServers({ address: '127.0.0.1', port: gdm.port, totalMs: 1000 }), /EHOSTUNREACH/);
      await sleep(50);
      assert.deepEqual(fake.thrown, []);
    } finally {
      fake.restore();
    }
  });
});
