/**
 * Margins of a linear SVM are not probabilities. A single temperature fitted on held-out examples
 * (Guo et al. 2017) turns them into confidences that match observed accuracy, which is what the
 * routing thresholds ("unsure", "out of scope") are written against.
 */

export function softmax(scores: ArrayLike<number>, temperature: number): Float64Array {
  const out = new Float64Array(scores.length);
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i]!);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    out[i] = Math.exp((scores[i]! - max) / temperature);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

function negativeLogLikelihood(scores: readonly ArrayLike<number>[], targets: Int32Array, temperature: number): number {
  let total = 0;
  scores.forEach((row, i) => {
    total -= Math.log(Math.max(softmax(row, temperature)[targets[i]!] ?? 0, 1e-12));
  });
  return total / Math.max(scores.length, 1);
}

/** Golden-section search over log-temperature; the likelihood is unimodal in it. */
export function fitTemperature(scores: readonly ArrayLike<number>[], targets: Int32Array): number {
  if (scores.length === 0) return 1;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = Math.log(0.005);
  let high = Math.log(10);
  for (let step = 0; step < 40; step++) {
    const a = high - ratio * (high - low);
    const b = low + ratio * (high - low);
    if (negativeLogLikelihood(scores, targets, Math.exp(a)) < negativeLogLikelihood(scores, targets, Math.exp(b))) high = b;
    else low = a;
  }
  return Math.exp((low + high) / 2);
}

/**
 * Weight of out-of-scope recall against in-scope accuracy when choosing the threshold: a wrong
 * "I can't help with that" turns a customer away, a missed out-of-scope only reaches a clarifying
 * question or an agent, so recall counts for less.
 */
const OUT_OF_SCOPE_RECALL_WEIGHT = 0.5;

/**
 * The lowest top-confidence at which a prediction is still trusted, chosen on held-out examples to
 * maximise in-scope accuracy plus weighted out-of-scope recall. Zero when there are no out-of-scope
 * examples to learn it from.
 */
export function fitOutOfScopeThreshold(probabilities: readonly Float64Array[], targets: Int32Array, outOfScopeIndex: number): number {
  const outOfScopeCount = targets.filter((t) => t === outOfScopeIndex).length;
  if (outOfScopeIndex < 0 || outOfScopeCount === 0) return 0;
  const inScopeCount = targets.length - outOfScopeCount;
  const items = probabilities.map((p, i) => {
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    return { top: p[best]!, best, target: targets[i]! };
  });
  let bestThreshold = 0;
  let bestObjective = -Infinity;
  for (const candidate of [0, ...items.map((item) => item.top + 1e-9)]) {
    let correct = 0;
    let caught = 0;
    for (const item of items) {
      const flagged = item.best === outOfScopeIndex || item.top < candidate;
      if (item.target === outOfScopeIndex) caught += flagged ? 1 : 0;
      else correct += !flagged && item.best === item.target ? 1 : 0;
    }
    const objective = correct / Math.max(inScopeCount, 1) + (OUT_OF_SCOPE_RECALL_WEIGHT * caught) / outOfScopeCount;
    if (objective > bestObjective) {
      bestObjective = objective;
      bestThreshold = candidate;
    }
  }
  return bestThreshold;
}
