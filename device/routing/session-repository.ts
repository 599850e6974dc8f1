import type { Database, Statement } from 'better-sqlite3';
import type { CustomerTier, Language, ServiceSessionRecord, StoredDecision } from '../store/index.js';

export type SessionWrapUp = NonNullable<ServiceSessionRecord['wrapUp']>;
export type SessionSurvey = NonNullable<ServiceSessionRecord['survey']>;

/** A session as one row of `routing_sessions`: the customer, wrap-up and survey flattened to columns. */
interface SessionRow {
  id: string;
  kioskId: string;
  lang: Language;
  startedAt: string;
  customerId: string | null;
  customerTier: CustomerTier | null;
  decisions: string;
  botAnsweredAt: string | null;
  callId: string | null;
  queuedAt: string | null;
  agentAnsweredAt: string | null;
  firstResponseAt: string | null;
  abandonedAt: string | null;
  escalatedAt: string | null;
  wrapUpRoutedLabel: string | null;
  wrapUpLabel: string | null;
  wrapUpConfirmed: number | null;
  wrapUpResolved: number | null;
  wrapUpBy: string | null;
  wrapUpAt: string | null;
  surveyStars: number | null;
  surveyRecommend: number | null;
  surveyAt: string | null;
}

const COLUMNS: [keyof SessionRow, string][] = [
  ['id', 'id'],
  ['kioskId', 'kiosk_id'],
  ['lang', 'lang'],
  ['startedAt', 'started_at'],
  ['customerId', 'customer_id'],
  ['customerTier', 'customer_tier'],
  ['decisions', 'decisions'],
  ['botAnsweredAt', 'bot_answered_at'],
  ['callId', 'call_id'],
  ['queuedAt', 'queued_at'],
  ['agentAnsweredAt', 'agent_answered_at'],
  ['firstResponseAt', 'first_response_at'],
  ['abandonedAt', 'abandoned_at'],
  ['escalatedAt', 'escalated_at'],
  ['wrapUpRoutedLabel', 'wrap_up_routed_label'],
  ['wrapUpLabel', 'wrap_up_label'],
  ['wrapUpConfirmed', 'wrap_up_confirmed'],
  ['wrapUpResolved', 'wrap_up_resolved'],
  ['wrapUpBy', 'wrap_up_by'],
  ['wrapUpAt', 'wrap_up_at'],
  ['surveyStars', 'survey_stars'],
  ['surveyRecommend', 'survey_recommend'],
  ['surveyAt', 'survey_at'],
];
const SELECT = `SELECT ${COLUMNS.map(([key, column]) => (key === column ? column : `${column} AS ${key}`)).join(', ')} FROM routing_sessions`;
const INSERT = `INTO routing_sessions (${COLUMNS.map(([, column]) => column).join(', ')}, decision_count, last_label) VALUES (${COLUMNS.map(([key]) => `@${key}`).join(', ')}, @decisionCount, @lastLabel)`;
/**
 * What counting sessions needs of one (the service KPIs): its moments, customer, wrap-up and survey,
 * and of its decisions only the labels (newest last). Read as plain rows without parsing the decisions.
 */
export type SessionOutline = Pick<ServiceSessionRecord, 'id' | 'kioskId' | 'startedAt' | 'customer' | 'botAnsweredAt' | 'queuedAt' | 'firstResponseAt' | 'abandonedAt' | 'wrapUp' | 'survey'> & {
  decisions: { label: string | null }[];
};
const OUTLINE_SELECT = `SELECT id, kiosk_id, started_at, customer_id, customer_tier, bot_answered_at, queued_at, first_response_at, abandoned_at,
  wrap_up_routed_label, wrap_up_label, wrap_up_confirmed, wrap_up_resolved, wrap_up_by, wrap_up_at, survey_stars, survey_recommend, survey_at,
  decision_count, last_label FROM routing_sessions`;
type OutlineRow = [string, string, string, string | null, CustomerTier | null, string | null, string | null, string | null, string | null, string | null, string | null, number | null, number | null, string | null, string | null, number | null, number | null, string | null, number, string | null];

