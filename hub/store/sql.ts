/**
 * The little the hub store needs of a SQL database, so one set of queries runs on PostgreSQL (a fleet's
 * shared database) and on SQLite (the embedded hub of a single appliance). Queries are written with
 * `$1, $2, ...` placeholders and only in SQL both engines speak; values are text, numbers, buffers or null.
 */
export type SqlValue = string | number | Buffer | null;

export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: readonly SqlValue[]): Promise<R[]>;
}

export interface SqlDb extends Sql {
  readonly engine: 'postgres' | 'sqlite';
  /** Runs `work` in one transaction: all of its writes commit together or none does. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The database cannot be reached or refused to work: nothing was stored, the caller may try again later. */
export class HubStoreUnavailable extends Error {
  override name = 'HubStoreUnavailable';
}

/** `($1, $2, $3), ($4, $5, $6), ...` for `rows` rows of `columns` values. */
export function valuesList(rows: number, columns: number): string {
  return Array.from({ length: rows }, (_, r) => `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`).join(', ');
}
