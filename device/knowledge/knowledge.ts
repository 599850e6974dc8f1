import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EventBus } from '../bus.js';
import {
  LANGUAGES,
  localizedTermsSchema,
  localizedTextSchema,
  type KbArticleVersion,
  type KbExposure,
  type KbLinkType,
  type KbNode,
  type KbNodeType,
  type Language,
  type LocalizedText,
  type Store,
  type StoreData,
} from '../store/index.js';
import { Bm25Index } from './bm25.js';
import { rankSolutions, wilsonLowerBound, type SolutionCandidate } from './ranking.js';
import type { Synonyms } from './synonyms.js';
import { searchTerms } from './text.js';

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be a date');
const nodeKey = z.string().trim().min(1).max(200);

export const articleInputSchema = z.strictObject({
  key: nodeKey,
  title: localizedTextSchema.extend({ 'zh-Hant': z.string().min(1).max(200), 'zh-Hans': z.string().min(1).max(200), en: z.string().min(1).max(200) }),
  body: localizedTextSchema.extend({ 'zh-Hant': z.string().min(1).max(20_000), 'zh-Hans': z.string().min(1).max(20_000), en: z.string().min(1).max(20_000) }),
  keywords: localizedTermsSchema.default({ 'zh-Hant': [], 'zh-Hans': [], en: [] }),
  validFrom: isoDate,
  validUntil: isoDate.nullable().default(null),
  intents: z.array(nodeKey).max(20).default([]),
  products: z.array(nodeKey).max(50).default([]),
  policies: z.array(nodeKey).max(50).default([]),
  /** Articles this one replaces: they stop being recommended. */
  supersedes: z.array(nodeKey).max(20).default([]),
  source: nodeKey.nullable().default(null),
});
export type ArticleInput = z.output<typeof articleInputSchema>;

export const referenceInputSchema = z.strictObject({
  key: nodeKey,
  title: localizedTextSchema,
  body: localizedTextSchema,
});
export type ReferenceInput = z.output<typeof referenceInputSchema>;

/** A request the caller got wrong: unknown ids, a reference to nothing, a state that does not allow it. */
export class KnowledgeError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

export interface ArticleStats {
  shown: number;
  successes: number;
  failures: number;
  lowerBound: number;
}

export interface Recommendation {
  exposureId: string | null;
  articleId: string;
  key: string;
  version: number;
  title: string;
  body: string;
  stats: ArticleStats;
  exploring: boolean;
}

export interface RecommendInput {
  text: string;
  intent: string | null;
  lang: Language;
  /** Record what was shown (and to whom) so its outcome can count; searches from the admin pages do not. */
  shownTo: { audience: 'bot' | 'agent'; sessionId: string | null; customerId: string | null } | null;
  limit?: number;
}

export interface SearchResult {
  articleId: string;
  key: string;
  title: string;
  snippet: string;
  score: number;
  status: KbNode['status'];
}

const contentHash = (v: Pick<KbArticleVersion, 'title' | 'body' | 'keywords' | 'validFrom' | 'validUntil'>) =>
  createHash('sha256').update(JSON.stringify([v.title, v.body, v.keywords, v.validFrom, v.validUntil])).digest('hex');

/** A customer back with the same intent within this time was not helped the first time. */
const REPEAT_WINDOW_MS = 7 * 24 * 3_600_000;

/** An article needs this many settled outcomes before a low success rate puts it up for retirement. */
const REVIEW_MIN_OUTCOMES = 20;
const REVIEW_LOW_SUCCESS = 0.3;

export interface ReviewItem {
  articleId: string;
  key: string;
  title: LocalizedText;
  reasons: string[];
  stats: ArticleStats;
}

const EMPTY_TEXT: LocalizedText = { 'zh-Hant': '', 'zh-Hans': '', en: '' };
/** Search hits below this share of the best hit's score are noise, not candidates. */
const MIN_RELATIVE_SCORE = 0.35;

