import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Postgrator from 'postgrator';
import type { Logger } from 'pino';
import { HubStoreUnavailable, type Sql, type SqlDb, type SqlValue } from './sql.js';

const MIGRATIONS = fileURLToPath(new URL('./sql/', import.meta.url));
/** Any constant shared by every hub: the instances that start together take turns to migrate. */
const MIGRATION_LOCK = 7_361_204_519;

export interface PostgresOptions {
  url: string;
  /** Connections this instance may hold; the database's max_connections must cover every instance's. */
  maxConnections: number;
  log: Logger;
}

// COUNT and SUM of integers are int8 and numeric; every figure the hub keeps is far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Errors that say the database is away or overloaded, not that the query is wrong. */
function unavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (/^(08|53|57P)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test((err as Error).message ?? '');
}

function named(err: unknown): Error {
  return unavailable(err) ? new HubStoreUnavailable(`the hub database is unavailable: ${(err as Error).message}`) : (err as Error);
}

/** The fleet's shared database: every hub instance reads and writes the same tables through a bounded pool. */
export class PostgresDb implements SqlDb {
  readonly engine = 'postgres';

  private constructor(private readonly pool: pg.Pool) {}

  static async open(options: PostgresOptions): Promise<PostgresDb> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      // A query stuck behind a lock or a failing disk fails instead of holding its device's batch forever.
      statement_timeout: 30_000,
      query_timeout: 35_000,
      application_name: 'branchline-hub',
      types,
    });
    // An idle connection the server closed (a restart, a failover) is an event, not a crash.
    pool.on('error', (err) => options.log.warn({ err: err.message }, 'hub database connection lost'));
    const db = new PostgresDb(pool);
    await db.migrate();
    return db;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect().catch((err: unknown) => {
      throw named(err);
    });
    const lost = (): void => undefined;
    client.on('error', lost);
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      const migrator = new Postgrator({
        driver: 'pg',
        migrationPattern: `${MIGRATIONS}*.sql`,
        schemaTable: 'schema_version_hub',
        validateChecksums: true,
        execQuery: (query: string) => client.query(query),
      });
      await migrator.migrate();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.off('error', lost);
      client.release();
    }
  }

  async query<R = Record<string, unknown>>(text: string, params: readonly SqlValue[] = []): Promise<R[]> {
    try {
      return (await this.pool.query(text, params as SqlValue[])).rows as R[];
    } catch (err) {
      throw named(err);
    }
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw named(err);
    }
    let broken = false;
    // A connection that dies while checked out emits 'error' on the client itself, which the pool's
    // handler does not cover; unheard, it would end the process. The failing query rejects anyway.
    const lost = (): void => void (broken = true);
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const result = await work({ query: async <R>(text: string, params: readonly SqlValue[] = []) => (await client.query(text, params as SqlValue[])).rows as R[] });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      broken = unavailable(err);
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw named(err);
    } finally {
      client.off('error', lost);
      // A connection that failed mid-transaction is dropped rather than handed to the next caller.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
