import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type FactJournal } from '../../device/bus.js';
import { Journal, type TableOwner } from '../../device/store/index.js';

/** A journal in a fresh temp dir with the given owners' tables; its facts are announced on `bus`. */
export async function openTestJournal(owners: readonly TableOwner[], bus = new EventBus(), dir = mkdtempSync(join(tmpdir(), 'branchline-journal-'))): Promise<{ journal: FactJournal; bus: EventBus; file: string }> {
  const file = join(dir, 'journal.db');
  const journal = await Journal.open<import('../../device/bus.js').BusEvents>(file, { owners, announce: (name, payload) => bus.emit(name, payload) });
  return { journal, bus, file };
}
