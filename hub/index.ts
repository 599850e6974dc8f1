import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import { randomPassword } from '../protocol/index.js';
import { HubError } from './errors.js';
import { Hub } from './hub.js';
import { hubRoutes } from './http.js';
import { importLegacyHub } from './legacy-import.js';
import { installHubErrorHandler } from './http-errors.js';
import { CONSOLE_ACTOR, Operators } from './operators.js';
import { ReleaseShelf } from './releases.js';
import { openHubStore } from './store/index.js';

export { Hub } from './hub.js';
export type { HubStats } from './hub.js';
export { HubError } from './errors.js';
export { Operators, CONSOLE_ACTOR } from './operators.js';
export { HubStore, HubStoreUnavailable, openHubStore } from './store/index.js';
export type { DeviceStatus, Figures, FleetFigures, Rollout, RolloutTarget, StoredRecord } from './store/index.js';

export interface HubOptions {
  /** The embedded database's folder, used when `databaseUrl` is null. */
  dataDir: string;
  /** PostgreSQL shared by every hub instance (BRANCHLINE_HUB_DATABASE_URL). */
  databaseUrl: string | null;
  /** Connections this instance may hold in PostgreSQL. */
  maxConnections: number;
  mqtt: { url: string; username?: string; password?: string; protocolVersion: 4 | 5; clientId: string };
  /** Join the `hub` shared-subscription group; off only for a broker without shared subscriptions (the embedded aedes). */
  shared: boolean;
  http: { host: string; port: number } | null;
  publicKeyPem: string;
  heartbeatSeconds: number;
  /** This instance's name, shown on the fleet page. */
  instance: string;
  log: Logger;
}

export interface RunningHub {
  hub: Hub;
  operators: Operators;
  app: FastifyInstance;
  /** The HTTP address, when it listens. */
  url: string | null;
  close(): Promise<void>;
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  await mkdir(options.dataDir, { recursive: true });
  const store = await openHubStore({ databaseUrl: options.databaseUrl, dataDir: options.dataDir, maxConnections: options.maxConnections, log: options.log });
  const shelf = new ReleaseShelf(store, options.publicKeyPem);
  const operators = new Operators(store);
  if (!options.databaseUrl) {
    await importLegacyHub(options.dataDir, store, shelf, options.log).catch(async (err: unknown) => {
      await store.close();
      throw err;
    });
  }
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
  try {
    await hub.start(options.shared);
  } catch (err) {
    await client.endAsync(true);
    await store.close();
    throw err;
  }
  const app = Fastify({ loggerInstance: options.log as FastifyBaseLogger, bodyLimit: 2 * 1024 * 1024 });
  installHubErrorHandler(app);
  hubRoutes(app, hub, operators, { heartbeatSeconds: options.heartbeatSeconds, instance: options.instance });
  let url: string | null = null;
  if (options.http) url = await app.listen({ host: options.http.host, port: options.http.port });
  else await app.ready();
  return {
    hub,
    operators,
    app,
    url,
    async close() {
      await app.close();
      await client.endAsync();
      await store.close();
    },
  };
}

/** The operator account of a single appliance's embedded hub: made at first start, its password in a file for the appliance's user only. */
export async function localOperator(running: RunningHub, file: string): Promise<void> {
  try {
    await access(file);
    return;
  } catch {
    // Not made yet.
  }
  const account = { name: 'fleet', password: randomPassword(24) };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // The file first: an account whose password was never written down would lock this appliance's owner out.
  await writeFile(file, `${JSON.stringify(account)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await running.operators.add(account.name, 'operator', account.password, CONSOLE_ACTOR);
  } catch (err) {
    if (!(err instanceof HubError && err.kind === 'conflict')) throw err;
    await running.operators.setPassword(account.name, account.password, CONSOLE_ACTOR);
  }
}
