import type { Statement } from 'better-sqlite3';
import type { FactJournal } from '../bus.js';
import type { QaScorecardRecord } from '../store/index.js';

/** A scorecard without its items and reviews: what the KPIs count. */
export type ScorecardSummary = Pick<QaScorecardRecord, 'id' | 'sessionId' | 'callId' | 'agentId' | 'formVersion' | 'at' | 'total'>;

interface ScorecardRow {
  id: string;
  session_id: string;
  call_id: string | null;
  agent_id: string | null;
  form_version: number;
  at: string;
  total: number | null;
  items: string;
  overrides: string;
  disputes: string;
}

type SummaryRow = Omit<ScorecardRow, 'items' | 'overrides' | 'disputes'>;

const SUMMARY_COLUMNS = 'id, session_id, call_id, agent_id, form_version, at, total';
const COLUMNS = `${SUMMARY_COLUMNS}, items, overrides, disputes`;
const VALUES = '@id, @sessionId, @callId, @agentId, @formVersion, @at, @total, @items, @overrides, @disputes';

const params = (c: QaScorecardRecord) => ({
  id: c.id,
  sessionId: c.sessionId,
  callId: c.callId,
  agentId: c.agentId,
  formVersion: c.formVersion,
  at: c.at,
  total: c.total,
  items: JSON.stringify(c.items),
  overrides: JSON.stringify(c.overrides),
  disputes: JSON.stringify(c.disputes),
});
type Params = ReturnType<typeof params>;

const summaryOf = (r: SummaryRow): ScorecardSummary => ({ id: r.id, sessionId: r.session_id, callId: r.call_id, agentId: r.agent_id, formVersion: r.form_version, at: r.at, total: r.total });
const scorecardOf = (r: ScorecardRow): QaScorecardRecord => ({
  ...summaryOf(r),
  items: JSON.parse(r.items) as QaScorecardRecord['items'],
  overrides: JSON.parse(r.overrides) as QaScorecardRecord['overrides'],
  disputes: JSON.parse(r.disputes) as QaScorecardRecord['disputes'],
});

/**
 * The scorecard table. Every read is an index lookup by id, session, agent or time, newest first where
 * a list is shown; the writes are synchronous statements for the caller's `journal.write`.
 */
export class ScorecardRepository {
  private readonly insertStatement: Statement<[Params]>;
  private readonly importStatement: Statement<[Params]>;
  private readonly reviewStatement: Statement<[{ id: string; overrides: string; disputes: string }]>;
  private readonly getStatement: Statement<[string], ScorecardRow>;
  private readonly scoredStatement: Statement<[string], number>;
  private readonly newestStatement: Statement<[number], ScorecardRow>;
  private readonly newestOfAgentStatement: Statement<[string, number], ScorecardRow>;
  private readonly ofAgentSinceStatement: Statement<[string, string], ScorecardRow>;
  private readonly betweenStatement: Statement<[string, string], SummaryRow>;
  private readonly agentSessionsStatement: Statement<[string], string>;
  private readonly pruneStatement: Statement<[string, number]>;

  constructor(journal: FactJournal) {
    const db = journal.db;
    this.insertStatement = db.prepare(`INSERT INTO qa_scorecards (${COLUMNS}) VALUES (${VALUES})`);
    this.importStatement = db.prepare(`INSERT OR IGNORE INTO qa_scorecards (${COLUMNS}) VALUES (${VALUES})`);
    this.reviewStatement = db.prepare(`UPDATE qa_scorecards SET overrides = @overrides, disputes = @disputes WHERE id = @id`);
    this.getStatement = db.prepare(`SELECT ${COLUMNS} FROM qa_scorecards WHERE id = ?`);
    this.scoredStatement = db.prepare<[string], number>(`SELECT 1 FROM qa_scorecards WHERE session_id = ? LIMIT 1`).pluck();
    this.newestStatement = db.prepare(`SELECT ${COLUMNS} FROM qa_scorecards ORDER BY at DESC, rowid DESC LIMIT ?`);
    this.newestOfAgentStatement = db.prepare(`SELECT ${COLUMNS} FROM qa_scorecards WHERE agent_id = ? ORDER BY at DESC, rowid DESC LIMIT ?`);
    this.ofAgentSinceStatement = db.prepare(`SELECT ${COLUMNS} FROM qa_scorecards WHERE agent_id = ? AND at >= ? ORDER BY at DESC, rowid DESC`);
    this.betweenStatement = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM qa_scorecards WHERE at >= ? AND at < ? ORDER BY at, rowid`);
    this.agentSessionsStatement = db.prepare<[string], string>(`SELECT session_id FROM qa_scorecards WHERE at >= ? AND agent_id IS NOT NULL ORDER BY at DESC, rowid DESC`).pluck();
    this.pruneStatement = db.prepare(`DELETE FROM qa_scorecards WHERE rowid IN (SELECT rowid FROM qa_scorecards WHERE at < ? ORDER BY at LIMIT ?)`);
  }

  /** In a journal write. */
  insert(card: QaScorecardRecord): void {
    this.insertStatement.run(params(card));
  }

  /** In a journal write: stores a scorecard's overrides and disputes as they are now. */
  saveReviews(card: QaScorecardRecord): void {
    this.reviewStatement.run({ id: card.id, overrides: JSON.stringify(card.overrides), disputes: JSON.stringify(card.disputes) });
  }

  get(id: string): QaScorecardRecord | null {
    const row = this.getStatement.get(id);
    return row ? scorecardOf(row) : null;
  }

  isScored(sessionId: string): boolean {
    return this.scoredStatement.get(sessionId) !== undefined;
  }

  /** The newest scorecards first, of one agent or of everyone. */
  newest(limit: number, agentId?: string): QaScorecardRecord[] {
    return (agentId ? this.newestOfAgentStatement.all(agentId, limit) : this.newestStatement.all(limit)).map(scorecardOf);
  }

  /** An agent's scorecards since `sinceIso`, newest first. */
  ofAgentSince(agentId: string, sinceIso: string): QaScorecardRecord[] {
    return this.ofAgentSinceStatement.all(agentId, sinceIso).map(scorecardOf);
  }

  /** Scorecards made in [fromIso, toIso), oldest first, without their items. */
  between(fromIso: string, toIso: string): ScorecardSummary[] {
    return this.betweenStatement.all(fromIso, toIso).map(summaryOf);
  }

  /** The sessions an agent served that were scored since `sinceIso`, the most recently scored first, at most `limit`. */
  agentSessionsSince(sinceIso: string, limit: number): string[] {
    const sessions = new Set<string>();
    for (const sessionId of this.agentSessionsStatement.iterate(sinceIso)) {
      sessions.add(sessionId);
      if (sessions.size >= limit) break;
    }
    return [...sessions];
  }

  /** In a journal write: the scorecards of a v7 store; one already here is left as it is. Returns how many were added. */
  importLegacy(cards: readonly QaScorecardRecord[]): number {
    let added = 0;
    for (const card of cards) added += this.importStatement.run(params(card)).changes;
    return added;
  }

  /** In a journal write: deletes at most `limit` of the oldest scorecards made before `beforeIso`; returns how many. */
  prune(beforeIso: string, limit: number): number {
    return this.pruneStatement.run(beforeIso, limit).changes;
  }
}
