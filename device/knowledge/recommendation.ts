import type { Language } from '../store/index.js';
import type { ArticleStats } from './exposure-ledger.js';
import type { KnowledgeIndexes } from './indexes.js';
import { rankSolutions, type SolutionCandidate } from './ranking.js';

export interface Recommendation {
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
  limit?: number;
}

/** Search hits below this share of the best hit's score are noise, not candidates. */
const MIN_RELATIVE_SCORE = 0.35;

/**
 * The top solutions for a question: the recommendable articles linked to its intent plus strong search
 * hits, ranked by the lower bound of their success rate (see rankSolutions). Reading only: what is
 * shown is recorded by the exposure ledger, when it is shown.
 */
export class Recommender {
  constructor(
    private readonly indexes: KnowledgeIndexes,
    private readonly stats: (articleId: string) => ArticleStats,
  ) {}

  recommend(input: RecommendInput): Recommendation[] {
    const limit = input.limit ?? 3;
    const recommendable = (id: string) => this.indexes.recommendable(id);
    const hits = this.indexes.match(input.text, 20, recommendable);
    const best = hits[0]?.score ?? 0;
    const relevanceOf = (id: string) => (best > 0 ? (hits.find((h) => h.id === id)?.score ?? 0) / best : 0);
    const candidates = new Map<string, Omit<SolutionCandidate, 'successes' | 'trials'>>();
    for (const articleId of input.intent ? this.indexes.solversOf(input.intent) : []) {
      if (recommendable(articleId)) candidates.set(articleId, { articleId, relevance: 1 + relevanceOf(articleId) });
    }
    // Search fills in when the intent is unknown or has too few solutions of its own.
    if (candidates.size < limit) {
      for (const hit of hits) {
        if (hit.score >= best * MIN_RELATIVE_SCORE && !candidates.has(hit.id)) candidates.set(hit.id, { articleId: hit.id, relevance: hit.score / best });
      }
    }
    const stats = new Map([...candidates.keys()].map((id) => [id, this.stats(id)]));
    const ranked = rankSolutions(
      [...candidates.values()].map((c) => {
        const s = stats.get(c.articleId)!;
        return { ...c, successes: s.successes, trials: s.successes + s.failures };
      }),
      limit,
    );
    return ranked.map((r) => {
      const version = this.indexes.currentVersion(r.articleId)!;
      return {
        articleId: r.articleId,
        key: this.indexes.nodeById(r.articleId)!.key,
        version: version.version,
        title: version.title[input.lang],
        body: version.body[input.lang],
        stats: stats.get(r.articleId)!,
        exploring: r.exploring,
      };
    });
  }
}
