import type { Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import { recordData, sha256, type RecordData, type SessionKpiFacts } from '../../protocol/index.js';
import { FACTS_OPEN_MS } from '../metrics/index.js';
import type { Outbox, OutboxJournal } from './outbox.js';

/** What the sweep reads of the KPIs: the facts, as of `now`, of the sessions that started in [from, to). */
export interface SessionFactsSource {
  sessionKpiFacts(from: number, to: number, now: number): SessionKpiFacts[];
}

/** Sessions per journal write: a few milliseconds of work, so a pass never holds the event loop. */
const BATCH = 200;

interface Changed {
  facts: SessionKpiFacts;
  data: RecordData<'session'>;
  hash: string;
}

/**
 * Puts each recent session's KPI facts in the outbox (the `facts` event of the `session` stream) when
 * they changed since they were last put there. Facts change with no fact of their own the feed could
 * follow (the response target passing unanswered, a later visit making a session a repeat, a scorecard
 * a day later), so the sweep recomputes every session whose facts may still change and compares each
 * with the hash of what it last sent.
 */
export class FactsSweep {
  private running: Promise<number> | null = null;
  private stopped = false;
  private pending: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly sentHashes: Statement<[], { session_id: string; hash: string }>;
  private readonly upsert: Statement<[string, string, string]>;
  private readonly prune: Statement<[string]>;

  constructor(
    private readonly journal: OutboxJournal,
    private readonly outbox: Outbox,
    private readonly source: SessionFactsSource,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    const db = journal.db;
    this.sentHashes = db.prepare('SELECT session_id, hash FROM outbox_sent_facts');
    this.upsert = db.prepare('INSERT INTO outbox_sent_facts (session_id, hash, started_at) VALUES (?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET hash = excluded.hash');
    this.prune = db.prepare('DELETE FROM outbox_sent_facts WHERE started_at < ?');
  }

  /** One pass; resolves with how many records it added. A pass already under way is joined rather than started twice. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Runs a pass now and then every `intervalMs`; returns the function that stops it (a pass under way ends after its current batch). */
  schedule(intervalMs = 60_000): () => void {
    this.tick();
    const timer = setInterval(() => this.tick(), intervalMs);
    timer.unref();
    this.timer = timer;
    return () => this.stop();
  }

  /** No further passes, on the interval or after pokes; a pass under way finishes. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
  }

  /**
   * A pass shortly, after a fact that changes some session's figures (a decision, an answer, a wrap-up):
   * the fleet sees it in seconds rather than at the next interval, and a burst of facts shares one pass.
   */
  soon(delayMs = 2000): void {
    if (this.stopped || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.tick();
    }, delayMs);
    this.pending.unref();
  }

  private tick(): void {
    if (this.stopped) return;
    this.runOnce().catch((err: Error) => this.log.error({ err: err.message }, 'session facts sweep failed'));
  }

  private async pass(): Promise<number> {
    const now = this.now();
    const since = new Date(now - FACTS_OPEN_MS).toISOString();
    const at = new Date(now).toISOString();
    const sent = new Map(this.sentHashes.all().map((r) => [r.session_id, r.hash]));
    const changed: Changed[] = [];
    const invalid: { sessionId: string; problem: string | undefined }[] = [];
    for (const facts of this.source.sessionKpiFacts(Date.parse(since), now + 1, now)) {
      const hash = sha256(JSON.stringify(facts));
      if (sent.get(facts.sessionId) === hash) continue;
      // The schema is the contract with the hub: facts that break it are a bug here, not data to send.
      const checked = recordData.session.safeParse({ event: 'facts', ...facts });
      if (checked.success) changed.push({ facts, data: checked.data, hash });
      else invalid.push({ sessionId: facts.sessionId, problem: checked.error.issues[0]?.message });
    }
    if (invalid.length > 0) this.log.error({ sessions: invalid.length, first: invalid[0] }, 'session facts do not match their schema; not sent');
    let added = 0;
    for (let i = 0; i < changed.length; i += BATCH) {
      if (i > 0) await new Promise(setImmediate);
      if (this.stopped) return added;
      const batch = changed.slice(i, i + BATCH);
      added += await this.journal.write((tx) => {
        for (const { facts, data, hash } of batch) {
          this.outbox.add(tx, 'session', data, at);
          this.upsert.run(facts.sessionId, hash, facts.startedAt);
        }
        return batch.length;
      });
    }
    if (!this.stopped) await this.journal.write(() => this.prune.run(since));
    return added;
  }
}
