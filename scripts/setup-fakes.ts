// `npm start` in simulator mode: a fake plex.tv (with its sign-in page) and a fake GDM responder on
// 127.0.0.1, so Sign in with Plex and Find servers work end to end with no account and no network.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { FakePlexTv, startFakePlexTv } from '../sim/plextv';
import { FakeGdm, startFakeGdm } from '../sim/gdm';
import { ButlerSimulator, startSimulator } from '../sim/simulator';

export interface SetupFakes {
  /** The `plexButler` section for settings.js. */
  settings: { plexTvUrl: string; authUrl: string; gdmAddress: string; gdmPort: number };
  plexTv: FakePlexTv;
  gdm: FakeGdm;
  close(): Promise<void>;
}

/** A port nothing listens on (for the demo's unreachable connection). */
function deadPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The fakes list the simulator at its own address, with its own token and identity (name, version,
 * machine identifier): the server Sign in with Plex and Find servers offer is the one Test connection
 * reaches.
 */
export async function startSetupFakes(sim: ButlerSimulator): Promise<SetupFakes> {
  const simPort = Number(new URL(sim.url).port);
  const { name, version, machineIdentifier } = sim.identity;
  const friend = await startSimulator({ sharedToken: 'demo-shared-user-token', name: "A friend's Plex" });
  const plexTv: FakePlexTv = await startFakePlexTv({
    servers: [
      {
        name,
        version,
        clientIdentifier: machineIdentifier,
        owned: true,
        accessToken: sim.token,
        connections: [
          { uri: `https://127.0.0.1:${simPort}`, local: true }, // TLS to a plain-HTTP port: a certificate problem
          { uri: sim.url, local: true },
          { uri: `http://127.0.0.1:${await deadPort()}`, local: false }, // nobody listens
          { uri: `http://localhost:${simPort}`, local: false, relay: true },
        ],
      },
      { name: friend.identity.name, version: friend.identity.version, clientIdentifier: friend.identity.machineIdentifier, owned: false, accessToken: 'demo-shared-user-token', connections: [{ uri: friend.url, local: false }] },
    ],
  });
  const gdm: FakeGdm = await startFakeGdm({
    servers: [
      { name, version, port: simPort, resourceIdentifier: machineIdentifier },
      { name: 'Attic: nobody home', port: await deadPort(), resourceIdentifier: 'attic' },
    ],
    copies: 2,
    garbage: true,
  });
  return {
    settings: { plexTvUrl: plexTv.url, authUrl: plexTv.authUrl, gdmAddress: '127.0.0.1', gdmPort: gdm.port },
    plexTv,
    gdm,
    close: async () => {
      await Promise.all([plexTv.close(), gdm.close(), friend.close()]);
    },
  };
}
