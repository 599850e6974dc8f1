import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import Postgrator from 'postgrator';
import { HubStoreUnavailable, type Sql, type SqlDb, type SqlValue } from './sql.js';

const MIGRATIONS = fileURLToPath(new URL('./sql/', import.meta.url));
const UNAVAILABLE = /^SQLITE_(FULL|IOERR|READONLY|BUSY|LOCKED|CANTOPEN)/;

/** A full or read-only disk, or a file another process holds: nothing was stored, and it may pass. */
function named(err: unknown): Error {
  if (err instanceof HubStoreUnavailable || !UNAVAILABLE.test(String((err as { code?: unknown }).code))) return err as Error;
  return new HubStoreUnavailable(`the hub database cannot be written: ${(err as Error).message}`);
}

/**
 * The embedded hub's database: one SQLite file, WAL, and `synchronous = FULL` because a batch is
 * acknowledged to its device (which then deletes it) once committed here. better-sqlite3 is synchronous,
 * so a transaction whose work awaits holds a lock that every other query waits for, in order.
 */
export class SqliteDb implements SqlDb {
  readonly engine = 'sqlite';
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: Database.Database) {}

  static async open(file: string): Promise<SqliteDb> {
    await mkdir(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const migrator = new Postgrator({
      driver: 'sqlite3',
      migrationPattern: `${MIGRATIONS}*.sql`,
      schemaTable: 'schema_version_hub',
      validateChecksums: true,
      execQuery: async (query: string) => {
        const statement = db.prepare(query);
        return { rows: statement.reader ? statement.all() : (statement.run(), []) };
      },
      execSqlScript: async (script: string) => void db.exec(script),
    });
    await migrator.migrate();
    return new SqliteDb(db);
  }

  private run<R>(text: string, params: readonly SqlValue[]): R[] {
    try {
      const statement = this.db.prepare(text.replace(/\$(\d+)/g, '@p$1'));
      const named = Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));
      return (statement.reader ? statement.all(named) : (statement.run(named), [])) as R[];
    } catch (err) {
      throw named(err);
    }
  }

  /** Runs `task` after every task queued before it. */
  private inTurn<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  query<R = Record<string, unknown>>(text: string, params: readonly SqlValue[] = []): Promise<R[]> {
    return this.inTurn(async () => this.run<R>(text, params));
  }

  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return this.inTurn(async () => {
      try {
        this.db.exec('BEGIN IMMEDIATE');
        const result = await work({ query: async <R>(text: string, params: readonly SqlValue[] = []) => this.run<R>(text, params) });
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw named(err);
      }
    });
  }

  async close(): Promise<void> {
    await this.inTurn(async () => this.db.close());
  }
}