function outlineOf(r: OutlineRow): SessionOutline {
  const [id, kioskId, startedAt, customerId, customerTier, botAnsweredAt, queuedAt, firstResponseAt, abandonedAt, routedLabel, label, confirmed, resolved, by, wrappedAt, stars, recommend, surveyAt, decisionCount, lastLabel] = r;
  // One entry per decision keeps the count; the last labelled one is all the labels anyone counts.
  const decisions: { label: string | null }[] = Array.from({ length: decisionCount }, () => ({ label: null }));
  if (lastLabel !== null) decisions[decisionCount - 1] = { label: lastLabel };
  return {
    id,
    kioskId,
    startedAt,
    customer: customerId !== null && customerTier !== null ? { id: customerId, tier: customerTier } : null,
    botAnsweredAt,
    queuedAt,
    firstResponseAt,
    abandonedAt,
    wrapUp: wrappedAt !== null ? { routedLabel, label: label!, confirmed: confirmed === 1, resolved: resolved === 1, by: by!, at: wrappedAt } : null,
    survey: surveyAt !== null ? { stars, recommend, at: surveyAt } : null,
    decisions,
  };
}

// Ties in the start time keep the order the sessions were recorded in, as the JSON store's array did.
const OLDEST_FIRST = 'ORDER BY started_at, rowid';

function rowOf(s: ServiceSessionRecord): SessionRow & { decisionCount: number; lastLabel: string | null } {
  return {
    decisionCount: s.decisions.length,
    lastLabel: s.decisions.findLast((d) => d.label)?.label ?? null,
    id: s.id,
    kioskId: s.kioskId,
    lang: s.lang,
    startedAt: s.startedAt,
    customerId: s.customer?.id ?? null,
    customerTier: s.customer?.tier ?? null,
    decisions: JSON.stringify(s.decisions),
    botAnsweredAt: s.botAnsweredAt,
    callId: s.callId,
    queuedAt: s.queuedAt,
    agentAnsweredAt: s.agentAnsweredAt,
    firstResponseAt: s.firstResponseAt,
    abandonedAt: s.abandonedAt,
    escalatedAt: s.escalatedAt,
    ...wrapUpColumns(s.wrapUp),
    ...surveyColumns(s.survey),
  };
}

function wrapUpColumns(w: SessionWrapUp | null): Pick<SessionRow, 'wrapUpRoutedLabel' | 'wrapUpLabel' | 'wrapUpConfirmed' | 'wrapUpResolved' | 'wrapUpBy' | 'wrapUpAt'> {
  return {
    wrapUpRoutedLabel: w?.routedLabel ?? null,
    wrapUpLabel: w?.label ?? null,
    wrapUpConfirmed: w ? Number(w.confirmed) : null,
    wrapUpResolved: w ? Number(w.resolved) : null,
    wrapUpBy: w?.by ?? null,
    wrapUpAt: w?.at ?? null,
  };
}

function surveyColumns(s: SessionSurvey | null): Pick<SessionRow, 'surveyStars' | 'surveyRecommend' | 'surveyAt'> {
  return { surveyStars: s?.stars ?? null, surveyRecommend: s?.recommend ?? null, surveyAt: s?.at ?? null };
}

function recordOf(r: SessionRow): ServiceSessionRecord {
  return {
    id: r.id,
    kioskId: r.kioskId,
    lang: r.lang,
    startedAt: r.startedAt,
    customer: r.customerId !== null && r.customerTier !== null ? { id: r.customerId, tier: r.customerTier } : null,
    decisions: JSON.parse(r.decisions) as StoredDecision[],
    botAnsweredAt: r.botAnsweredAt,
    callId: r.callId,
    queuedAt: r.queuedAt,
    agentAnsweredAt: r.agentAnsweredAt,
    firstResponseAt: r.firstResponseAt,
    abandonedAt: r.abandonedAt,
    escalatedAt: r.escalatedAt,
    wrapUp:
      r.wrapUpAt !== null
        ? { routedLabel: r.wrapUpRoutedLabel, label: r.wrapUpLabel!, confirmed: r.wrapUpConfirmed === 1, resolved: r.wrapUpResolved === 1, by: r.wrapUpBy!, at: r.wrapUpAt }
        : null,
    survey: r.surveyAt !== null ? { stars: r.surveyStars, recommend: r.surveyRecommend, at: r.surveyAt } : null,
  };
}

/**
 * The service sessions' table in the journal (`routing_sessions`): every read is one index-backed
 * statement returning the records as the JSON store held them; the writes are synchronous and run
 * inside a `journal.write`. A moment the session reached (queued, answered, escalated, abandoned) is
 * kept as first recorded.
 */
