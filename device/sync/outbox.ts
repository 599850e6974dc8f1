import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { TableOwner, Tx } from '../store/index.js';
import type { DurableStream, OutboxRecord } from '../../protocol/index.js';

export const outboxTables: TableOwner = { owner: 'outbox', dir: new URL('./sql/', import.meta.url) };

/** What the outbox needs of a write in progress. */
export type OutboxTx = Pick<Tx<unknown>, 'afterCommit'>;

/** What the outbox needs of the journal: its database, and writes of its own for receipts and fact-less records. */
export interface OutboxJournal {
  readonly db: Database;
  write<T>(fn: (tx: OutboxTx) => T): Promise<T>;
}

interface Row {
  stream: DurableStream;
  seq: number;
  id: string;
  at: string;
  data: string;
}

/**
 * The device's durable outbox: a table in the journal. A record is added inside the transaction of
 * the fact it describes, so a fact is committed with its record or not at all, whenever the process
 * dies; its sequence number comes from its stream's row in the same statement (see the SQL), so numbers
 * never repeat and never leave a gap. Records leave only through `removeRange`, which the publisher
 * calls when the hub's receipt says they are stored in the cloud.
 */
export class Outbox {
  private readonly listeners: (() => void)[] = [];
  private readonly insert: Statement<[string, string, string, string], { seq: number }>;
  private readonly insertAt: Statement<[string, number, string, string, string]>;
  private readonly raise: Statement<[number, string]>;
  private readonly select: Statement<[string, number, number], Row>;
  private readonly remove: Statement<[string, number, number]>;
  private readonly last: Statement<[string], number>;
  private readonly pending: Statement<[], number>;
  private readonly notify = (): void => {
    for (const listener of this.listeners) listener();
  };

  constructor(private readonly journal: OutboxJournal) {
    const db = journal.db;
    this.insert = db.prepare(
      'INSERT INTO outbox_records (stream, seq, id, at, data) SELECT stream, last_seq + 1, ?, ?, ? FROM outbox_streams WHERE stream = ? RETURNING seq',
    );
    this.insertAt = db.prepare('INSERT INTO outbox_records (stream, seq, id, at, data) VALUES (?, ?, ?, ?, ?)');
    this.raise = db.prepare('UPDATE outbox_streams SET last_seq = max(last_seq, ?) WHERE stream = ?');
    this.select = db.prepare('SELECT stream, seq, id, at, data FROM outbox_records WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.remove = db.prepare('DELETE FROM outbox_records WHERE stream = ? AND seq BETWEEN ? AND ?');
    this.last = db.prepare<[string], number>('SELECT last_seq FROM outbox_streams WHERE stream = ?').pluck();
    this.pending = db.prepare<[], number>('SELECT coalesce(sum(pending), 0) FROM outbox_streams').pluck();
  }

  /**
   * Adds a record to its stream within the write `tx` (an in-transaction handler's): it is committed
   * with that write's facts, or not at all. Throws when it cannot be stored, which fails the write.
   */
  add(tx: OutboxTx, stream: DurableStream, data: unknown, at = new Date().toISOString()): OutboxRecord {
    this.assertInWrite('add');
    const id = randomUUID();
    const row = this.insert.get(id, at, JSON.stringify(data), stream);
    if (!row) throw new Error(`the outbox has no stream "${stream}"`);
    tx.afterCommit(this.notify);
    return { id, stream, seq: row.seq, at, data };
  }

  /**
   * Takes over the backlog of the v7 outbox (LevelDB) within the write `tx`, each record with its own
   * stream, number and id, and raises each stream's counter to at least `lastSeqs` (what the old outbox
   * had handed out), so a record added later never takes a number the hub already holds. Only records
   * above their stream's counter are inserted: run again (a crash before the old outbox was set aside),
   * it inserts nothing and changes nothing. Returns how many records it inserted.
   */
  importRecords(tx: OutboxTx, records: readonly OutboxRecord[], lastSeqs: ReadonlyMap<DurableStream, number>): number {
    this.assertInWrite('importRecords');
    const counters = new Map<DurableStream, number>();
    for (const stream of [...records.map((r) => r.stream), ...lastSeqs.keys()]) {
      const last = this.last.get(stream);
      if (last === undefined) throw new Error(`the outbox has no stream "${stream}"`);
      counters.set(stream, last);
    }
    let inserted = 0;
    for (const record of [...records].sort((a, b) => a.seq - b.seq)) {
      if (record.seq <= counters.get(record.stream)!) continue;
      // The old outbox deleted confirmed records, so its backlog starts above 1: the numbers below it
      // were handed out there. The trigger still checks that this record takes the next one.
      this.raise.run(record.seq - 1, record.stream);
      this.insertAt.run(record.stream, record.seq, record.id, record.at, JSON.stringify(record.data));
      inserted += 1;
    }
    for (const [stream, seq] of lastSeqs) this.raise.run(seq, stream);
    if (inserted > 0) tx.afterCommit(this.notify);
    return inserted;
  }

  /** Adds a record that describes no stored fact (a release's status) in a write of its own; resolves once it is durable. */
  record(stream: DurableStream, data: unknown, at?: string): Promise<OutboxRecord> {
    return this.journal.write((tx) => this.add(tx, stream, data, at));
  }

  /** The oldest records of one stream still waiting after `after`, in order. */
  peek(stream: DurableStream, limit: number, after = 0): OutboxRecord[] {
    return this.select.all(stream, after, limit).map(({ data, ...row }) => ({ ...row, data: JSON.parse(data) as unknown }));
  }

  /**
   * Removes the records of a stream from `first` to `last` that are still here (the hub has stored
   * them); returns how many. Writes are applied one after another, so of two receipts for one batch
   * (for it and for its resend) only the first finds the records.
   */
  removeRange(stream: DurableStream, first: number, last: number): Promise<number> {
    return this.journal.write(() => this.remove.run(stream, first, last).changes);
  }

  /** The sequence number of the last record added to a stream (0 for none), kept when its records are removed. */
  lastSeq(stream: DurableStream): number {
    return this.last.get(stream) ?? 0;
  }

  /** Records waiting for the hub's receipt, all streams together. */
  get backlog(): number {
    return this.pending.get()!;
  }

  /** Called after a commit that added records, so the publisher wakes up. */
  onAdded(listener: () => void): void {
    this.listeners.push(listener);
  }

  private assertInWrite(method: string): void {
    // Outside a transaction each insert would commit on its own, apart from the fact it describes.
    if (!this.journal.db.inTransaction) throw new Error(`Outbox.${method} must run inside a journal write`);
  }
}