/**
 * The knowledge graph: articles (versioned, valid from/until), products, policies, intents and sources,
 * typed links between them, BM25 search over the current versions, and the top solutions for a question
 * ranked by their recorded success.
 */
export class Knowledge {
  private readonly index = new Bm25Index();
  // Lookups the search path needs per hit, rebuilt after each write (writes are rare, searches are not).
  private readonly nodesById = new Map<string, KbNode>();
  private readonly current = new Map<string, KbArticleVersion>();
  private readonly supersededBy = new Map<string, string[]>();
  /** Articles that solve each intent, by the intent's label. */
  private readonly solvers = new Map<string, string[]>();
  private readonly tallies = new Map<string, { shown: number; successes: number; failures: number }>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly synonyms: Synonyms,
    private readonly now: () => number = Date.now,
  ) {
    store.read((d) => {
      this.rebuild(d);
      for (const node of d.kbNodes) if (node.type === 'article') this.reindex(node.id);
    });
  }

  private rebuild(data: StoreData): void {
    this.nodesById.clear();
    this.current.clear();
    this.supersededBy.clear();
    for (const node of data.kbNodes) this.nodesById.set(node.id, node);
    for (const v of data.kbArticleVersions) {
      const latest = this.current.get(v.articleId);
      if (!latest || v.version > latest.version) this.current.set(v.articleId, v);
    }
    this.solvers.clear();
    for (const l of data.kbLinks) {
      if (l.type === 'supersedes') this.supersededBy.set(l.to, [...(this.supersededBy.get(l.to) ?? []), l.from]);
      if (l.type === 'solves') {
        const intent = this.nodesById.get(l.to)!.key;
        const list = this.solvers.get(intent) ?? [];
        list.push(l.from);
        this.solvers.set(intent, list);
      }
    }
    this.tallies.clear();
    for (const e of data.kbExposures) this.tally(e.articleId, 1, e.outcome, 1);
  }

  private tally(articleId: string, shown: number, outcome: KbExposure['outcome'], sign: 1 | -1): void {
    const t = this.tallies.get(articleId) ?? { shown: 0, successes: 0, failures: 0 };
    t.shown += shown;
    if (outcome === 'success') t.successes += sign;
    if (outcome === 'failure') t.failures += sign;
    this.tallies.set(articleId, t);
  }

  private afterWrite(changedArticles: readonly string[]): void {
    this.store.read((d) => this.rebuild(d));
    for (const id of changedArticles) this.reindex(id);
  }

  private reindex(articleId: string): void {
    const version = this.current.get(articleId);
    if (!version) return this.index.remove(articleId);
    const all = (text: LocalizedText) => LANGUAGES.flatMap((lang) => searchTerms(text[lang]));
    this.index.upsert(articleId, [
      { terms: all(version.title), weight: 3 },
      { terms: LANGUAGES.flatMap((lang) => version.keywords[lang].flatMap((k) => searchTerms(k))), weight: 2 },
      { terms: all(version.body), weight: 1 },
    ]);
  }

  get articleCount(): number {
    return this.index.size;
  }

  node(type: KbNodeType, key: string): KbNode | null {
    return this.store.read((d) => d.kbNodes.find((n) => n.type === type && n.key === key) ?? null);
  }

  /** Adds or updates a product, policy or source node (they are not versioned). */
  async upsertReference(type: 'product' | 'policy' | 'source', input: ReferenceInput): Promise<KbNode> {
    const { node } = await this.store.update((d) => upsertReferenceIn(d, type, input, new Date(this.now()).toISOString()));
    this.afterWrite([]);
    return node;
  }

  /**
   * Adds an article or a new version of it when its content changed; links it to its intents, products,
   * policies, source and the articles it supersedes. Unchanged content writes nothing.
   */
  async upsertArticle(input: ArticleInput, author: string): Promise<{ articleId: string; version: number; changed: boolean }> {
    const result = await this.store.update((d) => upsertArticleIn(d, input, author, new Date(this.now()).toISOString()));
    this.afterWrite(result.changed ? [result.articleId] : []);
    if (result.changed) {
      this.bus.emit('knowledge.article.saved', { articleId: result.articleId, version: result.version, at: new Date(this.now()).toISOString() });
    }
    return result;
  }

  /** Applies many changes in one store write: all of them or, if `apply` throws, none. */
  async transaction<T>(apply: (tx: KnowledgeTransaction) => T): Promise<T> {
    let touched: string[] = [];
    const result = await this.store.update((d) => {
      const draft = structuredClone({ kbNodes: d.kbNodes, kbArticleVersions: d.kbArticleVersions, kbLinks: d.kbLinks });
      const scratch = { ...d, ...draft };
      const at = new Date(this.now()).toISOString();
      const changed: string[] = [];
      const value = apply({
        upsertArticle: (input, author) => {
          const r = upsertArticleIn(scratch, articleInputSchema.parse(input), author, at);
          if (r.changed) changed.push(r.articleId);
          return r;
        },
        upsertReference: (type, input) => upsertReferenceIn(scratch, type, input, at),
        articlesFrom: (sourceKey) => {
          const source = scratch.kbNodes.find((n) => n.type === 'source' && n.key === sourceKey);
          if (!source) return [];
          const ids = new Set(scratch.kbLinks.filter((l) => l.type === 'derived-from' && l.to === source.id).map((l) => l.from));
          return scratch.kbNodes.filter((n) => ids.has(n.id) && n.status === 'active').map((n) => n.key);
        },
        retire: (key, reason) => {
          const node = scratch.kbNodes.find((n) => n.type === 'article' && n.key === key);
          if (!node) throw new KnowledgeError(`no article "${key}"`, 404);
          if (node.status === 'active') Object.assign(node, { status: 'retired', retiredAt: at, retiredReason: reason });
          changed.push(node.id);
        },
      });
      Object.assign(d, draft);
      touched = changed;
      return value;
    });
    this.afterWrite(touched);
    return result;
  }

  async retire(articleId: string, reason: string): Promise<void> {
    await this.store.update((d) => {
      const node = d.kbNodes.find((n) => n.id === articleId && n.type === 'article');
      if (!node) throw new KnowledgeError('no such article', 404);
      if (node.status === 'retired') throw new KnowledgeError('the article is already retired', 409);
      Object.assign(node, { status: 'retired', retiredAt: new Date(this.now()).toISOString(), retiredReason: reason });
    });
    this.afterWrite([]);
    this.bus.emit('knowledge.article.retired', { articleId, reason, at: new Date(this.now()).toISOString() });
  }

  /** Active, valid now and not replaced by an active article. */
  recommendable(articleId: string, now = this.now()): boolean {
    const node = this.nodesById.get(articleId);
    const version = this.current.get(articleId);
    if (!node || node.status !== 'active' || !version) return false;
    if (Date.parse(version.validFrom) > now || (version.validUntil && Date.parse(version.validUntil) <= now)) return false;
    return !(this.supersededBy.get(articleId) ?? []).some((from) => this.nodesById.get(from)?.status === 'active');
  }

  /** An article with its current version, links and success figures. */
  article(articleId: string): { node: KbNode; version: KbArticleVersion; versions: number; links: { type: KbLinkType; direction: 'out' | 'in'; node: KbNode }[]; stats: ArticleStats; recommendable: boolean } {
    const node = this.nodesById.get(articleId);
    const version = this.current.get(articleId);
    if (!node || node.type !== 'article' || !version) throw new KnowledgeError('no such article', 404);
    return this.store.read((d) => ({
      node,
      version,
      versions: version.version,
      links: d.kbLinks
        .filter((l) => l.from === articleId || l.to === articleId)
        .map((l) => ({ type: l.type, direction: l.from === articleId ? ('out' as const) : ('in' as const), node: this.nodesById.get(l.from === articleId ? l.to : l.from)! })),
      stats: this.stats(articleId),
      recommendable: this.recommendable(articleId),
    }));
  }

  /**
   * The monthly review: active articles past their valid-until date, replaced by a newer article, or
   * with a low success rate over enough outcomes to be sure of it. Retiring them keeps their history.
   */
  review(now = this.now()): ReviewItem[] {
    const items: ReviewItem[] = [];
    for (const node of this.nodesById.values()) {
      if (node.type !== 'article' || node.status !== 'active') continue;
      const version = this.current.get(node.id);
      if (!version) continue;
      const stats = this.stats(node.id);
      const settled = stats.successes + stats.failures;
      const reasons: string[] = [];
      if (version.validUntil && Date.parse(version.validUntil) <= now) reasons.push(`expired on ${version.validUntil.slice(0, 10)}`);
      const by = (this.supersededBy.get(node.id) ?? []).map((id) => this.nodesById.get(id)).filter((n) => n?.status === 'active');
      if (by.length > 0) reasons.push(`superseded by ${by.map((n) => n!.key).join(', ')}`);
      if (settled >= REVIEW_MIN_OUTCOMES && stats.successes / settled < REVIEW_LOW_SUCCESS) reasons.push(`resolved only ${stats.successes} of ${settled}`);
      if (reasons.length > 0) items.push({ articleId: node.id, key: node.key, title: version.title, reasons, stats });
    }
    return items.sort((a, b) => a.key.localeCompare(b.key));
  }

  stats(articleId: string): ArticleStats {
    const t = this.tallies.get(articleId) ?? { shown: 0, successes: 0, failures: 0 };
    return { ...t, lowerBound: wilsonLowerBound(t.successes, t.successes + t.failures) };
  }

  search(text: string, lang: Language, limit = 10, onlyRecommendable = false): SearchResult[] {
    const query = this.synonyms.expand(searchTerms(text));
    const hits = this.index.search(query, limit, onlyRecommendable ? (id) => this.recommendable(id) : undefined);
    return hits.map((hit) => {
      const node = this.nodesById.get(hit.id)!;
      const version = this.current.get(hit.id)!;
      return { articleId: hit.id, key: node.key, title: version.title[lang], snippet: version.body[lang].slice(0, 160), score: hit.score, status: node.status };
    });
  }

  /**
   * The top solutions for a question: the recommendable articles linked to its intent plus strong search
   * hits, ranked by the lower bound of their success rate (see rankSolutions). Each one shown is recorded
   * as an exposure whose outcome is settled later.
   */
  async recommend(input: RecommendInput): Promise<Recommendation[]> {
    const limit = input.limit ?? 3;
    const at = new Date(this.now()).toISOString();
    const candidates = new Map<string, SolutionCandidate>();
    const hits = this.index.search(this.synonyms.expand(searchTerms(input.text)), 20, (id) => this.recommendable(id));
    const best = hits[0]?.score ?? 0;
    const relevanceOf = (id: string) => (best > 0 ? (hits.find((h) => h.id === id)?.score ?? 0) / best : 0);
    for (const articleId of input.intent ? (this.solvers.get(input.intent) ?? []) : []) {
      if (this.recommendable(articleId)) candidates.set(articleId, { articleId, relevance: 1 + relevanceOf(articleId), successes: 0, trials: 0 });
    }
    // Search fills in when the intent is unknown or has too few solutions of its own.
    if (candidates.size < limit) {
      for (const hit of hits) {
        if (hit.score >= best * MIN_RELATIVE_SCORE && !candidates.has(hit.id)) candidates.set(hit.id, { articleId: hit.id, relevance: hit.score / best, successes: 0, trials: 0 });
      }
    }
    for (const candidate of candidates.values()) {
      const s = this.stats(candidate.articleId);
      candidate.successes = s.successes;
      candidate.trials = s.successes + s.failures;
    }
    const ranked = rankSolutions([...candidates.values()], limit);
    const recommendations: Recommendation[] = ranked.map((r) => {
      const node = this.nodesById.get(r.articleId)!;
      const version = this.current.get(r.articleId)!;
      return {
        exposureId: input.shownTo ? randomUUID() : null,
        articleId: r.articleId,
        key: node.key,
        version: version.version,
        title: version.title[input.lang],
        body: version.body[input.lang],
        stats: this.stats(r.articleId),
        exploring: r.exploring,
      };
    });
    const shownTo = input.shownTo;
    if (shownTo && recommendations.length > 0) {
      await this.store.update((d) => {
        recommendations.forEach((r, i) =>
          d.kbExposures.push({
            id: r.exposureId!,
            articleId: r.articleId,
            version: r.version,
            sessionId: shownTo.sessionId,
            intent: input.intent,
            customerId: shownTo.customerId,
            audience: shownTo.audience,
            rank: i + 1,
            at,
            outcome: null,
            outcomeBy: null,
            outcomeAt: null,
          }),
        );
      });
      for (const r of recommendations) this.tally(r.articleId, 1, null, 1);
    }
    return recommendations;
  }

  /**
   * The third source of outcomes: an identified customer who asks about the same intent again within
   * REPEAT_WINDOW was not helped by what they were shown, and one who stays quiet that long was.
   * Outcomes given by a person are left alone.
   */
  async settleByRepeats(customerId: string | null, intent: string | null, currentSessionId: string | null): Promise<number> {
    const now = this.now();
    const at = new Date(now).toISOString();
    const changes = this.store.read((d) =>
      d.kbExposures
        .filter((e) => e.customerId !== null && e.outcome === null && e.sessionId !== currentSessionId)
        .flatMap((e): { exposure: KbExposure; outcome: 'success' | 'failure'; by: 'repeat' | 'no-repeat' }[] => {
          const age = now - Date.parse(e.at);
          if (age >= REPEAT_WINDOW_MS) return [{ exposure: e, outcome: 'success', by: 'no-repeat' }];
          return customerId !== null && e.customerId === customerId && intent !== null && e.intent === intent ? [{ exposure: e, outcome: 'failure', by: 'repeat' }] : [];
        }),
    );
    if (changes.length === 0) return 0;
    await this.store.update(() => {
      for (const { exposure, outcome, by } of changes) Object.assign(exposure, { outcome, outcomeBy: by, outcomeAt: at });
    });
    for (const { exposure, outcome } of changes) this.tally(exposure.articleId, 0, outcome, 1);
    return changes.length;
  }

  /** What was shown in a service session, to the bot's customer and to the agent. */
  exposuresOf(sessionId: string): KbExposure[] {
    return this.store.read((d) => d.kbExposures.filter((e) => e.sessionId === sessionId));
  }

  exposure(id: string): KbExposure | null {
    return this.store.read((d) => d.kbExposures.find((e) => e.id === id) ?? null);
  }

  /** Settles what a shown article achieved. An outcome already given by a person is not overwritten. */
  async recordOutcome(exposureId: string, success: boolean, by: KbExposure['outcomeBy'] & string): Promise<KbExposure> {
    const at = new Date(this.now()).toISOString();
    const exposure = await this.store.update((d) => {
      const found = d.kbExposures.find((e) => e.id === exposureId);
      if (!found) throw new KnowledgeError('no such recommendation', 404);
      if (found.outcomeBy === 'agent' || found.outcomeBy === 'customer') throw new KnowledgeError('its outcome is already recorded', 409);
      const before = { ...found };
      Object.assign(found, { outcome: success ? 'success' : 'failure', outcomeBy: by, outcomeAt: at });
      return { before, after: { ...found } };
    });
    this.tally(exposure.before.articleId, 0, exposure.before.outcome, -1);
    this.tally(exposure.after.articleId, 0, exposure.after.outcome, 1);
    this.bus.emit('knowledge.outcome', { exposureId, articleId: exposure.after.articleId, success, by, at });
    return exposure.after;
  }
}