export class SessionRepository {
  private readonly byId: Statement<[string], SessionRow>;
  private readonly recent: Statement<[number], SessionRow>;
  private readonly between: Statement<[string, string], SessionRow>;
  private readonly outlinesBetween: Statement<[string, string], OutlineRow>;
  private readonly identifiedBetween: Statement<[string, string], OutlineRow>;
  private readonly insertStmt: Statement<[ReturnType<typeof rowOf>]>;
  private readonly importStmt: Statement<[ReturnType<typeof rowOf>]>;
  private readonly decisionStmt: Statement<[{ id: string; decision: string; label: string | null; answeredAt: string | null }]>;
  private readonly customerStmt: Statement<[string, CustomerTier, string]>;
  private readonly queuedStmt: Statement<[string, string, string]>;
  private readonly agentAnsweredStmt: Statement<[{ id: string; at: string }]>;
  private readonly escalatedStmt: Statement<[string, string]>;
  private readonly abandonedStmt: Statement<[string, string]>;
  private readonly wrapUpStmt: Statement<[ReturnType<typeof wrapUpColumns> & { id: string }]>;
  private readonly surveyStmt: Statement<[ReturnType<typeof surveyColumns> & { id: string }]>;
  private readonly pruneStmt: Statement<[string, number]>;
  private readonly labelColumnStmts: Statement<[string, string]>[];
  private readonly mentioningStmt: Statement<[string], { id: string; decisions: string }>;
  private readonly decisionsStmt: Statement<[string, string]>;

  constructor(db: Database) {
    this.byId = db.prepare(`${SELECT} WHERE id = ?`);
    this.recent = db.prepare(`${SELECT} ORDER BY started_at DESC, rowid DESC LIMIT ?`);
    this.between = db.prepare(`${SELECT} WHERE started_at >= ? AND started_at < ? ${OLDEST_FIRST}`);
    this.outlinesBetween = db.prepare<[string, string], OutlineRow>(`${OUTLINE_SELECT} WHERE started_at >= ? AND started_at < ? ${OLDEST_FIRST}`).raw();
    this.identifiedBetween = db.prepare<[string, string], OutlineRow>(`${OUTLINE_SELECT} WHERE started_at >= ? AND started_at < ? AND customer_id IS NOT NULL ${OLDEST_FIRST}`).raw();
    this.insertStmt = db.prepare(`INSERT ${INSERT}`);
    this.importStmt = db.prepare(`INSERT OR IGNORE ${INSERT}`);
    // Appended in SQL: a decision is one short update whatever the session already holds.
    this.decisionStmt = db.prepare(
      `UPDATE routing_sessions SET decisions = json_insert(decisions, '$[#]', json(@decision)),
         decision_count = decision_count + 1, last_label = coalesce(@label, last_label),
         bot_answered_at = coalesce(bot_answered_at, @answeredAt), first_response_at = coalesce(first_response_at, @answeredAt)
       WHERE id = @id`,
    );
    this.customerStmt = db.prepare('UPDATE routing_sessions SET customer_id = ?, customer_tier = ? WHERE id = ?');
    this.queuedStmt = db.prepare('UPDATE routing_sessions SET call_id = coalesce(call_id, ?), queued_at = coalesce(queued_at, ?) WHERE id = ?');
    this.agentAnsweredStmt = db.prepare(
      'UPDATE routing_sessions SET agent_answered_at = coalesce(agent_answered_at, @at), first_response_at = coalesce(first_response_at, @at) WHERE id = @id',
    );
    this.escalatedStmt = db.prepare('UPDATE routing_sessions SET escalated_at = coalesce(escalated_at, ?) WHERE id = ?');
    this.abandonedStmt = db.prepare('UPDATE routing_sessions SET abandoned_at = coalesce(abandoned_at, ?) WHERE id = ?');
    this.wrapUpStmt = db.prepare(
      `UPDATE routing_sessions SET wrap_up_routed_label = @wrapUpRoutedLabel, wrap_up_label = @wrapUpLabel, wrap_up_confirmed = @wrapUpConfirmed,
         wrap_up_resolved = @wrapUpResolved, wrap_up_by = @wrapUpBy, wrap_up_at = @wrapUpAt
       WHERE id = @id`,
    );
    this.surveyStmt = db.prepare(
      'UPDATE routing_sessions SET survey_stars = @surveyStars, survey_recommend = @surveyRecommend, survey_at = @surveyAt WHERE id = @id AND survey_at IS NULL',
    );
    this.pruneStmt = db.prepare('DELETE FROM routing_sessions WHERE rowid IN (SELECT rowid FROM routing_sessions WHERE started_at < ? ORDER BY started_at LIMIT ?)');
    this.labelColumnStmts = ['last_label', 'wrap_up_label', 'wrap_up_routed_label'].map((column) => db.prepare(`UPDATE routing_sessions SET ${column} = ? WHERE ${column} = ?`));
    // A label id is quoted in the JSON text of every decision that names it; the LIKE narrows the rows to parse.
    this.mentioningStmt = db.prepare(`SELECT id, decisions FROM routing_sessions WHERE decisions LIKE '%"' || ? || '"%'`);
    this.decisionsStmt = db.prepare('UPDATE routing_sessions SET decisions = ? WHERE id = ?');
  }

