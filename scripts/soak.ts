// `npm run soak -- --days 7 --seed N [--slots K]`: simulated days of viewers and faults against the
// simulator in a real Node-RED with the playback examples deployed; exits 1 on any violation.
import { runSoak } from '../test/soak/run';
import { soakTable } from '../test/soak/report';
import { EPISODE_NAMES } from '../test/soak/script';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a whole number, got ${args[i + 1]}`);
  return n;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const days = Math.max(1, option(args, 'days', 7));
  const seed = option(args, 'seed', Date.now() % 100000);
  const slots = Math.max(3, option(args, 'slots', 6));
  const i = args.indexOf('--only');
  const only = i < 0 ? undefined : (args[i + 1] ?? '').split(',').filter((e) => e !== '');
  const unknown = only?.filter((e) => !EPISODE_NAMES.includes(e)) ?? [];
  if (unknown.length > 0 || only?.length === 0) throw new Error(`--only takes episodes from: ${EPISODE_NAMES.join(', ')}`);
  console.log(`soak: ${days} day(s), seed ${seed}, ${slots} episodes a day${only ? ` (only ${only.join(', ')})` : ''}`);
  const result = await runSoak({ days, seed, slots, only, verbose: args.includes('--verbose'), print: (line) => console.log(line) });
  for (const line of soakTable(result, seed)) console.log(line);
  process.exitCode = result.violations > 0 ? 1 : 0;
}

main().then(
  // Node-RED leaves nothing that matters running; do not wait for stray keep-alive timers.
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(2);
  },
);
