import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import { randomSecret } from '../../device/crypto.js';
import { installErrorHandler } from '../../device/server/errors.js';
import { Hub } from './hub.js';
import { HubStore } from './hub-store.js';
import { hubRoutes } from './http.js';
import { ReleaseShelf } from './releases.js';

export { Hub, HubError } from './hub.js';
export type { HubStats } from './hub.js';
export { HubStore, kpisOf } from './hub-store.js';
export type { DeviceStatus, Kpis, Rollout, RolloutTarget, StoredRecord } from './hub-store.js';

export interface HubOptions {
  dataDir: string;
  mqtt: { url: string; username?: string; password?: string; protocolVersion: 4 | 5; clientId: string };
  /** Join the `hub` shared-subscription group; off only for a broker without shared subscriptions (the embedded aedes). */
  shared: boolean;
  http: { host: string; port: number } | null;
  token: string;
  publicKeyPem: string;
  heartbeatSeconds: number;
  log: Logger;
}

export interface RunningHub {
  hub: Hub;
  app: FastifyInstance;
  /** The HTTP address, when it listens. */
  url: string | null;
  close(): Promise<void>;
}

/** Reads the hub's API token from its data folder, creating a random one on first start. */
export async function hubToken(dataDir: string): Promise<{ token: string; created: boolean; file: string }> {
  const file = path.join(dataDir, 'hub-token');
  try {
    return { token: (await readFile(file, 'utf8')).trim(), created: false, file };
  } catch {
    await mkdir(dataDir, { recursive: true });
    const token = randomSecret();
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return { token, created: true, file };
  }
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  await mkdir(options.dataDir, { recursive: true });
  const store = await HubStore.open(path.join(options.dataDir, 'records'));
  const shelf = new ReleaseShelf(path.join(options.dataDir, 'releases'), options.publicKeyPem);
  const client = mqtt.connect(options.mqtt.url, {
    protocolVersion: options.mqtt.protocolVersion,
    clientId: options.mqtt.clientId,
    username: options.mqtt.username,
    password: options.mqtt.password,
    // A persistent session: messages that arrive while this hub restarts wait for it at the broker.
    clean: false,
    reconnectPeriod: 1000,
    ...(options.mqtt.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 24 * 3600 } } : {}),
  });
  client.on('error', (err) => options.log.warn({ err: err.message }, 'hub mqtt error'));
  const hub = new Hub(store, shelf, client, options.log);
  await hub.start(options.shared);
  const app = Fastify({ loggerInstance: options.log as FastifyBaseLogger, bodyLimit: 2 * 1024 * 1024 });
  installErrorHandler(app);
  hubRoutes(app, hub, options.token, options.heartbeatSeconds);
  let url: string | null = null;
  if (options.http) url = await app.listen({ host: options.http.host, port: options.http.port });
  else await app.ready();
  return {
    hub,
    app,
    url,
    async close() {
      await app.close();
      await client.endAsync();
      await store.close();
    },
  };
}
