import type { EventBus, FactJournal } from '../bus.js';
import type { KbArticleVersion, KbExposure, KbLinkType, KbNode, Language, Store } from '../store/index.js';
import { KnowledgeError } from './errors.js';
import { ExposureLedger, type ArticleStats, type Audience, type ShownArticle } from './exposure-ledger.js';
import { KnowledgeGraph } from './graph.js';
import { KnowledgeIndexes } from './indexes.js';
import { relabelIntentNodes } from './relabel.js';
import { Recommender } from './recommendation.js';
import { monthlyReview, type ReviewItem } from './review.js';
import type { Synonyms } from './synonyms.js';

export interface ArticleDetail {
  node: KbNode;
  version: KbArticleVersion;
  versions: number;
  links: { type: KbLinkType; direction: 'out' | 'in'; node: KbNode }[];
  stats: ArticleStats;
  recommendable: boolean;
}

/** The bot's answer to a customer's question, and the exposure the customer's "did this help?" settles. */
export interface BotAnswer {
  exposureId: string;
  title: string;
  body: string;
}

/**
 * The knowledge base: the graph (reference data in the store) and its in-memory indexes, the
 * recommendations ranked over them, and the ledger of what was shown (journal). What needs more than
 * one of them is here.
 */
export class Knowledge {
  readonly indexes: KnowledgeIndexes;
  readonly graph: KnowledgeGraph;
  readonly ledger: ExposureLedger;
  readonly recommender: Recommender;

  constructor(
    journal: FactJournal,
    private readonly store: Store,
    bus: EventBus,
    synonyms: Synonyms,
    private readonly now: () => number = Date.now,
  ) {
    this.indexes = new KnowledgeIndexes(
      store.read((d) => ({ nodes: d.kbNodes, versions: d.kbArticleVersions, links: d.kbLinks })),
      synonyms,
      now,
    );
    this.graph = new KnowledgeGraph(store, bus, this.indexes, now);
    this.ledger = new ExposureLedger(journal, now);
    this.recommender = new Recommender(this.indexes, (id) => this.ledger.stats(id));
  }

  /** Moves intent nodes of renamed labels to their new ids (see relabel.ts) while serving; returns the nodes moved. */
  async relabelIntents(renames: ReadonlyMap<string, string>): Promise<number> {
    const moved = await relabelIntentNodes(this.store, renames);
    if (moved > 0) this.indexes.relink(this.store.read((d) => ({ nodes: d.kbNodes, links: d.kbLinks })));
    return moved;
  }

  /** An article with its current version, links and success figures. */
  article(articleId: string): ArticleDetail {
    const node = this.indexes.nodeById(articleId);
    const version = this.indexes.currentVersion(articleId);
    if (!node || node.type !== 'article' || !version) throw new KnowledgeError('no such article', 404);
    return {
      node,
      version,
      versions: version.version,
      links: this.indexes.linksOf(articleId).map((l) => {
        const out = l.from === articleId;
        return { type: l.type, direction: out ? ('out' as const) : ('in' as const), node: this.indexes.nodeById(out ? l.to : l.from)! };
      }),
      stats: this.ledger.stats(articleId),
      recommendable: this.indexes.recommendable(articleId),
    };
  }

  /** What a service session was shown, to the bot's customer and to the agent (for quality inspection). */
  exposuresOf(sessionId: string): KbExposure[] {
    return this.ledger.exposuresOf(sessionId);
  }

  /** Whether an article may be recommended now (for quality inspection's check of what was used). */
  recommendable(articleId: string): boolean {
    return this.indexes.recommendable(articleId);
  }

  review(now = this.now()): ReviewItem[] {
    return monthlyReview(this.indexes, (id) => this.ledger.stats(id), now);
  }

  /** The best solution for a bot-tier question, recorded as shown to the customer; null when there is none. */
  async botAnswer(question: { intent: string; text: string; lang: Language; sessionId: string; customerId: string | null }): Promise<BotAnswer | null> {
    const [best] = this.recommender.recommend({ text: question.text, intent: question.intent, lang: question.lang, limit: 1 });
    if (!best) return null;
    const exposure = await this.ledger.showToBot({ sessionId: question.sessionId, customerId: question.customerId, intent: question.intent }, best);
    return { exposureId: exposure.id, title: best.title, body: best.body };
  }

  /** Records that the agents of a session are being shown these article versions, in rank order. */
  async showToAgents(to: Audience & { sessionId: string }, shown: readonly ShownArticle[]): Promise<KbExposure[]> {
    for (const { articleId, version } of shown) {
      const node = this.indexes.nodeById(articleId);
      const current = this.indexes.currentVersion(articleId);
      if (node?.type !== 'article' || !current || version > current.version) throw new KnowledgeError(`no version ${version} of article ${articleId}`, 404);
    }
    return this.ledger.showToAgents(to, shown);
  }
}
