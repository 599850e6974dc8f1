import type { Database, Statement } from 'better-sqlite3';
import type { KbIngestRun } from '../store/index.js';

const COLUMNS = `id, source, kind, started_at AS startedAt, finished_at AS finishedAt, added, changed, unchanged, retired, rejected, error`;

type StoredRun = Omit<KbIngestRun, 'added' | 'changed' | 'retired' | 'rejected'> & { added: string; changed: string; retired: string; rejected: string };

function runOf(row: StoredRun): KbIngestRun {
  return {
    ...row,
    added: JSON.parse(row.added) as string[],
    changed: JSON.parse(row.changed) as string[],
    retired: JSON.parse(row.retired) as string[],
    rejected: JSON.parse(row.rejected) as KbIngestRun['rejected'],
  };
}

/** The ingestion runs' table in the journal (`knowledge_ingest_runs`). */
export class IngestRunRepository {
  private readonly recentStmt: Statement<[number], StoredRun>;
  private readonly insertStmt: Statement<unknown[]>;
  private readonly importStmt: Statement<unknown[]>;
  private readonly pruneStmt: Statement<[string, number]>;

  constructor(db: Database) {
    this.recentStmt = db.prepare(`SELECT ${COLUMNS} FROM knowledge_ingest_runs ORDER BY finished_at DESC, rowid DESC LIMIT ?`);
    const insert = 'INTO knowledge_ingest_runs (id, source, kind, started_at, finished_at, added, changed, unchanged, retired, rejected, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    this.insertStmt = db.prepare(`INSERT ${insert}`);
    this.importStmt = db.prepare(`INSERT OR IGNORE ${insert}`);
    this.pruneStmt = db.prepare('DELETE FROM knowledge_ingest_runs WHERE id IN (SELECT id FROM knowledge_ingest_runs WHERE finished_at < ? ORDER BY finished_at LIMIT ?)');
  }

  /** The newest runs first. */
  recent(limit: number): KbIngestRun[] {
    return this.recentStmt.all(limit).map(runOf);
  }

  insert(run: KbIngestRun): void {
    this.insertStmt.run(...columnsOf(run));
  }

  /** Records runs of a v7 JSON store; one already recorded is left as it is. Returns how many were new. */
  importLegacy(runs: readonly KbIngestRun[]): number {
    let added = 0;
    for (const run of runs) added += this.importStmt.run(...columnsOf(run)).changes;
    return added;
  }

  /** Deletes at most `limit` of the oldest runs finished before `beforeIso`; returns how many. */
  prune(beforeIso: string, limit: number): number {
    return this.pruneStmt.run(beforeIso, limit).changes;
  }
}

function columnsOf(r: KbIngestRun): unknown[] {
  return [r.id, r.source, r.kind, r.startedAt, r.finishedAt, JSON.stringify(r.added), JSON.stringify(r.changed), r.unchanged, JSON.stringify(r.retired), JSON.stringify(r.rejected), r.error];
}
