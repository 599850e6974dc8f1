import type { LocalizedText } from '../store/index.js';
import type { ArticleStats } from './exposure-ledger.js';
import type { KnowledgeIndexes } from './indexes.js';

export interface ReviewItem {
  articleId: string;
  key: string;
  title: LocalizedText;
  reasons: string[];
  stats: ArticleStats;
}

/** An article needs this many settled outcomes before a low success rate puts it up for retirement. */
const REVIEW_MIN_OUTCOMES = 20;
const REVIEW_LOW_SUCCESS = 0.3;

/**
 * The monthly review: active articles past their valid-until date, replaced by a newer article, or
 * with a low success rate over enough outcomes to be sure of it. Retiring them keeps their history.
 */
export function monthlyReview(indexes: KnowledgeIndexes, statsOf: (articleId: string) => ArticleStats, now: number): ReviewItem[] {
  const items: ReviewItem[] = [];
  for (const node of indexes.allNodes()) {
    if (node.type !== 'article' || node.status !== 'active') continue;
    const version = indexes.currentVersion(node.id);
    if (!version) continue;
    const stats = statsOf(node.id);
    const settled = stats.successes + stats.failures;
    const reasons: string[] = [];
    if (version.validUntil && Date.parse(version.validUntil) <= now) reasons.push(`expired on ${version.validUntil.slice(0, 10)}`);
    const by = indexes.activeSuccessors(node.id);
    if (by.length > 0) reasons.push(`superseded by ${by.map((n) => n.key).join(', ')}`);
    if (settled >= REVIEW_MIN_OUTCOMES && stats.successes / settled < REVIEW_LOW_SUCCESS) reasons.push(`resolved only ${stats.successes} of ${settled}`);
    if (reasons.length > 0) items.push({ articleId: node.id, key: node.key, title: version.title, reasons, stats });
  }
  return items.sort((a, b) => a.key.localeCompare(b.key));
}
