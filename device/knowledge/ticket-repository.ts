import type { Database, Statement } from 'better-sqlite3';
import type { KbTicket } from '../store/index.js';

export type TicketWarningKind = KbTicket['warnings'][number]['kind'];
type TicketStatus = KbTicket['status'];
/** A warning an unresolved ticket is owed. */
export interface OwedWarning {
  number: number;
  id: string;
  dueAt: string;
  kind: TicketWarningKind;
}
/** A ticket as it is opened: the number is the journal's to give. */
export type NewTicket = Omit<KbTicket, 'number'>;

const COLUMNS = `number, id, question, intent, lang, origin, session_id AS sessionId, status, assignee, created_at AS createdAt, due_at AS dueAt,
  resolved_at AS resolvedAt,
  CASE WHEN resolution_article_id IS NULL THEN NULL
    ELSE json_object('articleId', resolution_article_id, 'how', resolution_how, 'by', resolution_by) END AS resolution,
  (SELECT json_group_array(json_object('by', by_user, 'text', text, 'at', at) ORDER BY seq)
    FROM knowledge_ticket_comments WHERE ticket_number = knowledge_tickets.number) AS comments,
  (SELECT json_group_array(json_object('kind', kind, 'at', at) ORDER BY at, kind = 'breached')
    FROM knowledge_ticket_warnings WHERE ticket_number = knowledge_tickets.number) AS warnings`;

type StoredTicket = Omit<KbTicket, 'comments' | 'warnings' | 'resolution'> & { comments: string; warnings: string; resolution: string | null };

function ticketOf(row: StoredTicket): KbTicket {
  return {
    ...row,
    comments: JSON.parse(row.comments) as KbTicket['comments'],
    warnings: JSON.parse(row.warnings) as KbTicket['warnings'],
    resolution: row.resolution === null ? null : (JSON.parse(row.resolution) as KbTicket['resolution']),
  };
}

/** Resolved tickets the board shows beside all unresolved ones. */
const BOARD_RESOLVED = 200;

/**
 * The tickets' tables in the journal (`knowledge_tickets` with its comments and warnings): reads are
 * index-backed statements; writes are synchronous and run inside a `journal.write`.
 */
export class TicketRepository {
  private readonly byId: Statement<[string], StoredTicket>;
  private readonly bySession: Statement<[string], StoredTicket>;
  private readonly openedForStmt: Statement<[string], number>;
  private readonly unresolvedStmt: Statement<[], StoredTicket>;
  private readonly ofStatus: Statement<[TicketStatus], StoredTicket>;
  private readonly recentlyResolved: Statement<[number], StoredTicket>;
  private readonly dueStmt: Statement<{ now: string; soon: string }, OwedWarning>;
  private readonly insertStmt: Statement<unknown[]>;
  private readonly importStmt: Statement<unknown[]>;
  private readonly commentStmt: Statement<unknown[]>;
  private readonly appendCommentStmt: Statement<unknown[]>;
  private readonly warningStmt: Statement<[number, TicketWarningKind, string]>;
  private readonly assignStmt: Statement<[string | null, TicketStatus, string]>;
  private readonly resolveStmt: Statement<unknown[]>;
  private readonly pruneStmt: Statement<[string, number]>;

