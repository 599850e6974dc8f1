import type { Statement } from 'better-sqlite3';
import { KPI_COUNTERS, type KpiTally } from '../../protocol/index.js';
import type { FactJournal } from '../bus.js';
import { DAY_MS, REPEAT_WINDOW_MS, sessionFacts, tallyFacts } from './kpis.js';
import { iso, loadRecords, type KpiSources } from './sources.js';

/** The groups a day is stored for besides the whole day ('all'); the day group is the 'all' rows. */
const STORED_GROUPS = ['kiosk', 'skill', 'agent'] as const;
export type StoredGrouping = 'all' | (typeof STORED_GROUPS)[number];

export interface KpiDay {
  day: string;
  /** The kiosk, skill group or agent; '' for the whole day. */
  key: string;
  tally: KpiTally;
}

/** Days without visits rolled up in one write at most: one index probe each. */
const EMPTY_DAYS_PER_WRITE = 366;
const EPOCH = '1970-01-01T00:00:00.000Z';

export const dayOf = (ms: number): string => iso(ms).slice(0, 10);
export const startOfDay = (day: string): number => Date.parse(`${day}T00:00:00.000Z`);
const nextDay = (day: string): string => dayOf(startOfDay(day) + DAY_MS);
const column = (counter: string): string => counter.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The newest day whose figures can no longer change: the repeat window of its last session is over. */
function newestFinishedDay(now: number): string {
  return dayOf(now - REPEAT_WINDOW_MS - DAY_MS);
}

/**
 * Daily KPI rollups (`metrics_kpi_days`): each finished day's counters, computed once from the
 * owners' records and kept after the record retention has deleted those. Days are rolled up in order,
 * without gaps, each write taking one day with visits (or a run of empty ones), so a catch-up never
 * holds the event loop; a day already rolled up is never computed again, so every call is safe to repeat.
 */
export class KpiDays {
  private readonly insertRow: Statement;
  private readonly newest: Statement<[], string | null>;
  private readonly range: Statement<[StoredGrouping, string, string], Record<string, string | number>>;

  constructor(
    private readonly journal: FactJournal,
    private readonly sources: KpiSources,
    private readonly options: { recordRetentionDays: number },
  ) {
    const columns = KPI_COUNTERS.map(column);
    this.insertRow = journal.db.prepare(`INSERT INTO metrics_kpi_days (day, grouping, group_key, ${columns.join(', ')}) VALUES (@day, @grouping, @key, ${KPI_COUNTERS.map((c) => `@${c}`).join(', ')})`);
    this.newest = journal.db.prepare<[], string | null>(`SELECT MAX(day) FROM metrics_kpi_days WHERE grouping = 'all'`).pluck();
    this.range = journal.db.prepare(
      `SELECT day, group_key AS key, ${KPI_COUNTERS.map((c, i) => `${columns[i]} AS ${c}`).join(', ')} FROM metrics_kpi_days WHERE grouping = ? AND day >= ? AND day < ? ORDER BY day, group_key`,
    );
  }

  /** Rolls up every finished day not rolled up yet; resolves with how many days it added. */
  rollUpFinishedDays(now = Date.now()): Promise<number> {
    return this.rollUpThrough(newestFinishedDay(now), now);
  }

  /**
   * For the record retention, before it deletes records older than `beforeIso`: rolls up the finished
   * days and every day those records belong to. Under a retention shorter than the repeat window a day
   * is rolled up before it is finished (its records are about to go): repeats after that are not counted.
   */
  async rollUpBefore(beforeIso: string, now = Date.now()): Promise<void> {
    const finished = newestFinishedDay(now);
    const pruned = beforeIso.slice(0, 10);
    await this.rollUpThrough(pruned > finished ? pruned : finished, now);
  }

  /** The newest day rolled up; every day from the first roll-up to it is. */
  newestDay(): string | null {
    return this.newest.get() ?? null;
  }

  /** The stored rows of one grouping for the days in [fromDay, toDay) (YYYY-MM-DD). */
  daysBetween(fromDay: string, toDay: string, grouping: StoredGrouping): KpiDay[] {
    return this.range.all(grouping, fromDay, toDay).map(({ day, key, ...tally }) => ({ day: day as string, key: key as string, tally: tally as KpiTally }));
  }

  /** The whole-day figures of every day rolled up before `isoDay`. */
  daysBefore(isoDay: string): KpiDay[] {
    return this.daysBetween('', isoDay.slice(0, 10), 'all');
  }

  private async rollUpThrough(lastDay: string, now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const added = await this.journal.write(() => this.rollUpNext(lastDay, now));
      if (added === 0) return total;
      total += added;
    }
  }

  /** In one write: the days after the newest rolled up, through `lastDay`, up to and including one with visits. */
  private rollUpNext(lastDay: string, now: number): number {
    let added = 0;
    for (let day = this.firstMissingDay(now); day <= lastDay && added < EMPTY_DAYS_PER_WRITE; day = nextDay(day)) {
      added++;
      if (this.rollUp(day, now)) break;
    }
    return added;
  }

  private firstMissingDay(now: number): string {
    const newest = this.newestDay();
    if (newest) return nextDay(newest);
    // The first roll-up starts with the oldest records kept: those of the record retention, or older
    // ones (a migrated store) that the retention is about to delete.
    const kept = now - this.options.recordRetentionDays * DAY_MS;
    const older = this.sources.sessionsBetween(EPOCH, iso(kept));
    return dayOf(older.reduce((oldest, s) => Math.min(oldest, Date.parse(s.startedAt)), kept));
  }

  /** Stores a day's rows (the whole-day row even without visits); returns whether it had visits. */
  private rollUp(day: string, now: number): boolean {
    const from = startOfDay(day);
    const to = from + DAY_MS;
    const own = this.sources.sessionsBetween(iso(from), iso(to));
    const facts = own.length === 0 ? [] : sessionFacts(loadRecords(this.sources, from, to, own), from, to, now);
    const tallies = tallyFacts(facts, STORED_GROUPS);
    this.insertRow.run({ day, grouping: 'all', key: '', ...tallies.overall });
    for (const [grouping, byKey] of tallies.groups) for (const [key, tally] of byKey) this.insertRow.run({ day, grouping, key, ...tally });
    return own.length > 0;
  }
}
