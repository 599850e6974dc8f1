import { LANGUAGES, type KbArticleVersion, type KbLink, type KbNode, type KbNodeType, type Language, type LocalizedText } from '../store/index.js';
import { Bm25Index, type SearchHit } from './bm25.js';
import type { Synonyms } from './synonyms.js';
import { searchTerms } from './text.js';

/** What one write to the knowledge graph added or changed; the graph never deletes (retiring is a change). */
export interface GraphChange {
  nodes: readonly KbNode[];
  versions: readonly KbArticleVersion[];
  links: readonly KbLink[];
}

export interface SearchResult {
  articleId: string;
  key: string;
  title: string;
  snippet: string;
  score: number;
  status: KbNode['status'];
}

const keyOf = (type: KbNodeType, key: string) => `${type}\u0000${key}`;

function add<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The in-memory indexes over the knowledge graph: nodes by id and by key, each article's current
 * version, the links of each node, the solvers of each intent, and BM25 search over the current
 * versions. Built once from the store, then brought up to date with what each write changed: a saved
 * article is re-indexed alone. They hold the store's committed objects, which the store replaces on a
 * write and never mutates.
 */
export class KnowledgeIndexes {
  private readonly bm25 = new Bm25Index();
  private readonly nodes = new Map<string, KbNode>();
  private readonly byKey = new Map<string, KbNode>();
  private readonly current = new Map<string, KbArticleVersion>();
  private readonly links = new Map<string, KbLink[]>();
  private readonly supersededBy = new Map<string, string[]>();
  /** Articles that solve each intent, by the intent's label. */
  private readonly solvers = new Map<string, string[]>();

  constructor(
    graph: GraphChange,
    private readonly synonyms: Synonyms,
    private readonly now: () => number = Date.now,
  ) {
    this.apply(graph);
  }

  apply(change: GraphChange): void {
    for (const node of change.nodes) {
      this.nodes.set(node.id, node);
      this.byKey.set(keyOf(node.type, node.key), node);
    }
    const reindex = new Set<string>();
    for (const v of change.versions) {
      const latest = this.current.get(v.articleId);
      if (latest && latest.version >= v.version) continue;
      this.current.set(v.articleId, v);
      reindex.add(v.articleId);
    }
    for (const l of change.links) {
      add(this.links, l.from, l);
      add(this.links, l.to, l);
      if (l.type === 'supersedes') add(this.supersededBy, l.to, l.from);
      if (l.type === 'solves') add(this.solvers, this.nodes.get(l.to)!.key, l.from);
    }
    for (const articleId of reindex) this.reindex(this.current.get(articleId)!);
  }

  /**
   * Rebuilds the node and link indexes from the whole graph, for a change `apply` cannot express (an
   * intent node renamed or merged away); article versions and search stay as they are.
   */
  relink(graph: Pick<GraphChange, 'nodes' | 'links'>): void {
    for (const map of [this.nodes, this.byKey, this.links, this.supersededBy, this.solvers]) map.clear();
    this.apply({ nodes: graph.nodes, versions: [], links: graph.links });
  }

  private reindex(version: KbArticleVersion): void {
    const all = (text: LocalizedText) => LANGUAGES.flatMap((lang) => searchTerms(text[lang]));
    this.bm25.upsert(version.articleId, [
      { terms: all(version.title), weight: 3 },
      { terms: LANGUAGES.flatMap((lang) => version.keywords[lang].flatMap((k) => searchTerms(k))), weight: 2 },
      { terms: all(version.body), weight: 1 },
    ]);
  }

  get articleCount(): number {
    return this.bm25.size;
  }

  node(type: KbNodeType, key: string): KbNode | null {
    return this.byKey.get(keyOf(type, key)) ?? null;
  }

  nodeById(id: string): KbNode | null {
    return this.nodes.get(id) ?? null;
  }

  /** All nodes, for the monthly review's pass over the articles. */
  allNodes(): IterableIterator<KbNode> {
    return this.nodes.values();
  }

  currentVersion(articleId: string): KbArticleVersion | null {
    return this.current.get(articleId) ?? null;
  }

  linksOf(nodeId: string): readonly KbLink[] {
    return this.links.get(nodeId) ?? [];
  }

  solversOf(intent: string): readonly string[] {
    return this.solvers.get(intent) ?? [];
  }

  /** The active articles that replace this one. */
  activeSuccessors(articleId: string): KbNode[] {
    return (this.supersededBy.get(articleId) ?? []).map((id) => this.nodes.get(id)!).filter((n) => n.status === 'active');
  }

  /** Active, valid now and not replaced by an active article. */
  recommendable(articleId: string, now = this.now()): boolean {
    const node = this.nodes.get(articleId);
    const version = this.current.get(articleId);
    if (!node || node.status !== 'active' || !version) return false;
    if (Date.parse(version.validFrom) > now || (version.validUntil && Date.parse(version.validUntil) <= now)) return false;
    return this.activeSuccessors(articleId).length === 0;
  }

  /** BM25 hits for a question, its synonyms counting less than its own words. */
  match(text: string, limit: number, accept?: (articleId: string) => boolean): SearchHit[] {
    return this.bm25.search(this.synonyms.expand(searchTerms(text)), limit, accept);
  }

  search(text: string, lang: Language, limit = 10, onlyRecommendable = false): SearchResult[] {
    return this.match(text, limit, onlyRecommendable ? (id) => this.recommendable(id) : undefined).map((hit) => {
      const node = this.nodes.get(hit.id)!;
      const version = this.current.get(hit.id)!;
      return { articleId: hit.id, key: node.key, title: version.title[lang], snippet: version.body[lang].slice(0, 160), score: hit.score, status: node.status };
    });
  }
}
