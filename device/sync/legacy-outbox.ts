import { rename, stat } from 'node:fs/promises';
import type { DurableStream, OutboxRecord } from '../../protocol/index.js';
import type { Outbox, OutboxJournal } from './outbox.js';

/** Where the v7 outbox is kept once its records are in the journal: set aside, not deleted. */
export const IMPORTED_SUFFIX = '.v7-imported';

/**
 * Moves the v7 outbox (a LevelDB dir, keys `r!<stream>!<seq>` for records and `s!<stream>` for the last
 * number handed out) into the journal's outbox in one write, then sets the dir aside as
 * `<dir>.v7-imported`. Without it the unconfirmed records would never be sent, and numbers would start
 * again at 1, so the hub, which keys records by device, stream and number, would overwrite older ones.
 * Run it before anything adds to the outbox. Returns null when there is no v7 outbox; a crash between
 * the commit and the rename leaves the dir in place, and the next run imports nothing again.
 */
export async function importLegacyOutbox(dir: string, outbox: Outbox, journal: OutboxJournal): Promise<{ records: number } | null> {
  try {
    await stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // Only an upgrading device needs LevelDB, once: the rest never loads it.
  const { ClassicLevel } = await import('classic-level');
  const db = new ClassicLevel<string, OutboxRecord | number>(dir, { valueEncoding: 'json', createIfMissing: false });
  await db.open();
  let records: number;
  try {
    const backlog: OutboxRecord[] = [];
    for await (const value of db.values({ gt: 'r!', lt: 'r~' })) backlog.push(value as OutboxRecord);
    const lastSeqs = new Map<DurableStream, number>();
    for await (const [key, value] of db.iterator({ gt: 's!', lt: 's~' })) lastSeqs.set(key.slice(2) as DurableStream, value as number);
    records = await journal.write((tx) => outbox.importRecords(tx, backlog, lastSeqs));
  } finally {
    await db.close();
  }
  await rename(dir, dir + IMPORTED_SUFFIX);
  return { records };
}
