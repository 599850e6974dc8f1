import { existsSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it } from 'vitest';
import { IMPORTED_SUFFIX, importLegacyOutbox } from '../../device/sync/legacy-outbox.js';
import { Outbox, outboxTables } from '../../device/sync/outbox.js';
import type { DurableStream, OutboxRecord } from '../../protocol/index.js';
import { openTestJournal } from '../helpers/journal.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 9, 0, s)).toISOString();
const record = (stream: DurableStream, seq: number): OutboxRecord => ({ id: `${stream}-${seq}`, stream, seq, at: at(seq), data: { stream, seq, nested: { n: [seq] } } });

/** A v7 outbox as the LevelDB code left it: confirmed records deleted, each stream's last number kept. */
async function writeV7Outbox(dir: string, records: OutboxRecord[], lastSeqs: Partial<Record<DurableStream, number>>): Promise<void> {
  const db = new ClassicLevel<string, OutboxRecord | number>(dir, { valueEncoding: 'json' });
  await db.batch([
    ...records.map((r) => ({ type: 'put' as const, key: `r!${r.stream}!${String(r.seq).padStart(16, '0')}`, value: r })),
    ...Object.entries(lastSeqs).map(([stream, seq]) => ({ type: 'put' as const, key: `s!${stream}`, value: seq })),
  ]);
  await db.close();
}

describe('importLegacyOutbox', () => {
  it('moves the v7 backlog into the journal with its own numbers, once, and sets the old outbox aside', async () => {
    const base = mkdtempSync(join(tmpdir(), 'branchline-legacy-outbox-'));
    const dir = join(base, 'outbox');
    const { journal } = await openTestJournal([outboxTables], undefined, base);
    const outbox = new Outbox(journal);
    expect(await importLegacyOutbox(dir, outbox, journal)).toBeNull();

    // Receipts confirmed the start of each backlog and, for scorecards and tickets, some later ranges too.
    const scorecards = [3, 4, 5].map((seq) => record('scorecard', seq));
    const tickets = [2, 5].map((seq) => record('ticket', seq));
    const sessions = [10, 11].map((seq) => record('session', seq));
    await writeV7Outbox(dir, [...sessions, ...tickets, ...scorecards], { scorecard: 8, ticket: 6, session: 12, emotion: 4, rollout: 2 });
    // The journal's counter is kept when it is ahead of the old one.
    await journal.write((tx) => [1, 2, 3].forEach((n) => outbox.add(tx, 'rollout', { n }, at(n))));
    const wakes: number[] = [];
    outbox.onAdded(() => wakes.push(outbox.backlog));

    expect(await importLegacyOutbox(dir, outbox, journal)).toEqual({ records: 7 });
    expect(outbox.peek('scorecard', 10)).toEqual(scorecards);
    expect(outbox.peek('ticket', 10)).toEqual(tickets);
    expect(outbox.peek('session', 1, 10)).toEqual([sessions[1]]);
    const streams = ['scorecard', 'ticket', 'session', 'emotion', 'rollout'] as const;
    expect(streams.map((s) => outbox.lastSeq(s))).toEqual([8, 6, 12, 4, 3]);
    expect([outbox.backlog, wakes]).toEqual([10, [10]]);
    expect([existsSync(dir), existsSync(dir + IMPORTED_SUFFIX)]).toEqual([false, true]);

    // A crash after the commit and before the rename: the old outbox is still where it was.
    const tables = () => [journal.db.prepare('SELECT * FROM outbox_records ORDER BY stream, seq').all(), journal.db.prepare('SELECT * FROM outbox_streams ORDER BY stream').all()];
    const imported = tables();
    renameSync(dir + IMPORTED_SUFFIX, dir);
    expect(await importLegacyOutbox(dir, outbox, journal)).toEqual({ records: 0 });
    expect(tables()).toEqual(imported);
    expect([existsSync(dir), existsSync(dir + IMPORTED_SUFFIX)]).toEqual([false, true]);
    expect(await importLegacyOutbox(dir, outbox, journal)).toBeNull();

    expect((await outbox.record('scorecard', { after: 'upgrade' })).seq).toBe(9);
    expect((await outbox.record('emotion', { after: 'upgrade' })).seq).toBe(5);
    expect(outbox.peek('scorecard', 10).map((r) => r.seq)).toEqual([3, 4, 5, 9]);
    journal.close();
  });

  it('refuses records of a stream the journal does not have, importing nothing', async () => {
    const base = mkdtempSync(join(tmpdir(), 'branchline-legacy-outbox-'));
    const dir = join(base, 'outbox');
    const { journal } = await openTestJournal([outboxTables], undefined, base);
    const outbox = new Outbox(journal);
    await writeV7Outbox(dir, [record('scorecard', 1), { ...record('scorecard', 1), stream: 'retired' as DurableStream }], { scorecard: 1 });
    await expect(importLegacyOutbox(dir, outbox, journal)).rejects.toThrow('the outbox has no stream "retired"');
    expect([outbox.backlog, outbox.lastSeq('scorecard'), existsSync(dir)]).toEqual([0, 0, true]);
    journal.close();
  });
});
