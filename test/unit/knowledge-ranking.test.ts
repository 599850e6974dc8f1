import { describe, expect, it } from 'vitest';
import { EXPLORATION_TRIALS, rankSolutions, wilsonLowerBound } from '../../device/knowledge/index.js';

const candidate = (articleId: string, successes: number, trials: number, relevance = 1) => ({ articleId, successes, trials, relevance });

describe('solution ranking', () => {
  it('computes the Wilson lower bound so that few trials count for little', () => {
    expect(wilsonLowerBound(0, 0)).toBe(0);
    expect(wilsonLowerBound(1, 1)).toBeCloseTo(0.2065, 3);
    expect(wilsonLowerBound(90, 100)).toBeCloseTo(0.8256, 3);
    expect(wilsonLowerBound(9, 10)).toBeLessThan(wilsonLowerBound(90, 100));
    expect(wilsonLowerBound(50, 100)).toBeCloseTo(0.4038, 3);
    expect(wilsonLowerBound(100, 100)).toBeLessThan(1);
  });

  it('ranks 90 of 100 above 1 of 1, and a proven article above a merely relevant one', () => {
    const ranked = rankSolutions([candidate('new-lucky', 1, 1, 2), candidate('proven', 90, 100, 1), candidate('middling', 30, 60, 1.5)]);
    expect(ranked.map((r) => r.articleId)).toEqual(['proven', 'middling', 'new-lucky']);
  });

  it('keeps one slot for an article still being learnt, the most relevant of them', () => {
    const proven = [candidate('a', 80, 100), candidate('b', 70, 100), candidate('c', 60, 100), candidate('d', 50, 100)];
    const ranked = rankSolutions([...proven, candidate('fresh-weak', 0, 0, 0.3), candidate('fresh-strong', 0, 0, 0.9)]);
    expect(ranked.map((r) => r.articleId)).toEqual(['a', 'b', 'fresh-strong']);
    expect(ranked[2]!.exploring).toBe(true);
    // Once it has enough outcomes it competes on its record like the others.
    const learnt = rankSolutions([...proven, candidate('fresh-strong', 2, EXPLORATION_TRIALS, 0.9)]);
    expect(learnt.map((r) => r.articleId)).toEqual(['a', 'b', 'c']);
    expect(learnt.some((r) => r.exploring)).toBe(false);
  });

  it('does not give up a slot when a top article is itself still being learnt, and copes with fewer candidates', () => {
    expect(rankSolutions([candidate('x', 3, 6), candidate('y', 50, 100), candidate('z', 40, 100), candidate('w', 0, 0)]).map((r) => r.articleId)).toEqual(['y', 'z', 'x']);
    expect(rankSolutions([candidate('only', 0, 0)])).toHaveLength(1);
    expect(rankSolutions([])).toEqual([]);
  });
});
