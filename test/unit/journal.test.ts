import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../device/bus.js';
import { Journal, type TableOwner } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';

const notes: TableOwner = { owner: 'demo', dir: new URL('../fixtures/journal-demo/sql/', import.meta.url) };
const notesV2Broken: TableOwner = { owner: 'demo', dir: new URL('../fixtures/journal-demo/sql-v2/', import.meta.url) };
const ended = (callId: string) => ({ callId, sessionId: null, reason: 'agent-ended', at: '2026-12-01T00:00:00.000Z' }) as never;

describe('journal', () => {
  it('commits writes of one turn together, undoes only the one that throws, and announces only what committed', async () => {
    const { journal, bus } = await openTestJournal([notes]);
    const insert = journal.db.prepare('INSERT INTO demo_notes (id, body, at) VALUES (?, ?, ?)');
    const heard: string[] = [];
    bus.on('call.ended', (e) => void heard.push(e.callId));
    const after: string[] = [];
    const results = await Promise.allSettled([
      journal.write((tx) => { insert.run('a', 'kept', 't1'); tx.emit('call.ended', ended('a')); tx.afterCommit(() => after.push('a')); return 'a'; }),
      journal.write((tx) => { insert.run('b', 'undone', 't2'); tx.emit('call.ended', ended('b')); tx.afterCommit(() => after.push('b')); throw new Error('bad input'); }),
      journal.write(() => insert.run('a', 'duplicate', 't3')),
      journal.write(() => { insert.run('c', 'kept too', 't4'); return 'c'; }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('bad input');
    expect((results[2] as PromiseRejectedResult).reason.message).toMatch(/UNIQUE constraint failed/);
    expect(journal.db.prepare('SELECT id, body FROM demo_notes ORDER BY id').all()).toEqual([{ id: 'a', body: 'kept' }, { id: 'c', body: 'kept too' }]);
    expect(heard).toEqual(['a']);
    expect(after).toEqual(['a']);
    journal.close();
  });

  it('runs in-transaction handlers inside the write: a handler that throws undoes the fact', async () => {
    const { journal } = await openTestJournal([notes]);
    const insert = journal.db.prepare('INSERT INTO demo_notes (id, body, at) VALUES (?, ?, ?)');
    journal.inTransaction('call.ended', (e) => {
      if (e.callId === 'refused') throw new Error('outbox refused');
      insert.run(`${e.callId}-outbox`, 'outbox row', 't');
    });
    await journal.write((tx) => { insert.run('ok', 'fact', 't'); tx.emit('call.ended', ended('ok')); });
    await expect(journal.write((tx) => { insert.run('refused', 'fact', 't'); tx.emit('call.ended', ended('refused')); })).rejects.toThrow('outbox refused');
    expect(journal.db.prepare('SELECT id FROM demo_notes ORDER BY id').pluck().all()).toEqual(['ok', 'ok-outbox']);
    journal.close();
  });

  it('keeps the database private to the appliance user and what was written across a reopen', async () => {
    const { journal, file } = await openTestJournal([notes]);
    await journal.write(() => journal.db.prepare('INSERT INTO demo_notes (id, body, at) VALUES (?, ?, ?)').run('x', 'kept', 't'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    journal.close();
    const again = await Journal.open(file, { owners: [notes], announce: () => undefined });
    expect(again.db.prepare('SELECT body FROM demo_notes').pluck().all()).toEqual(['kept']);
    expect(again.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(again.db.pragma('synchronous', { simple: true })).toBe(2);
    again.close();
  });

  it('commits writes still queued when it closes, and refuses writes after', async () => {
    const { journal, file } = await openTestJournal([notes]);
    const pending = journal.write(() => journal.db.prepare('INSERT INTO demo_notes (id, body, at) VALUES (?, ?, ?)').run('late', 'kept', 't'));
    journal.close();
    await pending;
    await expect(journal.write(() => undefined)).rejects.toThrow(/closed/);
    const again = await Journal.open(file, { owners: [notes], announce: () => undefined });
    expect(again.db.prepare('SELECT id FROM demo_notes').pluck().all()).toEqual(['late']);
    again.close();
  });

  it('refuses tables of a newer schema than this build knows, and a second process on the same file', async () => {
    const { journal, file } = await openTestJournal([notes]);
    await expect(Journal.open(file, { owners: [notes], announce: () => undefined })).rejects.toThrow(/in use by process/);
    journal.db.prepare('INSERT INTO schema_version_demo (version, name, md5, run_at) VALUES (7, ?, ?, ?)').run('future', 'x', 't');
    journal.close();
    await expect(Journal.open(file, { owners: [notes], announce: () => undefined })).rejects.toThrow(/the demo tables have schema version 7, newer than this build understands \(1\)/);
  });

  it('applies a failing migration not at all', async () => {
    const { journal, file } = await openTestJournal([notes], new EventBus());
    await journal.write(() => journal.db.prepare('INSERT INTO demo_notes (id, body, at) VALUES (?, ?, ?)').run('x', 'kept', 't'));
    journal.close();
    await expect(Journal.open(file, { owners: [notesV2Broken], announce: () => undefined })).rejects.toThrow(/no such table/);
    const again = await Journal.open(file, { owners: [notes], announce: () => undefined });
    expect(again.db.prepare(`SELECT name FROM sqlite_master WHERE name = 'demo_broken'`).all()).toEqual([]);
    expect(again.db.prepare('SELECT max(version) FROM schema_version_demo').pluck().get()).toBe(1);
    again.close();
  });
});
