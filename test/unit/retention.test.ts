import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { TableOwner } from '../../device/store/index.js';
import { PRUNE_BATCH, Retention } from '../../device/store/retention.js';
import { openTestJournal } from '../helpers/journal.js';

const notes: TableOwner = { owner: 'demo', dir: new URL('../fixtures/journal-demo/sql/', import.meta.url) };
const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T12:00:00.000Z');

describe('journal retention', () => {
  it('removes exactly the rows past their age, in batches that are separate writes, after the rule ran its before-hook', async () => {
    const { journal } = await openTestJournal([notes]);
    const insert = journal.db.prepare('INSERT INTO demo_notes (id, body, at) VALUES (?, ?, ?)');
    const old = PRUNE_BATCH * 2 + 3;
    await journal.write(() => {
      for (let i = 0; i < old; i++) insert.run(`old-${i}`, 'x', new Date(NOW - 91 * DAY - i * 1000).toISOString());
      insert.run('edge-kept', 'x', new Date(NOW - 90 * DAY + 1000).toISOString());
      insert.run('young', 'x', new Date(NOW - DAY).toISOString());
    });
    const remove = journal.db.prepare('DELETE FROM demo_notes WHERE id IN (SELECT id FROM demo_notes WHERE at < ? ORDER BY at LIMIT ?)');
    const batches: number[] = [];
    const events: string[] = [];
    const retention = new Retention(
      journal,
      [{ name: 'notes', days: 90, before: async (before) => void events.push(`before ${before}`), prune: (before, limit) => { const n = remove.run(before, limit).changes; batches.push(n); return n; } }],
      pino({ level: 'silent' }),
      () => NOW,
    );
    expect(await retention.runOnce()).toEqual({ notes: old });
    expect(batches).toEqual([PRUNE_BATCH, PRUNE_BATCH, 3]);
    expect(events).toEqual([`before ${new Date(NOW - 90 * DAY).toISOString()}`]);
    expect(journal.db.prepare('SELECT id FROM demo_notes ORDER BY id').pluck().all()).toEqual(['edge-kept', 'young']);
    expect(await retention.runOnce()).toEqual({ notes: 0 });
    journal.close();
  });
});
