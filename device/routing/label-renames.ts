import type { Database, Statement } from 'better-sqlite3';
import { IntentExampleRepository } from './intent-examples.js';
import { SessionRepository } from './session-repository.js';

/**
 * The renames of intent labels (a taxonomy's `formerIds`) applied to the routing data: sessions, their
 * decisions and wrap-ups, and the labelled examples. `routing_label_renames` remembers each applied
 * rename, so the scan over the sessions happens once, not at every start.
 */
export class RoutingRelabel {
  private readonly appliedStmt: Statement<[], string>;
  private readonly markStmt: Statement<[string, string, string]>;
  private readonly sessions: SessionRepository;
  private readonly examples: IntentExampleRepository;

  constructor(db: Database) {
    this.appliedStmt = db.prepare<[], string>('SELECT former_id FROM routing_label_renames').pluck();
    this.markStmt = db.prepare('INSERT OR REPLACE INTO routing_label_renames (former_id, id, at) VALUES (?, ?, ?)');
    this.sessions = new SessionRepository(db);
    this.examples = new IntentExampleRepository(db);
  }

  /** The renames not applied yet. */
  pending(renames: ReadonlyMap<string, string>): Map<string, string> {
    const applied = new Set(this.appliedStmt.all());
    return new Map([...renames].filter(([former]) => !applied.has(former)));
  }

  /** Moves the routing data of `formerId` to `id` and remembers it; call inside a journal write. Returns the sessions changed. */
  apply(formerId: string, id: string, at: string): number {
    const sessions = this.sessions.relabel(formerId, id);
    this.examples.relabel(formerId, id);
    this.markStmt.run(formerId, id, at);
    return sessions;
  }
}
