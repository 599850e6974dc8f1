import type { Database, Statement } from 'better-sqlite3';
import type { KbExposure } from '../store/index.js';

/** How an article has done over the exposures kept. */
export interface ArticleTally {
  shown: number;
  successes: number;
  failures: number;
}

type Outcome = NonNullable<KbExposure['outcome']>;
type OutcomeBy = NonNullable<KbExposure['outcomeBy']>;

const COLUMNS = `id, article_id AS articleId, version, session_id AS sessionId, intent, customer_id AS customerId, audience, rank, at,
  outcome, outcome_by AS outcomeBy, outcome_at AS outcomeAt`;
const NO_TALLY: ArticleTally = { shown: 0, successes: 0, failures: 0 };

/**
 * The exposures' tables in the journal (`knowledge_exposures`, and `knowledge_article_outcomes`, which
 * triggers keep as the per-article count of them). Reads are index-backed statements; writes are
 * synchronous and run inside a `journal.write`.
 */
export class ExposureRepository {
  private readonly byId: Statement<[string], KbExposure>;
  private readonly ofSession: Statement<[string], KbExposure>;
  private readonly shownToAgent: Statement<[string, string], KbExposure>;
  private readonly tallyStmt: Statement<[string], ArticleTally>;
  private readonly insertStmt: Statement<unknown[]>;
  private readonly importStmt: Statement<unknown[]>;
  private readonly outcomeStmt: Statement<[Outcome, OutcomeBy, string, string], KbExposure>;
  private readonly repeatsStmt: Statement<{ outcomeAt: string; customerId: string; intent: string; since: string; sessionId: string | null }, KbExposure>;
  private readonly quietStmt: Statement<{ outcomeAt: string; until: string; limit: number }, KbExposure>;
  private readonly pruneStmt: Statement<[string, number]>;

  constructor(db: Database) {
    // Ties in time keep the order the exposures were recorded in (their rank order), as the JSON store's array did.
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM knowledge_exposures WHERE id = ?`);
    this.ofSession = db.prepare(`SELECT ${COLUMNS} FROM knowledge_exposures WHERE session_id = ? ORDER BY at, rowid`);
    this.shownToAgent = db.prepare(`SELECT ${COLUMNS} FROM knowledge_exposures WHERE session_id = ? AND audience = 'agent' AND article_id = ? ORDER BY at, rowid LIMIT 1`);
    this.tallyStmt = db.prepare('SELECT shown, successes, failures FROM knowledge_article_outcomes WHERE article_id = ?');
    const insert = `INTO knowledge_exposures (id, article_id, version, session_id, intent, customer_id, audience, rank, at, outcome, outcome_by, outcome_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    this.insertStmt = db.prepare(`INSERT ${insert}`);
    this.importStmt = db.prepare(`INSERT OR IGNORE ${insert}`);
    this.outcomeStmt = db.prepare(`UPDATE knowledge_exposures SET outcome = ?, outcome_by = ?, outcome_at = ? WHERE id = ? RETURNING ${COLUMNS}`);
    // The conditions repeat the partial index's so that the planner uses it.
    this.repeatsStmt = db.prepare(
      `UPDATE knowledge_exposures SET outcome = 'failure', outcome_by = 'repeat', outcome_at = :outcomeAt
       WHERE outcome IS NULL AND customer_id IS NOT NULL AND customer_id = :customerId AND intent = :intent AND at > :since
         AND session_id IS NOT :sessionId
       RETURNING ${COLUMNS}`,
    );
    this.quietStmt = db.prepare(
      `UPDATE knowledge_exposures SET outcome = 'success', outcome_by = 'no-repeat', outcome_at = :outcomeAt
       WHERE id IN (SELECT id FROM knowledge_exposures WHERE outcome IS NULL AND customer_id IS NOT NULL AND at <= :until ORDER BY at LIMIT :limit)
       RETURNING ${COLUMNS}`,
    );
    this.pruneStmt = db.prepare('DELETE FROM knowledge_exposures WHERE id IN (SELECT id FROM knowledge_exposures WHERE at < ? ORDER BY at LIMIT ?)');
  }

  exposure(id: string): KbExposure | null {
    return this.byId.get(id) ?? null;
  }

  /** What a service session was shown, in the order it was shown. */
  exposuresOf(sessionId: string): KbExposure[] {
    return this.ofSession.all(sessionId);
  }

  /** The first showing of an article to the agents of a session, if there was one. */
  shownToAgentOf(sessionId: string, articleId: string): KbExposure | null {
    return this.shownToAgent.get(sessionId, articleId) ?? null;
  }

  tally(articleId: string): ArticleTally {
    return this.tallyStmt.get(articleId) ?? NO_TALLY;
  }

  insert(exposure: KbExposure): void {
    this.insertStmt.run(...columnsOf(exposure));
  }

  /** Null if there is no such exposure. */
  setOutcome(id: string, outcome: Outcome, by: OutcomeBy, at: string): KbExposure | null {
    return this.outcomeStmt.get(outcome, by, at, id) ?? null;
  }

  /**
   * Fails the unsettled exposures of a customer's earlier sessions on the same intent shown after
   * `sinceIso`; returns them as they are now.
   */
  failRepeats(customerId: string, intent: string, sinceIso: string, currentSessionId: string | null, at: string): KbExposure[] {
    return this.repeatsStmt.all({ outcomeAt: at, customerId, intent, since: sinceIso, sessionId: currentSessionId });
  }

  /** Settles as successes at most `limit` of the oldest unsettled exposures of identified customers shown at or before `untilIso`. */
  settleQuiet(untilIso: string, at: string, limit: number): KbExposure[] {
    return this.quietStmt.all({ outcomeAt: at, until: untilIso, limit });
  }

  /** Records exposures of a v7 JSON store; one already recorded is left as it is. Returns how many were new. */
  importLegacy(exposures: readonly KbExposure[]): number {
    let added = 0;
    for (const exposure of exposures) added += this.importStmt.run(...columnsOf(exposure)).changes;
    return added;
  }

  /** Deletes at most `limit` of the oldest exposures shown before `beforeIso`; returns how many. */
  prune(beforeIso: string, limit: number): number {
    return this.pruneStmt.run(beforeIso, limit).changes;
  }
}

function columnsOf(e: KbExposure): unknown[] {
  return [e.id, e.articleId, e.version, e.sessionId, e.intent, e.customerId, e.audience, e.rank, e.at, e.outcome, e.outcomeBy, e.outcomeAt];
}
