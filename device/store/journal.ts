import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { diskLooksWritable } from './disk.js';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { describeWriteFailure, isDiskFault, StoreError, toStoreError } from './errors.js';
import { lockStoreFile } from './lock.js';
import { migrateTables, type TableOwner } from './schema-versions.js';
import type { StoreHealth } from './health.js';

/** A write in progress: announce the facts it records, or run something once it is committed. */
export interface Tx<E> {
  /**
   * Announces a fact this write records. Handlers registered with `Journal.inTransaction` (the cloud
   * outbox) run at once, inside the same transaction; bus listeners hear of it after the commit, and
   * never when the write rolls back.
   */
  emit<K extends keyof E & string>(name: K, payload: E[K]): void;
  /** Runs after the commit (an in-memory index catching up); not at all if the write fails. */
  afterCommit(fn: () => void): void;
}

interface Queued<E> {
  fn: (tx: Tx<E>) => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

class PendingTx<E> implements Tx<E> {
  readonly after: (() => void)[] = [];
  constructor(private readonly journal: Journal<E>) {}
  emit<K extends keyof E & string>(name: K, payload: E[K]): void {
    this.journal.runInTransaction(name, payload, this);
    this.after.push(() => this.journal.announce(name, payload));
  }
  afterCommit(fn: () => void): void {
    this.after.push(fn);
  }
}

/**
 * Writes in one batch: enough to share one fsync under a burst, few enough that a batch holds the
 * event loop for a few milliseconds at most.
 */
const MAX_BATCH = 64;

export interface JournalOptions<E> {
  owners: readonly TableOwner[];
  /** Tells the rest of the appliance (the bus) of a committed fact. */
  announce: <K extends keyof E & string>(name: K, payload: E[K]) => void;
  /** Called when a handler or listener run after a commit throws: the write itself stands. */
  onAfterCommitError?: (err: unknown) => void;
}

/**
 * The appliance's journals: one SQLite database (WAL, synchronous FULL, so a write is on disk, kill -9
 * or power cut, when its promise resolves). Writes queued in the same turn of the event loop share one
 * transaction and one fsync; each runs in its own savepoint, so one that throws is undone alone and its
 * caller gets the error, while a commit that fails (disk full, read-only) fails every write in it and
 * leaves the database as it was. Repositories read with their own prepared statements on `db`.
 */
export class Journal<E> {
  private queue: Queued<E>[] = [];
  private scheduled = false;
  private readonly inTx = new Map<string, ((payload: never, tx: Tx<E>) => void)[]>();
  private failure: { at: string; reason: string } | null = null;
  private commits = 0;
  private closed = false;

  private constructor(
    readonly db: Database,
    readonly file: string,
    private readonly unlock: () => void,
    private readonly options: JournalOptions<E>,
    readonly versions: Record<string, number>,
  ) {}

  static async open<E>(file: string, options: JournalOptions<E>): Promise<Journal<E>> {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    let unlock: () => void;
    try {
      unlock = lockStoreFile(file);
    } catch (err) {
      throw new StoreError(`journal ${(err as Error).message}`, 'locked');
    }
    let db: Database | null = null;
    try {
      // Who may read the journals may read customers' words: only the appliance's user. SQLite gives
      // the -wal and -shm files the mode of the database file.
      closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
      db = new BetterSqlite3(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 2000');
      // No integrity scan here: it reads the whole file (seconds for a year of data) and WAL with full
      // sync does not tear pages; a damaged page still fails its query with SQLITE_CORRUPT.
      const versions = await migrateTables(db, options.owners);
      return new Journal<E>(db, file, unlock, options, versions);
    } catch (err) {
      db?.close();
      unlock();
      throw err instanceof StoreError ? err : toStoreError(err, `journal ${file} cannot be opened`);
    }
  }

  /** Registers a handler that runs inside the transaction of every write announcing `name`; if it throws, the write is undone. */
  inTransaction<K extends keyof E & string>(name: K, handler: (payload: E[K], tx: Tx<E>) => void): () => void {
    const list = this.inTx.get(name) ?? [];
    const entry = handler as (payload: never, tx: Tx<E>) => void;
    list.push(entry);
    this.inTx.set(name, list);
    return () => void list.splice(list.indexOf(entry), 1);
  }

  /** @internal for Tx */
  runInTransaction<K extends keyof E & string>(name: K, payload: E[K], tx: Tx<E>): void {
    for (const handler of this.inTx.get(name) ?? []) (handler as (p: E[K], t: Tx<E>) => void)(payload, tx);
  }

  /** @internal for Tx */
  announce<K extends keyof E & string>(name: K, payload: E[K]): void {
    this.options.announce(name, payload);
  }

  /**
   * Runs `fn` in a transaction and resolves with its result once the transaction is on disk. `fn` must
   * be synchronous and must not change memory outside the database (use `tx.afterCommit`): a write
   * that fails changes nothing.
   */
  write<T>(fn: (tx: Tx<E>) => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('the journal is closed', 'closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, MAX_BATCH);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (this.closed) {
      for (const item of batch) item.reject(new StoreError('the journal is closed', 'closed'));
      return;
    }
    const applied: { item: Queued<E>; result: unknown; tx: PendingTx<E> }[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      this.failAll(batch, err);
      return;
    }
    for (const item of batch) {
      const tx = new PendingTx<E>(this);
      this.db.exec('SAVEPOINT fact');
      try {
        const result = item.fn(tx);
        this.db.exec('RELEASE fact');
        applied.push({ item, result, tx });
      } catch (err) {
        if (!this.db.inTransaction) {
          // SQLite gave the whole transaction up (a full disk does that): nothing in this batch stands.
          this.failAll([...applied.map((a) => a.item), ...batch.slice(batch.indexOf(item))], err);
          return;
        }
        this.db.exec('ROLLBACK TO fact');
        this.db.exec('RELEASE fact');
        item.reject(isDiskFault(err) ? toStoreError(err, 'write failed') : err);
      }
    }
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.failAll(applied.map((a) => a.item), err);
      return;
    }
    this.commits += 1;
    this.failure = null;
    for (const { item, result, tx } of applied) {
      for (const after of tx.after) {
        try {
          after();
        } catch (err) {
          this.options.onAfterCommitError?.(err);
        }
      }
      item.resolve(result);
    }
  }

  private failAll(items: Queued<E>[], err: unknown): void {
    if (!isDiskFault(err)) {
      for (const item of items) item.reject(err);
      return;
    }
    const error = toStoreError(err, 'write failed');
    if (error.kind === 'unavailable' || error.kind === 'corrupt') this.failure = { at: new Date().toISOString(), reason: describeWriteFailure(err) };
    for (const item of items) item.reject(error);
  }

  /**
   * Down after a failed write until a later one succeeds; a disk that has space again and is writable
   * is reported up at once, so the health check need not write to find out.
   */
  health(): StoreHealth {
    if (this.closed) return { up: false, detail: 'journal closed' };
    if (this.failure && diskLooksWritable(this.file)) this.failure = null;
    if (this.failure) return { up: false, detail: `journal write failed at ${this.failure.at}: ${this.failure.reason}` };
    return { up: true, detail: `journal ${this.file}, ${this.commits} commits since start` };
  }

  /** Commits the writes still queued, closes the database and releases it for another process. */
  close(): void {
    if (this.closed) return;
    while (this.queue.length > 0) this.flush();
    this.closed = true;
    try {
      this.db.close();
    } finally {
      this.unlock();
    }
  }
}
