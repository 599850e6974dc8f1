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

/**
 * Log loss of "the top label is right" at its confidence: routing acts on the top confidence alone
 * (answer, ask or say out of scope), so that is the number that has to mean what it says.
 */
function topLabelLogLoss(scores: readonly ArrayLike<number>[], targets: Int32Array, temperature: number): number {
  let total = 0;
  scores.forEach((row, i) => {
    const p = softmax(row, temperature);
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    const confidence = Math.min(Math.max(p[best]!, 1e-9), 1 - 1e-9);
    total -= best === targets[i] ? Math.log(confidence) : Math.log(1 - confidence);
  });
  return total / Math.max(scores.length, 1);
}

/** Golden-section search over log-temperature; the loss is unimodal in it. */
export function fitTemperature(scores: readonly ArrayLike<number>[], targets: Int32Array): number {
  if (scores.length === 0) return 1;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = Math.log(0.005);
  let high = Math.log(10);
  for (let step = 0; step < 40; step++) {
    const a = high - ratio * (high - low);
    const b = low + ratio * (high - low);
    if (topLabelLogLoss(scores, targets, Math.exp(a)) < topLabelLogLoss(scores, targets, Math.exp(b))) high = b;
    else low = a;
  }
  return Math.exp((low + high) / 2);
}

/**
 * Share of correctly recognised in-scope questions the out-of-scope threshold may turn away. Fixing
 * this (rather than trading it against out-of-scope recall) keeps the threshold stable even when only a
 * handful of out-of-scope examples are held out: a wrong "I can't help with that" turns a customer
 * away, while a missed out-of-scope question only reaches a clarifying question or an agent.
 */
const IN_SCOPE_REJECTION_BUDGET = 0.005;

/**
 * The lowest top-confidence at which a prediction is still trusted: the confidence below which lie
 * IN_SCOPE_REJECTION_BUDGET of the held-out in-scope predictions that were right. Zero when the training
 * data has no out-of-scope examples, since then nothing tells what out of scope looks like.
 */
export function fitOutOfScopeThreshold(probabilities: readonly Float64Array[], targets: Int32Array, outOfScopeIndex: number): number {
  if (outOfScopeIndex < 0 || !targets.includes(outOfScopeIndex)) return 0;
  const confidences: number[] = [];
  probabilities.forEach((p, i) => {
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    if (best === targets[i] && best !== outOfScopeIndex) confidences.push(p[best]!);
  });
  if (confidences.length === 0) return 0;
  confidences.sort((a, b) => a - b);
  return confidences[Math.floor(confidences.length * IN_SCOPE_REJECTION_BUDGET)]!;
}