  constructor(db: Database) {
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM knowledge_tickets WHERE id = ?`);
    this.bySession = db.prepare(`SELECT ${COLUMNS} FROM knowledge_tickets WHERE session_id = ?`);
    this.openedForStmt = db.prepare<[string], number>('SELECT EXISTS (SELECT 1 FROM knowledge_tickets WHERE session_id = ?)').pluck();
    this.unresolvedStmt = db.prepare(`SELECT ${COLUMNS} FROM knowledge_tickets WHERE status IN ('open', 'assigned') ORDER BY due_at, number`);
    this.ofStatus = db.prepare(`SELECT ${COLUMNS} FROM knowledge_tickets WHERE status = ? ORDER BY due_at, number`);
    this.recentlyResolved = db.prepare(`SELECT ${COLUMNS} FROM knowledge_tickets WHERE resolved_at IS NOT NULL ORDER BY resolved_at DESC LIMIT ?`);
    // A ticket past its due time is owed the breach warning (the early one is moot by then); one within
    // the warning time of it, the early one. Breached tickets nobody resolves stay in this range: a backlog, not a year.
    this.dueStmt = db.prepare(
      `SELECT number, id, dueAt, kind FROM (
         SELECT number, id, due_at AS dueAt, CASE WHEN due_at <= :now THEN 'breached' ELSE 'due-soon' END AS kind
         FROM knowledge_tickets WHERE status IN ('open', 'assigned') AND due_at <= :soon) AS owed
       WHERE NOT EXISTS (SELECT 1 FROM knowledge_ticket_warnings w WHERE w.ticket_number = owed.number AND w.kind = owed.kind)
       ORDER BY owed.number`,
    );
    const insert = `INTO knowledge_tickets (number, id, question, intent, lang, origin, session_id, status, assignee, created_at, due_at, resolved_at,
      resolution_article_id, resolution_how, resolution_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    this.insertStmt = db.prepare(`INSERT ${insert}`);
    this.importStmt = db.prepare(`INSERT OR IGNORE ${insert}`);
    this.commentStmt = db.prepare('INSERT INTO knowledge_ticket_comments (ticket_number, seq, by_user, text, at) VALUES (?, ?, ?, ?, ?)');
    this.appendCommentStmt = db.prepare(
      `INSERT INTO knowledge_ticket_comments (ticket_number, seq, by_user, text, at)
       SELECT ?, coalesce(max(seq), 0) + 1, ?, ?, ? FROM knowledge_ticket_comments WHERE ticket_number = ?`,
    );
    this.warningStmt = db.prepare('INSERT OR IGNORE INTO knowledge_ticket_warnings (ticket_number, kind, at) VALUES (?, ?, ?)');
    this.assignStmt = db.prepare('UPDATE knowledge_tickets SET assignee = ?, status = ? WHERE id = ?');
    this.resolveStmt = db.prepare(
      `UPDATE knowledge_tickets SET status = 'resolved', resolved_at = ?, resolution_article_id = ?, resolution_how = ?, resolution_by = ? WHERE id = ?`,
    );
    // Comments and warnings go with their ticket (ON DELETE CASCADE); `changes` counts the tickets alone.
    this.pruneStmt = db.prepare(
      'DELETE FROM knowledge_tickets WHERE number IN (SELECT number FROM knowledge_tickets WHERE resolved_at IS NOT NULL AND resolved_at < ? ORDER BY resolved_at LIMIT ?)',
    );
  }

  ticket(id: string): KbTicket | null {
    const row = this.byId.get(id);
    return row ? ticketOf(row) : null;
  }

  ticketOfSession(sessionId: string): KbTicket | null {
    const row = this.bySession.get(sessionId);
    return row ? ticketOf(row) : null;
  }

  openedFor(sessionId: string): boolean {
    return this.openedForStmt.get(sessionId) === 1;
  }

  /**
   * The tickets of a status by due time; without one, the board: every unresolved ticket and the most
   * recently resolved ones, by due time.
   */
  list(status?: TicketStatus): KbTicket[] {
    if (status) return this.ofStatus.all(status).map(ticketOf);
    const board = [...this.unresolvedStmt.all(), ...this.recentlyResolved.all(BOARD_RESOLVED)];
    return board.sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.number - b.number).map(ticketOf);
  }

  /** Unresolved tickets owed a warning at `nowIso`, given that the early one is due from `soonIso` before the due time. */
  dueForWarning(nowIso: string, soonIso: string): OwedWarning[] {
    return this.dueStmt.all({ now: nowIso, soon: soonIso });
  }

  /** Records a new ticket and returns its number. */
  insert(ticket: NewTicket): number {
    return Number(this.insertStmt.run(null, ...columnsOf(ticket)).lastInsertRowid);
  }

  addComment(ticketNumber: number, comment: KbTicket['comments'][number]): void {
    this.appendCommentStmt.run(ticketNumber, comment.by, comment.text, comment.at, ticketNumber);
  }

  addWarning(ticketNumber: number, kind: TicketWarningKind, at: string): void {
    this.warningStmt.run(ticketNumber, kind, at);
  }

  assign(id: string, assignee: string | null): void {
    this.assignStmt.run(assignee, assignee ? 'assigned' : 'open', id);
  }

  resolve(id: string, at: string, resolution: NonNullable<KbTicket['resolution']>): void {
    this.resolveStmt.run(at, resolution.articleId, resolution.how, resolution.by, id);
  }

  /** Records tickets of a v7 JSON store with their comments and warnings; one already recorded is left as it is. Returns how many were new. */
  importLegacy(tickets: readonly KbTicket[]): number {
    let added = 0;
    for (const ticket of tickets) {
      if (this.importStmt.run(ticket.number, ...columnsOf(ticket)).changes === 0) continue;
      added += 1;
      for (const [i, c] of ticket.comments.entries()) this.commentStmt.run(ticket.number, i + 1, c.by, c.text, c.at);
      for (const w of ticket.warnings) this.warningStmt.run(ticket.number, w.kind, w.at);
    }
    return added;
  }

  /** Deletes at most `limit` of the tickets resolved longest ago, before `beforeIso`, with their comments and warnings; returns how many tickets. */
  prune(beforeIso: string, limit: number): number {
    return this.pruneStmt.run(beforeIso, limit).changes;
  }
}

function columnsOf(t: NewTicket): unknown[] {
  return [t.id, t.question, t.intent, t.lang, t.origin, t.sessionId, t.status, t.assignee, t.createdAt, t.dueAt, t.resolvedAt, t.resolution?.articleId ?? null, t.resolution?.how ?? null, t.resolution?.by ?? null];
}
