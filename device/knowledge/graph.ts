import { createHash, randomUUID } from 'node:crypto';
import type { EventBus } from '../bus.js';
import type { KbArticleVersion, KbLink, KbLinkType, KbNode, KbNodeType, LocalizedText, Store, StoreData } from '../store/index.js';
import { KnowledgeError } from './errors.js';
import type { GraphChange, KnowledgeIndexes } from './indexes.js';
import { articleInputSchema, type ArticleInput, type ReferenceInput } from './inputs.js';

export type ReferenceType = 'product' | 'policy' | 'source';

export interface ReferenceResult {
  node: KbNode;
  added: boolean;
  changed: boolean;
}

export interface ArticleSaved {
  articleId: string;
  version: number;
  changed: boolean;
}

/** Many changes to the graph applied as one store write. */
export interface KnowledgeTransaction {
  upsertArticle(input: unknown, author: string): ArticleSaved;
  upsertReference(type: ReferenceType, input: ReferenceInput): ReferenceResult;
  retire(key: string, reason: string): void;
  /** Keys of the active articles that came from a source. */
  articlesFrom(sourceKey: string): string[];
}

type GraphData = Pick<StoreData, 'kbNodes' | 'kbArticleVersions' | 'kbLinks'>;

const EMPTY_TEXT: LocalizedText = { 'zh-Hant': '', 'zh-Hans': '', en: '' };

const contentHash = (v: Pick<KbArticleVersion, 'title' | 'body' | 'keywords' | 'validFrom' | 'validUntil'>) =>
  createHash('sha256').update(JSON.stringify([v.title, v.body, v.keywords, v.validFrom, v.validUntil])).digest('hex');

const keyOf = (type: KbNodeType, key: string) => `${type}\u0000${key}`;
const linkKeyOf = (from: string, to: string, type: KbLinkType) => `${from}\u0000${to}\u0000${type}`;

/**
 * One store write's view of the graph: lookups over the store's draft, built once so that a bundle of
 * thousands of articles does not search the arrays for each, and the list of what it added or changed
 * for the indexes to catch up on after the write.
 */
class GraphDraft {
  private readonly byKey = new Map<string, KbNode>();
  private readonly linkKeys = new Set<string>();
  private readonly latest = new Map<string, KbArticleVersion>();
  private readonly changedNodes = new Map<string, KbNode>();
  private readonly addedVersions: KbArticleVersion[] = [];
  private readonly addedLinks: KbLink[] = [];

  constructor(
    private readonly d: GraphData,
    private readonly at: string,
  ) {
    for (const n of d.kbNodes) this.byKey.set(keyOf(n.type, n.key), n);
    for (const l of d.kbLinks) this.linkKeys.add(linkKeyOf(l.from, l.to, l.type));
    for (const v of d.kbArticleVersions) if ((this.latest.get(v.articleId)?.version ?? 0) < v.version) this.latest.set(v.articleId, v);
  }

  get change(): GraphChange {
    return { nodes: [...this.changedNodes.values()], versions: this.addedVersions, links: this.addedLinks };
  }

  find(type: KbNodeType, key: string): KbNode | undefined {
    return this.byKey.get(keyOf(type, key));
  }

  articleById(id: string): KbNode | undefined {
    const node = this.d.kbNodes.find((n) => n.id === id);
    return node?.type === 'article' ? node : undefined;
  }

  private addNode(type: KbNodeType, key: string, title: LocalizedText, body: LocalizedText): KbNode {
    const node: KbNode = { id: randomUUID(), type, key, title, body, status: 'active', createdAt: this.at, retiredAt: null, retiredReason: null };
    this.d.kbNodes.push(node);
    this.byKey.set(keyOf(type, key), node);
    this.changedNodes.set(node.id, node);
    return node;
  }

  private link(from: string, to: string, type: KbLinkType): void {
    const key = linkKeyOf(from, to, type);
    if (this.linkKeys.has(key)) return;
    const link: KbLink = { from, to, type, createdAt: this.at };
    this.d.kbLinks.push(link);
    this.linkKeys.add(key);
    this.addedLinks.push(link);
  }

  upsertReference(type: ReferenceType, input: ReferenceInput): ReferenceResult {
    const existing = this.find(type, input.key);
    if (!existing) return { node: this.addNode(type, input.key, input.title, input.body), added: true, changed: true };
    const changed = JSON.stringify([existing.title, existing.body]) !== JSON.stringify([input.title, input.body]);
    if (changed) {
      Object.assign(existing, { title: input.title, body: input.body });
      this.changedNodes.set(existing.id, existing);
    }
    return { node: existing, added: false, changed };
  }

