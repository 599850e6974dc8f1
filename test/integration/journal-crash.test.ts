import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Outbox, outboxTables } from '../../device/sync/outbox.js';
import { DURABLE_STREAMS } from '../../protocol/index.js';
import type { BusEvents } from '../../device/bus.js';
import { Journal } from '../../device/store/index.js';
import { factsTables } from '../fixtures/outbox-facts/owner.js';

const WRITER = join(import.meta.dirname, '..', 'helpers', 'journal-crash-writer.ts');
const ROUNDS = 6;

/** Runs the writers until they acknowledged `killAfter` facts, kills them with SIGKILL, returns every fact they acknowledged. */
async function writeAndKill(file: string, round: number, killAfter: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, `r${round}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: string[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  // Acknowledgements written just before the kill are still in the pipe: read it to its end.
  const drained = new Promise<void>((resolve) => child.stdout!.once('close', resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('ack ')) return;
    acked.push(line.slice(4));
    if (acked.length === killAfter) child.kill('SIGKILL');
  });
  expect(await exited, `the writers exited by themselves after ${acked.length} acknowledgements`).toBe('SIGKILL');
  await drained;
  return acked;
}

describe('journal and outbox under kill -9', () => {
  it('always opens with every acknowledged fact, each committed fact with its outbox record, and gapless streams, round after round', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'branchline-journal-crash-')), 'journal.db');
    const allAcked: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await writeAndKill(file, round, 40 + Math.floor(Math.random() * 400));
      allAcked.push(...acked);

      // Journal.open runs quick_check and refuses a damaged database.
      const journal = await Journal.open<BusEvents>(file, { owners: [outboxTables, factsTables], announce: () => undefined });
      const db = journal.db;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = new Set(db.prepare<[], string>('SELECT id FROM facts_recorded').pluck().all());
      expect(allAcked.filter((id) => !stored.has(id))).toEqual([]);
      expect([...stored].filter((id) => id.startsWith('doomed-'))).toEqual([]);

      // The feed names the fact in each record: its scorecard, ticket or session id.
      const outboxFacts = db
        .prepare<[], { stream: string; fact: string | null }>(
          `SELECT stream, coalesce(data ->> '$.scorecardId', data ->> '$.ticketId', data ->> '$.sessionId') AS fact FROM outbox_records`,
        )
        .all();
      const recorded = new Map(outboxFacts.map((r) => [r.fact, r.stream]));
      expect(recorded.size).toBe(outboxFacts.length);
      const facts = db.prepare<[], { id: string; stream: string }>('SELECT id, stream FROM facts_recorded').all();
      expect(facts.filter((f) => recorded.get(f.id) !== f.stream).map((f) => f.id), 'committed facts without their outbox record').toEqual([]);
      expect(outboxFacts.filter((r) => r.fact === null || !stored.has(r.fact)), 'outbox records without their fact').toEqual([]);

      const outbox = new Outbox(journal);
      for (const stream of DURABLE_STREAMS) {
        const seqs = db.prepare<[string], number>('SELECT seq FROM outbox_records WHERE stream = ? ORDER BY seq').pluck().all(stream);
        expect(seqs, `${stream} sequence numbers`).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        expect(outbox.lastSeq(stream)).toBe(seqs.length);
      }
      expect(outbox.backlog).toBe(facts.length);
      journal.close();
    }
    expect(allAcked.length).toBeGreaterThan(ROUNDS * 40);
  }, 180_000);
});
