import path from 'node:path';
import type { Logger } from 'pino';
import { HubStore } from './hub-store.js';
import { PostgresDb } from './postgres.js';
import { SqliteDb } from './sqlite.js';

export { HubStore } from './hub-store.js';
export type { Activity, AuditEntry, DeviceRolloutState, DeviceStatus, Figures, FleetFigures, Operator, OperatorRole, Rollout, RolloutTarget, SealedRelease, StoredRecord } from './hub-store.js';
export { HubStoreUnavailable } from './sql.js';

export interface HubDatabaseOptions {
  /** PostgreSQL shared by every hub instance; without it, an SQLite file in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  /** Connections this instance may hold in PostgreSQL. */
  maxConnections: number;
  log: Logger;
}

export async function openHubStore(options: HubDatabaseOptions): Promise<HubStore> {
  const db = options.databaseUrl
    ? await PostgresDb.open({ url: options.databaseUrl, maxConnections: options.maxConnections, log: options.log })
    : await SqliteDb.open(path.join(options.dataDir, 'hub.db'));
  return new HubStore(db);
}