export interface ReferenceResult {
  node: KbNode;
  added: boolean;
  changed: boolean;
}

export interface KnowledgeTransaction {
  upsertArticle(input: unknown, author: string): { articleId: string; version: number; changed: boolean };
  upsertReference(type: 'product' | 'policy' | 'source', input: ReferenceInput): ReferenceResult;
  retire(key: string, reason: string): void;
  /** Keys of the active articles that came from a source. */
  articlesFrom(sourceKey: string): string[];
}

function currentVersion(data: Pick<StoreData, 'kbArticleVersions'>, articleId: string): KbArticleVersion | null {
  let latest: KbArticleVersion | null = null;
  for (const v of data.kbArticleVersions) if (v.articleId === articleId && (!latest || v.version > latest.version)) latest = v;
  return latest;
}

function newNode(type: KbNodeType, key: string, title: LocalizedText, body: LocalizedText, at: string): KbNode {
  return { id: randomUUID(), type, key, title, body, status: 'active', createdAt: at, retiredAt: null, retiredReason: null };
}

function upsertReferenceIn(d: Pick<StoreData, 'kbNodes'>, type: 'product' | 'policy' | 'source', input: ReferenceInput, at: string): ReferenceResult {
  const existing = d.kbNodes.find((n) => n.type === type && n.key === input.key);
  if (existing) {
    const changed = JSON.stringify([existing.title, existing.body]) !== JSON.stringify([input.title, input.body]);
    return { node: Object.assign(existing, { title: input.title, body: input.body }), added: false, changed };
  }
  const node = newNode(type, input.key, input.title, input.body, at);
  d.kbNodes.push(node);
  return { node, added: true, changed: true };
}

