import { randomUUID } from 'node:crypto';
import { ClassicLevel } from 'classic-level';
import { DURABLE_STREAMS, type DurableStream, type OutboxRecord } from './protocol.js';

const SEQ_WIDTH = 16;
const recordKey = (stream: string, seq: number) => `r!${stream}!${String(seq).padStart(SEQ_WIDTH, '0')}`;
const seqKey = (stream: string) => `s!${stream}`;

interface Pending {
  record: OutboxRecord;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * The device's durable outbox: a LevelDB database next to the store. The store is one JSON document
 * rewritten on every change, which would mean rewriting a backlog of 100,000 records for each one added
 * or acknowledged; LevelDB appends to a log instead. Records added in the same tick are written in one
 * synced batch, and `add` resolves only after that batch is on disk, so a kill -9 keeps every added
 * record. Records leave only through `removeRange`, which the publisher calls when the hub's receipt
 * says they are stored in the cloud.
 */
export class Outbox {
  private readonly nextSeq = new Map<DurableStream, number>();
  private pending: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private backlogCount = 0;
  private removals: Promise<unknown> = Promise.resolve();
  private readonly listeners: (() => void)[] = [];

  private constructor(private readonly db: ClassicLevel<string, OutboxRecord | number>) {}

  static async open(dir: string): Promise<Outbox> {
    const db = new ClassicLevel<string, OutboxRecord | number>(dir, { valueEncoding: 'json' });
    await db.open();
    const outbox = new Outbox(db);
    for (const stream of DURABLE_STREAMS) {
      const last = (await db.get(seqKey(stream))) as number | undefined;
      outbox.nextSeq.set(stream, (last ?? 0) + 1);
    }
    for await (const _ of db.keys({ gt: 'r!', lt: 'r~' })) outbox.backlogCount += 1;
    return outbox;
  }

  /** Adds a record to its stream; resolves once it is durable. */
  add(stream: DurableStream, data: unknown, at = new Date().toISOString()): Promise<OutboxRecord> {
    const seq = this.nextSeq.get(stream)!;
    this.nextSeq.set(stream, seq + 1);
    const record: OutboxRecord = { id: randomUUID(), stream, seq, at, data };
    return new Promise<OutboxRecord>((resolve, reject) => {
      this.pending.push({ record, resolve: () => resolve(record), reject });
      if (!this.flushing) this.flushing = new Promise<void>((done) => setImmediate(done)).then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const last = new Map<DurableStream, number>();
      const ops: { type: 'put'; key: string; value: OutboxRecord | number }[] = batch.map(({ record }) => {
        last.set(record.stream, record.seq);
        return { type: 'put', key: recordKey(record.stream, record.seq), value: record };
      });
      for (const [stream, seq] of last) ops.push({ type: 'put', key: seqKey(stream), value: seq });
      try {
        await this.db.batch(ops, { sync: true });
        this.backlogCount += batch.length;
        for (const p of batch) p.resolve();
        for (const listener of this.listeners) listener();
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
      }
    }
    this.flushing = null;
  }

  /** The oldest records of one stream still waiting, in order. */
  async peek(stream: DurableStream, limit: number, after = 0): Promise<OutboxRecord[]> {
    const out: OutboxRecord[] = [];
    const iterator = this.db.values({ gt: recordKey(stream, after), lt: `r!${stream}!~`, limit });
    for await (const value of iterator) out.push(value as OutboxRecord);
    return out;
  }

  /** Removes the records of a stream from `first` to `last` that are still here (the hub has stored them); returns how many. */
  removeRange(stream: DurableStream, first: number, last: number): Promise<number> {
    // One at a time: two receipts for the same batch (one for it, one for its resend) must not both
    // find its records and both count them as removed.
    const removal = this.removals.then(() => this.removeNow(stream, first, last));
    this.removals = removal.catch(() => undefined);
    return removal;
  }

  private async removeNow(stream: DurableStream, first: number, last: number): Promise<number> {
    const keys: string[] = [];
    for await (const key of this.db.keys({ gte: recordKey(stream, first), lte: recordKey(stream, last) })) keys.push(key);
    if (keys.length === 0) return 0;
    await this.db.batch(
      keys.map((key) => ({ type: 'del' as const, key })),
      { sync: true },
    );
    this.backlogCount -= keys.length;
    return keys.length;
  }

  /** The sequence number of the last record added to a stream (0 for none), which survives restarts. */
  lastSeq(stream: DurableStream): number {
    return this.nextSeq.get(stream)! - 1;
  }

  get backlog(): number {
    return this.backlogCount;
  }

  /** Called after records were added, so the publisher wakes up. */
  onAdded(listener: () => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.db.close();
  }
}
