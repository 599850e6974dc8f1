import type { FactJournal } from '../../device/bus.js';

/** The SQL of every statement `make` prepares on the journal (a repository's constructor), and what it made. */
export function statementsOf<T>(journal: FactJournal, make: () => T): { made: T; statements: string[] } {
  const db = journal.db;
  const original = db.prepare;
  const statements: string[] = [];
  db.prepare = ((source: string) => {
    statements.push(source);
    return original.call(db, source);
  }) as typeof db.prepare;
  try {
    return { made: make(), statements };
  } finally {
    db.prepare = original;
  }
}

/**
 * The tables a statement reads whole (a scan without an index), from SQLite's query plan with its
 * parameters bound to empty values; a statement the product runs should give none. Scans of a
 * subquery's own rows do not count.
 */
export function fullScans(journal: FactJournal, sql: string): string[] {
  const tables = new Set(journal.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]);
  const statement = journal.db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const named = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map((m) => [m[1]!, '']));
  const anonymous = (sql.match(/\?/g) ?? []).map(() => '');
  const plan = (Object.keys(named).length > 0 ? statement.all(named) : statement.all(...anonymous)) as { detail: string }[];
  return plan.map((step) => /^SCAN (\w+)$/.exec(step.detail)?.[1]).filter((name): name is string => name !== undefined && tables.has(name));
}
