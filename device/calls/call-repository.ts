import type { Database, Statement } from 'better-sqlite3';
import type { CallRecord, ChatMessage, EndReason } from '../store/index.js';

/** A call record without its chat: what the writes of a call's lifecycle return. */
export type CallRow = Omit<CallRecord, 'chat'>;

/** A call a crash left without an end, with the last moment anything was recorded of it. */
export interface OpenCall {
  id: string;
  lastSeen: string;
}

const COLUMNS = `id, kiosk_id AS kioskId, session_id AS sessionId, skill, agent_id AS agentId, lang,
  requested_at AS requestedAt, answered_at AS answeredAt, ended_at AS endedAt, end_reason AS endReason, recording`;
// The chat comes with its call in the same statement: one index range per call, no second round.
const WITH_CHAT = `${COLUMNS}, (SELECT json_group_array(json_object('from', from_role, 'text', text, 'at', at) ORDER BY seq)
  FROM calls_chat WHERE call_id = calls_records.id) AS chat`;
// Ties in the request time keep the order the calls were recorded in, as the JSON store's array did.
const OLDEST_FIRST = 'ORDER BY requested_at, rowid';

type StoredCall = Omit<CallRecord, 'chat'> & { chat: string };

function withChat(row: StoredCall): CallRecord {
  return { ...row, chat: JSON.parse(row.chat) as ChatMessage[] };
}

/**
 * The calls' tables in the journal (`calls_records`, `calls_chat`): every read is one index-backed
 * statement; the writes are synchronous and run inside a `journal.write`, which announces their facts.
 */
export class CallRepository {
  private readonly byId: Statement<[string], StoredCall>;
  private readonly recent: Statement<[number], StoredCall>;
  private readonly between: Statement<[string, string], StoredCall>;
  private readonly ofSession: Statement<[string], StoredCall>;
  private readonly agentsOfSessionStmt: Statement<[string], string>;
  private readonly chatStmt: Statement<[string], ChatMessage>;
  private readonly handled: Statement<[string, number], { answeredAt: string; endedAt: string }>;
  private readonly insertStmt: Statement<unknown[]>;
  private readonly importStmt: Statement<unknown[]>;
  private readonly chatInsertStmt: Statement<unknown[]>;
  private readonly appendChatStmt: Statement<unknown[]>;
  private readonly answerStmt: Statement<[string, string, string]>;
  private readonly endStmt: Statement<[string, EndReason, string], CallRow>;
  private readonly recordingStmt: Statement<[string, string]>;
  private readonly openStmt: Statement<[], OpenCall>;
  private readonly pruneStmt: Statement<[string, number]>;

