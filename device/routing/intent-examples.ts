import type { Database, Statement } from 'better-sqlite3';
import type { Language } from '../store/index.js';

/** A customer's question with the label the agent gave it at wrap-up: a correction when it differs from the routed one. */
export interface IntentExample {
  sessionId: string;
  text: string;
  lang: Language;
  routedLabel: string | null;
  label: string;
  agentId: string;
  at: string;
}

/** The longest question kept as an example; a longer one is cut (the intent is in its first sentences). */
export const MAX_EXAMPLE_CHARS = 2000;

const SELECT = 'SELECT session_id AS sessionId, text, lang, routed_label AS routedLabel, label, agent_id AS agentId, at FROM routing_intent_examples';

/** `routing_intent_examples`: the agents' wrap-ups as labelled examples, written in the wrap-up's own transaction. */
export class IntentExampleRepository {
  private readonly upsertStmt: Statement<[IntentExample]>;
  private readonly sinceStmt: Statement<[string], IntentExample>;
  private readonly relabelStmts: Statement<[string, string]>[];
  private readonly pruneStmt: Statement<[string, number]>;

  constructor(db: Database) {
    this.upsertStmt = db.prepare(
      `INSERT INTO routing_intent_examples (session_id, text, lang, routed_label, label, agent_id, at) VALUES (@sessionId, @text, @lang, @routedLabel, @label, @agentId, @at)
       ON CONFLICT (session_id) DO UPDATE SET label = excluded.label, agent_id = excluded.agent_id, at = excluded.at`,
    );
    this.sinceStmt = db.prepare(`${SELECT} WHERE at >= ? ORDER BY at, session_id`);
    this.relabelStmts = ['label', 'routed_label'].map((column) => db.prepare(`UPDATE routing_intent_examples SET ${column} = ? WHERE ${column} = ?`));
    this.pruneStmt = db.prepare('DELETE FROM routing_intent_examples WHERE rowid IN (SELECT rowid FROM routing_intent_examples WHERE at < ? ORDER BY at LIMIT ?)');
  }

  record(example: IntentExample): void {
    this.upsertStmt.run({ ...example, text: example.text.slice(0, MAX_EXAMPLE_CHARS) });
  }

  /** Examples wrapped up at or after `fromIso` (all of them by default), oldest first. */
  since(fromIso = ''): IntentExample[] {
    return this.sinceStmt.all(fromIso);
  }

  relabel(formerId: string, id: string): number {
    return this.relabelStmts.reduce((changed, stmt) => changed + stmt.run(id, formerId).changes, 0);
  }

  prune(beforeIso: string, limit: number): number {
    return this.pruneStmt.run(beforeIso, limit).changes;
  }
}
