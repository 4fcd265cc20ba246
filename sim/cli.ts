// Runs the Butler simulator until SIGINT/SIGTERM. Env: PORT (default 32499), TOKEN (default random).
import { CONTROL_USAGE, startSimulator } from './simulator';

async function main(): Promise<void> {
  const port = process.env.PORT ? Number(process.env.PORT) : 32499;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad PORT: ${process.env.PORT}`);
  const sim = await startSimulator({ port, token: process.env.TOKEN || undefined });
  console.log(`Plex Butler simulator listening on ${sim.url}`);
  console.log(`X-Plex-Token: ${sim.token}`);
  console.log(`Playback controls (no token), e.g. curl -X POST '${sim.url}/__sim/play?user=alice&title=Pilot'`);
  for (const line of CONTROL_USAGE) console.log(`  ${line}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
