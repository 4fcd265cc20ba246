// "Output 2, else Catch": the one rule every node's errors go by (nodes/error-output.ts).
import assert from 'node:assert/strict';
import type { Node, NodeMessage } from 'node-red';
import { ButlerError } from '../lib/common/errors';
import { errorOutput } from '../nodes/error-output';

/** What a node, and the send/done of one input msg, were asked to do. */
function recorder() {
  const seen = { nodeSent: [] as unknown[], nodeErrors: [] as Array<[unknown, unknown]>, sent: [] as unknown[], done: [] as unknown[] };
  const node = {
    send: (msgs: unknown) => seen.nodeSent.push(msgs),
    error: (err: unknown, msg: unknown) => seen.nodeErrors.push([err, msg]),
  } as unknown as Node;
  const input = { send: (msgs: Array<NodeMessage | null>) => seen.sent.push(msgs), done: (err?: Error) => seen.done.push(err) };
  return { seen, node, input };
}

const wired = { wires: [['a'], ['b']] };
const notWired = [{ wires: [['a'], []] }, { wires: [['a']] }, {}];

describe('errorOutput: output 2, else Catch', () => {
  const error = new ButlerError('UNREACHABLE', 'down', { statusCode: 503 });

  it('output 2 wired, a msg from the input: the msg kept with msg.error, on output 2, then done()', () => {
    const { seen, node, input } = recorder();
    const msg = { payload: 'kept', _msgid: '1' } as NodeMessage;
    errorOutput(node, wired)(error, msg, input);
    assert.deepEqual(seen.sent, [[null, msg]]);
    assert.equal(seen.sent.length, 1);
    assert.equal((seen.sent[0] as NodeMessage[])[1], msg, 'the same msg object');
    assert.deepEqual((msg as NodeMessage & { error: unknown }).error, error.toJSON());
    assert.equal(msg.payload, 'kept');
    assert.deepEqual(seen.done, [undefined]);
    assert.deepEqual([seen.nodeSent, seen.nodeErrors], [[], []]);
  });

  for (const config of notWired) {
    it(`output 2 not wired (${JSON.stringify(config)}), a msg from the input: done(error) for Catch, nothing sent, msg.error not set`, () => {
      const { seen, node, input } = recorder();
      const msg = { payload: 'kept' } as NodeMessage;
      errorOutput(node, config)(error, msg, input);
      assert.deepEqual(seen.done, [error]);
      assert.equal(seen.done[0], error);
      assert.ok(!('error' in msg), 'Catch sets msg.error itself (an own one would become msg._error)');
      assert.deepEqual([seen.sent, seen.nodeSent, seen.nodeErrors], [[], [], []]);
    });
  }

  it('output 2 wired, a msg the node made: node.send on output 2, msg.error set', () => {
    const { seen, node } = recorder();
    const msg = { topic: 'error', payload: null } as NodeMessage;
    errorOutput(node, wired)(error, msg);
    assert.deepEqual(seen.nodeSent, [[null, { topic: 'error', payload: null, error: error.toJSON() }]]);
    assert.deepEqual(seen.nodeErrors, []);
  });

  it('output 2 not wired, a msg the node made: node.error(error, msg) with msg.error set', () => {
    const { seen, node } = recorder();
    const msg = { topic: 'error', payload: null } as NodeMessage;
    errorOutput(node, {})(error, msg);
    assert.equal(seen.nodeErrors.length, 1);
    assert.equal(seen.nodeErrors[0][0], error);
    assert.deepEqual(seen.nodeErrors[0][1], { topic: 'error', payload: null, error: error.toJSON() });
    assert.deepEqual(seen.nodeSent, []);
  });
});