  sessionById(id: string): ServiceSessionRecord | null {
    const row = this.byId.get(id);
    return row ? recordOf(row) : null;
  }

  /** The newest sessions first. */
  recentSessions(limit: number): ServiceSessionRecord[] {
    return this.recent.all(limit).map(recordOf);
  }

  /** Sessions started in [fromIso, toIso), oldest first. */
  sessionsBetween(fromIso: string, toIso: string): ServiceSessionRecord[] {
    return this.between.all(fromIso, toIso).map(recordOf);
  }

  /** The outlines of the sessions started in [fromIso, toIso), oldest first (the service KPIs). */
  sessionOutlinesBetween(fromIso: string, toIso: string): SessionOutline[] {
    return this.outlinesBetween.all(fromIso, toIso).map(outlineOf);
  }

  /** The outlines of the sessions of identified customers started in [fromIso, toIso), oldest first (repeat inquiries). */
  identifiedOutlinesBetween(fromIso: string, toIso: string): SessionOutline[] {
    return this.identifiedBetween.all(fromIso, toIso).map(outlineOf);
  }

  insert(session: ServiceSessionRecord): void {
    this.insertStmt.run(rowOf(session));
  }

  /** Appends a routing decision; `answeredAt` is when the bot answered it, if it did. Returns whether the session is recorded. */
  appendDecision(sessionId: string, decision: StoredDecision, answeredAt: string | null): boolean {
    return this.decisionStmt.run({ id: sessionId, decision: JSON.stringify(decision), label: decision.label, answeredAt }).changes > 0;
  }

  setCustomer(sessionId: string, customer: NonNullable<ServiceSessionRecord['customer']>): boolean {
    return this.customerStmt.run(customer.id, customer.tier, sessionId).changes > 0;
  }

  /** The session asked for an agent: its first call and when. */
  queued(sessionId: string, callId: string, at: string): void {
    this.queuedStmt.run(callId, at, sessionId);
  }

  agentAnswered(sessionId: string, at: string): void {
    this.agentAnsweredStmt.run({ id: sessionId, at });
  }

  escalated(sessionId: string, at: string): void {
    this.escalatedStmt.run(at, sessionId);
  }

  abandoned(sessionId: string, at: string): void {
    this.abandonedStmt.run(at, sessionId);
  }

  /** Records the agent's wrap-up, replacing an earlier one. Returns whether the session is recorded. */
  setWrapUp(sessionId: string, wrapUp: SessionWrapUp): boolean {
    return this.wrapUpStmt.run({ id: sessionId, ...wrapUpColumns(wrapUp) }).changes > 0;
  }

  /** Records the survey unless the session has one; returns whether it did. */
  setSurvey(sessionId: string, survey: SessionSurvey): boolean {
    return this.surveyStmt.run({ id: sessionId, ...surveyColumns(survey) }).changes > 0;
  }

  /** Records sessions of a v7 JSON store; a session already recorded is left as it is. Returns how many were new. */
  importLegacy(sessions: readonly ServiceSessionRecord[]): number {
    let added = 0;
    for (const session of sessions) added += this.importStmt.run(rowOf(session)).changes;
    return added;
  }

  /**
   * Moves every mention of a renamed label to its new id: the decisions (their label and candidates),
   * the last label and the wrap-up. Returns how many sessions changed. Runs once per rename, inside the
   * rename's write, so it may scan the table.
   */
  relabel(formerId: string, id: string): number {
    const changed = new Set<string>();
    for (const row of this.mentioningStmt.all(formerId)) {
      const decisions = JSON.parse(row.decisions) as StoredDecision[];
      const moved = decisions.map((d) => ({
        ...d,
        label: d.label === formerId ? id : d.label,
        candidates: d.candidates.map((c) => (c.label === formerId ? { ...c, label: id } : c)),
      }));
      this.decisionsStmt.run(JSON.stringify(moved), row.id);
      changed.add(row.id);
    }
    let columns = 0;
    for (const stmt of this.labelColumnStmts) columns += stmt.run(id, formerId).changes;
    return Math.max(changed.size, columns);
  }

  /** Deletes at most `limit` of the oldest sessions started before `beforeIso`; returns how many. */
  prune(beforeIso: string, limit: number): number {
    return this.pruneStmt.run(beforeIso, limit).changes;
  }
}
