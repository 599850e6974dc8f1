/**
 * Lower bound of the Wilson score interval for a success rate (95% by default): with few trials the bound
 * is low whatever the rate, so 1 success out of 1 (0.21) ranks below 90 out of 100 (0.82).
 */
export function wilsonLowerBound(successes: number, trials: number, z = 1.96): number {
  if (trials === 0) return 0;
  const p = successes / trials;
  const z2 = z * z;
  return (p + z2 / (2 * trials) - z * Math.sqrt((p * (1 - p) + z2 / (4 * trials)) / trials)) / (1 + z2 / trials);
}

export interface SolutionCandidate {
  articleId: string;
  /** How well the article matches the question: linked to its intent and/or found by search. */
  relevance: number;
  successes: number;
  trials: number;
}

export interface RankedSolution extends SolutionCandidate {
  lowerBound: number;
  /** Shown to learn its success rate rather than for a proven one. */
  exploring: boolean;
}

/** Below this many settled outcomes an article's success rate is still being learnt. */
export const EXPLORATION_TRIALS = 10;

/**
 * The top solutions by the lower bound of their success rate, relevance breaking ties. Unless one of them
 * is still being learnt, the last slot goes to the most relevant article with fewer than
 * EXPLORATION_TRIALS outcomes, so a new article gets shown and can earn its place.
 */
export function rankSolutions(candidates: readonly SolutionCandidate[], slots = 3): RankedSolution[] {
  const scored = candidates
    .map((c) => ({ ...c, lowerBound: wilsonLowerBound(c.successes, c.trials), exploring: false }))
    .sort((a, b) => b.lowerBound - a.lowerBound || b.relevance - a.relevance || a.articleId.localeCompare(b.articleId));
  const top = scored.slice(0, slots);
  const learning = (c: RankedSolution) => c.trials < EXPLORATION_TRIALS;
  if (top.length === slots && !top.some(learning)) {
    const newcomer = scored.slice(slots).filter(learning).sort((a, b) => b.relevance - a.relevance || a.trials - b.trials)[0];
    if (newcomer) top[slots - 1] = { ...newcomer, exploring: true };
  }
  return top;
}
