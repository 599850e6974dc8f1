import { randomUUID } from 'node:crypto';
import type { BusEvents, FactJournal } from '../bus.js';
import type { KbExposure, Tx } from '../store/index.js';
import { KnowledgeError } from './errors.js';
import { ExposureRepository } from './exposure-repository.js';
import { wilsonLowerBound } from './ranking.js';

export interface ArticleStats {
  shown: number;
  successes: number;
  failures: number;
  lowerBound: number;
}

/** An article version put in front of someone. */
export interface ShownArticle {
  articleId: string;
  version: number;
}

/** Whom an article was shown to, and for what. */
export interface Audience {
  sessionId: string | null;
  customerId: string | null;
  intent: string | null;
}

/** A customer back with the same intent within this time was not helped the first time. */
const REPEAT_WINDOW_MS = 7 * 24 * 3_600_000;
/** Exposures settled per write by the quiet-days pass: a few milliseconds each. */
const SETTLE_BATCH = 500;

/**
 * The record of what was shown to whom and what came of it: the agent's or the customer's verdict,
 * or, for an identified customer, their coming back with the same intent (a failure) or staying away
 * for REPEAT_WINDOW (a success). Each outcome is a fact announced in the write that records it.
 */
export class ExposureLedger {
  readonly repository: ExposureRepository;

  constructor(
    private readonly journal: FactJournal,
    private readonly now: () => number = Date.now,
  ) {
    this.repository = new ExposureRepository(journal.db);
  }

  private at(): string {
    return new Date(this.now()).toISOString();
  }

  exposure(id: string): KbExposure | null {
    return this.repository.exposure(id);
  }

  /** What was shown in a service session, to the bot's customer and to the agent. */
  exposuresOf(sessionId: string): KbExposure[] {
    return this.repository.exposuresOf(sessionId);
  }

  stats(articleId: string): ArticleStats {
    const t = this.repository.tally(articleId);
    return { ...t, lowerBound: wilsonLowerBound(t.successes, t.successes + t.failures) };
  }

  /** The bot's answer, shown to the customer at the kiosk: every answer is a showing of its own. */
  showToBot(to: Audience, article: ShownArticle): Promise<KbExposure> {
    return this.journal.write(() => this.insert(to, 'bot', article, 1));
  }

  /**
   * Articles put in front of the agents of a session, in rank order. An article already shown to them in
   * this session (the page reloaded, a transferred call) keeps its first exposure and is not counted again.
   */
  showToAgents(to: Audience & { sessionId: string }, articles: readonly ShownArticle[]): Promise<KbExposure[]> {
    return this.journal.write(() => articles.map((article, i) => this.repository.shownToAgentOf(to.sessionId, article.articleId) ?? this.insert(to, 'agent', article, i + 1)));
  }

  private insert(to: Audience, audience: KbExposure['audience'], article: ShownArticle, rank: number): KbExposure {
    const exposure: KbExposure = {
      id: randomUUID(),
      articleId: article.articleId,
      version: article.version,
      sessionId: to.sessionId,
      intent: to.intent,
      customerId: to.customerId,
      audience,
      rank,
      at: this.at(),
      outcome: null,
      outcomeBy: null,
      outcomeAt: null,
    };
    this.repository.insert(exposure);
    return exposure;
  }

  /** Settles what a shown article achieved. An outcome already given by a person is not overwritten. */
  recordOutcome(exposureId: string, success: boolean, by: 'agent' | 'customer'): Promise<KbExposure> {
    return this.journal.write((tx) => {
      const found = this.repository.exposure(exposureId);
      if (!found) throw new KnowledgeError('no such recommendation', 404);
      if (found.outcomeBy === 'agent' || found.outcomeBy === 'customer') throw new KnowledgeError('its outcome is already recorded', 409);
      const settled = this.repository.setOutcome(exposureId, success ? 'success' : 'failure', by, this.at())!;
      announce(tx, settled);
      return settled;
    });
  }

  /**
   * Inside the write of a customer's new question: what the customer was shown for the same intent in
   * earlier sessions within REPEAT_WINDOW, and not yet settled, did not help. Returns how many.
   */
  settleRepeats(tx: Tx<BusEvents>, customerId: string, intent: string, currentSessionId: string | null): number {
    const now = this.now();
    const failed = this.repository.failRepeats(customerId, intent, new Date(now - REPEAT_WINDOW_MS).toISOString(), currentSessionId, new Date(now).toISOString());
    for (const exposure of failed) announce(tx, exposure);
    return failed.length;
  }

  /**
   * Identified customers who stayed away for REPEAT_WINDOW after being shown an article were helped by
   * it. Settled in batches, each its own write; returns how many. Anonymous customers cannot be
   * followed, so their exposures wait for a person's verdict.
   */
  async settleQuietDays(): Promise<number> {
    let total = 0;
    for (;;) {
      const settled = await this.journal.write((tx) => {
        const now = this.now();
        const batch = this.repository.settleQuiet(new Date(now - REPEAT_WINDOW_MS).toISOString(), new Date(now).toISOString(), SETTLE_BATCH);
        for (const exposure of batch) announce(tx, exposure);
        return batch.length;
      });
      total += settled;
      if (settled < SETTLE_BATCH) return total;
    }
  }
}

function announce(tx: Tx<BusEvents>, e: KbExposure): void {
  tx.emit('knowledge.outcome', { exposureId: e.id, articleId: e.articleId, success: e.outcome === 'success', by: e.outcomeBy!, at: e.outcomeAt! });
}
