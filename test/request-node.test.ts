// The request nodes' runner (nodes/request-node.ts) with a stand-in Node-RED: the server node is
// found once, the output step shows the answer with its time and picks output 1 or 2.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import type { ButlerClient } from '../lib/butler/client';
import { ButlerError } from '../lib/common/errors';
import { RequestNodeSetup, setupRequestNode } from '../nodes/request-node';

interface Ended {
  sent: Array<Array<NodeMessage | null>>;
  err?: Error;
}

/** A flow node under a stand-in runtime: RED._ answers the key, getNode is counted. */
function standIn(server: { getClient(): ButlerClient } | null, errorWired = true) {
  const lookups: string[] = [];
  const statuses: NodeStatus[] = [];
  const RED = {
    nodes: {
      getNode: (id: string) => {
        lookups.push(id);
        return server;
      },
    },
    _: (key: string) => key,
  } as unknown as NodeAPI;
  const node = Object.assign(new EventEmitter(), { status: (s: NodeStatus) => statuses.push(s), error: () => undefined }) as unknown as Node;
  const config = { id: 'n1', type: 't', name: '', z: '', server: 's1', wires: [['a'], errorWired ? ['b'] : []] };
  /** One msg in; resolves when Node-RED's done() for it is called. */
  const receive = (msg: Record<string, unknown>): Promise<Ended> =>
    new Promise((resolve) => {
      const ended: Ended = { sent: [] };
      const send = (msgs: Array<NodeMessage | null>) => ended.sent.push(msgs);
      (node as unknown as EventEmitter).emit('input', msg as NodeMessageInFlow, send, (err?: Error) => resolve({ ...ended, err }));
    });
  return { RED, node, config, lookups, statuses, receive };
}

const client = { baseUrl: 'http://127.0.0.1:9' } as ButlerClient;
const echo: RequestNodeSetup<string> = {
  parse: (msg) => {
    if (typeof msg.payload !== 'string') throw new ButlerError('INVALID_TASK', 'no task');
    return msg.payload;
  },
  busy: (task) => `busy ${task}`,
  work: async (c, task) => {
    if (task === 'part') return { payload: { done: 1 }, status: 'part', failed: new ButlerError('SERVER_ERROR', 'half') };
    if (task === 'fail') throw new ButlerError('UNREACHABLE', 'down');
    return { payload: { task, url: c.baseUrl }, status: `did ${task}` };
  },
};

describe('the request runner', () => {
  it('finds the server node once, when the node starts: every msg then only asks it for the client', async () => {
    let asked = 0;
    const r = standIn({ getClient: () => (asked++, client) });
    setupRequestNode(r.RED, r.node, r.config, echo);
    assert.deepEqual(r.lookups, ['s1']);
    for (const task of ['a', 'b', 'c']) {
      const out = await r.receive({ payload: task });
      assert.deepEqual(out.sent, [[{ payload: { task, url: client.baseUrl } }, null]]);
    }
    assert.deepEqual(r.lookups, ['s1'], 'no lookup per msg');
    assert.equal(asked, 3);
  });

  it('no server node: each msg ends with NOT_CONFIGURED, after its input was checked', async () => {
    const r = standIn(null);
    setupRequestNode(r.RED, r.node, r.config, echo);
    const bad = await r.receive({ payload: 1 });
    assert.equal((bad.sent[0][1] as { error: { code: string } }).error.code, 'INVALID_TASK');
    const out = await r.receive({ payload: 'a' });
    assert.equal((out.sent[0][1] as { error: { code: string } }).error.code, 'NOT_CONFIGURED');
    assert.deepEqual(r.lookups, ['s1']);
  });

  it('the output step: status with the time of the answer, output 1, output 2 with what was done, Catch when output 2 is not wired', async () => {
    const r = standIn({ getClient: () => client });
    setupRequestNode(r.RED, r.node, r.config, echo);
    const ok = await r.receive({ payload: 'a', topic: 'kept' });
    assert.deepEqual(ok.sent, [[{ payload: { task: 'a', url: client.baseUrl }, topic: 'kept' }, null]]);
    assert.deepEqual(r.statuses.slice(-2).map((s) => [s.fill, String(s.text).replace(/\d\d:\d\d$/, 'HH:MM')]), [['blue', 'busy a'], ['green', 'did a · HH:MM']]);

    const part = await r.receive({ payload: 'part' });
    const sent = part.sent[0][1] as NodeMessage & { error: { code: string } };
    assert.equal(part.sent[0][0], null);
    assert.deepEqual(sent.payload, { done: 1 }, 'what was done');
    assert.equal(sent.error.code, 'SERVER_ERROR');
    assert.deepEqual([r.statuses.at(-1)?.fill, String(r.statuses.at(-1)?.text).replace(/\d\d:\d\d$/, 'HH:MM')], ['red', 'SERVER_ERROR · HH:MM']);

    const c = standIn({ getClient: () => client }, false);
    setupRequestNode(c.RED, c.node, c.config, echo);
    const caught = await c.receive({ payload: 'fail' });
    assert.deepEqual(caught.sent, []);
    assert.equal((caught.err as ButlerError).code, 'UNREACHABLE');
  });
});