  /**
   * Adds an article or a new version of it when its content changed; links it to its intents, products,
   * policies, source and the articles it supersedes.
   */
  upsertArticle(input: ArticleInput, author: string): ArticleSaved {
    const references = [
      ...input.products.map((key) => ['product', key] as const),
      ...input.policies.map((key) => ['policy', key] as const),
      ...input.supersedes.map((key) => ['article', key] as const),
      ...(input.source ? [['source', input.source] as const] : []),
    ];
    for (const [type, key] of references) if (!this.find(type, key)) throw new KnowledgeError(`article "${input.key}" refers to an unknown ${type} "${key}"`);
    if (input.validUntil && Date.parse(input.validUntil) <= Date.parse(input.validFrom)) throw new KnowledgeError(`article "${input.key}": validUntil must be after validFrom`);

    let node = this.find('article', input.key);
    if (!node) {
      node = this.addNode('article', input.key, input.title, EMPTY_TEXT);
    } else if (JSON.stringify(node.title) !== JSON.stringify(input.title)) {
      node.title = input.title;
      this.changedNodes.set(node.id, node);
    }
    const content = { title: input.title, body: input.body, keywords: input.keywords, validFrom: input.validFrom, validUntil: input.validUntil };
    const hash = contentHash(content);
    const latest = this.latest.get(node.id);
    const changed = latest?.contentHash !== hash;
    const version = changed ? (latest?.version ?? 0) + 1 : latest!.version;
    if (changed) {
      const saved: KbArticleVersion = { articleId: node.id, version, ...content, contentHash: hash, author, createdAt: this.at };
      this.d.kbArticleVersions.push(saved);
      this.latest.set(node.id, saved);
      this.addedVersions.push(saved);
    }

    for (const intent of input.intents) {
      const intentNode = this.find('intent', intent) ?? this.addNode('intent', intent, { 'zh-Hant': intent, 'zh-Hans': intent, en: intent }, EMPTY_TEXT);
      this.link(node.id, intentNode.id, 'solves');
    }
    for (const [type, key] of references) {
      this.link(node.id, this.find(type, key)!.id, type === 'article' ? 'supersedes' : type === 'source' ? 'derived-from' : 'applies-to');
    }
    return { articleId: node.id, version, changed };
  }

  retire(node: KbNode, reason: string): void {
    Object.assign(node, { status: 'retired', retiredAt: this.at, retiredReason: reason });
    this.changedNodes.set(node.id, node);
  }

  articlesFrom(sourceKey: string): string[] {
    const source = this.find('source', sourceKey);
    if (!source) return [];
    const ids = new Set(this.d.kbLinks.filter((l) => l.type === 'derived-from' && l.to === source.id).map((l) => l.from));
    return this.d.kbNodes.filter((n) => ids.has(n.id) && n.status === 'active').map((n) => n.key);
  }
}

/**
 * Changes to the knowledge graph (articles, versioned and valid from/until; products, policies,
 * intents and sources; typed links; retiring), each one store write. The indexes catch up with what the
 * write changed once it is on disk.
 */
export class KnowledgeGraph {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly indexes: KnowledgeIndexes,
    private readonly now: () => number = Date.now,
  ) {}

  private at(): string {
    return new Date(this.now()).toISOString();
  }

  private async write<T>(apply: (draft: GraphDraft) => T): Promise<T> {
    const at = this.at();
    const { result, change } = await this.store.update((d) => {
      const draft = new GraphDraft(d, at);
      return { result: apply(draft), change: draft.change };
    });
    this.indexes.apply(change);
    return result;
  }

  /** Adds or updates a product, policy or source node (they are not versioned). */
  async upsertReference(type: ReferenceType, input: ReferenceInput): Promise<KbNode> {
    return (await this.write((draft) => draft.upsertReference(type, input))).node;
  }

  /** Adds an article or a new version of it; content that did not change adds no version. */
  async upsertArticle(input: ArticleInput, author: string): Promise<ArticleSaved> {
    const saved = await this.write((draft) => draft.upsertArticle(input, author));
    if (saved.changed) this.bus.emit('knowledge.article.saved', { articleId: saved.articleId, version: saved.version, at: this.at() });
    return saved;
  }

  /** Applies many changes in one store write: all of them or, if `apply` throws, none. */
  transaction<T>(apply: (tx: KnowledgeTransaction) => T): Promise<T> {
    return this.write((draft) =>
      apply({
        upsertArticle: (input, author) => draft.upsertArticle(articleInputSchema.parse(input), author),
        upsertReference: (type, input) => draft.upsertReference(type, input),
        articlesFrom: (sourceKey) => draft.articlesFrom(sourceKey),
        retire: (key, reason) => {
          const node = draft.find('article', key);
          if (!node) throw new KnowledgeError(`no article "${key}"`, 404);
          if (node.status === 'active') draft.retire(node, reason);
        },
      }),
    );
  }

  async retire(articleId: string, reason: string): Promise<void> {
    await this.write((draft) => {
      const node = draft.articleById(articleId);
      if (!node) throw new KnowledgeError('no such article', 404);
      if (node.status === 'retired') throw new KnowledgeError('the article is already retired', 409);
      draft.retire(node, reason);
    });
    this.bus.emit('knowledge.article.retired', { articleId, reason, at: this.at() });
  }
}