function link(d: Pick<StoreData, 'kbLinks'>, from: string, to: string, type: KbLinkType, at: string): void {
  if (!d.kbLinks.some((l) => l.from === from && l.to === to && l.type === type)) d.kbLinks.push({ from, to, type, createdAt: at });
}

function upsertArticleIn(d: Pick<StoreData, 'kbNodes' | 'kbArticleVersions' | 'kbLinks'>, input: ArticleInput, author: string, at: string) {
  const find = (type: KbNodeType, key: string) => d.kbNodes.find((n) => n.type === type && n.key === key);
  const references = [
    ...input.products.map((key) => ['product', key] as const),
    ...input.policies.map((key) => ['policy', key] as const),
    ...input.supersedes.map((key) => ['article', key] as const),
    ...(input.source ? [['source', input.source] as const] : []),
  ];
  for (const [type, key] of references) if (!find(type, key)) throw new KnowledgeError(`article "${input.key}" refers to an unknown ${type} "${key}"`);
  if (input.validUntil && Date.parse(input.validUntil) <= Date.parse(input.validFrom)) throw new KnowledgeError(`article "${input.key}": validUntil must be after validFrom`);

  let node = find('article', input.key);
  if (!node) {
    node = newNode('article', input.key, input.title, EMPTY_TEXT, at);
    d.kbNodes.push(node);
  } else {
    node.title = input.title;
  }
  const content = { title: input.title, body: input.body, keywords: input.keywords, validFrom: input.validFrom, validUntil: input.validUntil };
  const hash = contentHash(content);
  const latest = currentVersion(d, node.id);
  const changed = latest?.contentHash !== hash;
  const version = changed ? (latest?.version ?? 0) + 1 : latest!.version;
  if (changed) d.kbArticleVersions.push({ articleId: node.id, version, ...content, contentHash: hash, author, createdAt: at });

  for (const intent of input.intents) {
    let intentNode = find('intent', intent);
    if (!intentNode) d.kbNodes.push((intentNode = newNode('intent', intent, { 'zh-Hant': intent, 'zh-Hans': intent, en: intent }, EMPTY_TEXT, at)));
    link(d, node.id, intentNode.id, 'solves', at);
  }
  for (const [type, key] of references) {
    const target = find(type, key)!;
    link(d, node.id, target.id, type === 'article' ? 'supersedes' : type === 'source' ? 'derived-from' : 'applies-to', at);
  }
  return { articleId: node.id, version, changed };
}