  constructor(db: Database) {
    this.byId = db.prepare(`SELECT ${WITH_CHAT} FROM calls_records WHERE id = ?`);
    this.recent = db.prepare(`SELECT ${WITH_CHAT} FROM calls_records ORDER BY requested_at DESC, rowid DESC LIMIT ?`);
    this.between = db.prepare(`SELECT ${WITH_CHAT} FROM calls_records WHERE requested_at >= ? AND requested_at < ? ${OLDEST_FIRST}`);
    this.ofSession = db.prepare(`SELECT ${WITH_CHAT} FROM calls_records WHERE session_id = ? ${OLDEST_FIRST}`);
    this.agentsOfSessionStmt = db.prepare<[string], string>(`SELECT agent_id FROM calls_records WHERE session_id = ? AND agent_id IS NOT NULL ${OLDEST_FIRST}`).pluck();
    this.chatStmt = db.prepare(`SELECT from_role AS "from", text, at FROM calls_chat WHERE call_id = ? ORDER BY seq`);
    this.handled = db.prepare(
      `SELECT answered_at AS answeredAt, ended_at AS endedAt FROM calls_records
       WHERE skill = ? AND answered_at IS NOT NULL AND ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT ?`,
    );
    const insert = `INTO calls_records (id, kiosk_id, session_id, skill, agent_id, lang, requested_at, answered_at, ended_at, end_reason, recording)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    this.insertStmt = db.prepare(`INSERT ${insert}`);
    this.importStmt = db.prepare(`INSERT OR IGNORE ${insert}`);
    this.chatInsertStmt = db.prepare('INSERT INTO calls_chat (call_id, seq, from_role, text, at) VALUES (?, ?, ?, ?, ?)');
    this.appendChatStmt = db.prepare(
      'INSERT INTO calls_chat (call_id, seq, from_role, text, at) SELECT ?, coalesce(max(seq), 0) + 1, ?, ?, ? FROM calls_chat WHERE call_id = ?',
    );
    this.answerStmt = db.prepare('UPDATE calls_records SET agent_id = ?, answered_at = ? WHERE id = ?');
    this.endStmt = db.prepare(`UPDATE calls_records SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL RETURNING ${COLUMNS}`);
    this.recordingStmt = db.prepare('UPDATE calls_records SET recording = ? WHERE id = ?');
    this.openStmt = db.prepare(
      `SELECT id, max(requested_at, coalesce(answered_at, requested_at),
         coalesce((SELECT max(at) FROM calls_chat WHERE call_id = calls_records.id), requested_at)) AS lastSeen
       FROM calls_records WHERE ended_at IS NULL`,
    );
    // Chat rows go with their call (ON DELETE CASCADE); `changes` counts the calls alone.
    this.pruneStmt = db.prepare('DELETE FROM calls_records WHERE id IN (SELECT id FROM calls_records WHERE requested_at < ? ORDER BY requested_at LIMIT ?)');
  }

  record(callId: string): CallRecord | null {
    const row = this.byId.get(callId);
    return row ? withChat(row) : null;
  }

  /** The newest calls first. */
  recentCalls(limit: number): CallRecord[] {
    return this.recent.all(limit).map(withChat);
  }

  /** Calls requested in [fromIso, toIso), oldest first. */
  callsBetween(fromIso: string, toIso: string): CallRecord[] {
    return this.between.all(fromIso, toIso).map(withChat);
  }

  /** The calls of a service session, oldest first. */
  callsOfSession(sessionId: string): CallRecord[] {
    return this.ofSession.all(sessionId).map(withChat);
  }

  /** The agents who took calls of a service session, in the order they took them. */
  agentsOfSession(sessionId: string): string[] {
    return this.agentsOfSessionStmt.all(sessionId);
  }

  chatOf(callId: string): ChatMessage[] {
    return this.chatStmt.all(callId);
  }

  /** Answer and end times of a skill's last `limit` finished calls, newest first. */
  lastHandled(skill: string, limit: number): { answeredAt: string; endedAt: string }[] {
    return this.handled.all(skill, limit);
  }

  insert(record: CallRecord): void {
    this.insertStmt.run(...columnsOf(record));
    this.insertChat(record);
  }

  /** Returns whether the call is recorded. */
  answer(callId: string, agentId: string, at: string): boolean {
    return this.answerStmt.run(agentId, at, callId).changes > 0;
  }

  /** Adds a message after the call's last one; throws if the call is not recorded. */
  appendChat(callId: string, message: ChatMessage): void {
    this.appendChatStmt.run(callId, message.from, message.text, message.at, callId);
  }

  /** Closes a call that is still open; null if it is unknown or already ended. */
  end(callId: string, reason: EndReason, at: string): CallRow | null {
    return this.endStmt.get(at, reason, callId) ?? null;
  }

  setRecording(callId: string, file: string): void {
    this.recordingStmt.run(file, callId);
  }

  /** Calls without an end; normally none, read through a partial index that holds only them. */
  openCalls(): OpenCall[] {
    return this.openStmt.all();
  }

  /** Records calls of a v7 JSON store with their chat; a call already recorded is left as it is. Returns how many were new. */
  importLegacy(calls: readonly CallRecord[]): number {
    let added = 0;
    for (const call of calls) {
      if (this.importStmt.run(...columnsOf(call)).changes === 0) continue;
      added += 1;
      this.insertChat(call);
    }
    return added;
  }

  private insertChat(call: CallRecord): void {
    for (const [i, m] of call.chat.entries()) this.chatInsertStmt.run(call.id, i + 1, m.from, m.text, m.at);
  }

  /** Deletes at most `limit` of the oldest calls requested before `beforeIso`, with their chat; returns how many calls. */
  prune(beforeIso: string, limit: number): number {
    return this.pruneStmt.run(beforeIso, limit).changes;
  }
}

function columnsOf(r: CallRecord): unknown[] {
  return [r.id, r.kioskId, r.sessionId, r.skill, r.agentId, r.lang, r.requestedAt, r.answeredAt, r.endedAt, r.endReason, r.recording];
}
