import type { Example } from './datasets.js';
import type { IntentClassifier } from './classifier.js';

export interface Evaluation {
  /** Share of in-scope items given their own label (and not called out of scope). */
  accuracy: number;
  /** Mean F1 over the in-scope labels; an out-of-scope call counts as a miss. */
  macroF1: number;
  /** Share of out-of-scope items called out of scope; null when the test set has none. */
  oosRecall: number | null;
  msPerQuery: number;
}

export function evaluate(classifier: IntentClassifier, test: readonly Example[]): Evaluation {
  const truePositives = new Map<string, number>();
  const predictedCount = new Map<string, number>();
  const actualCount = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  let inScope = 0;
  let correct = 0;
  let outOfScope = 0;
  let caught = 0;
  const started = performance.now();
  const predictions = test.map((example) => classifier.predict(example.text, 1));
  const elapsed = performance.now() - started;
  test.forEach((example, i) => {
    const prediction = predictions[i]!;
    const predicted = prediction.outOfScope ? null : (prediction.ranked[0]?.label ?? null);
    if (example.label === null) {
      outOfScope++;
      if (predicted === null) caught++;
      else bump(predictedCount, predicted);
      return;
    }
    inScope++;
    bump(actualCount, example.label);
    if (predicted !== null) bump(predictedCount, predicted);
    if (predicted === example.label) {
      correct++;
      bump(truePositives, example.label);
    }
  });
  let f1Sum = 0;
  for (const [label, actual] of actualCount) {
    const tp = truePositives.get(label) ?? 0;
    const predicted = predictedCount.get(label) ?? 0;
    f1Sum += tp === 0 ? 0 : (2 * tp) / (actual + predicted);
  }
  return {
    accuracy: correct / Math.max(inScope, 1),
    macroF1: f1Sum / Math.max(actualCount.size, 1),
    oosRecall: outOfScope === 0 ? null : caught / outOfScope,
    msPerQuery: elapsed / Math.max(test.length, 1),
  };
}
