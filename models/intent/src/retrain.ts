import type { IntentClassifier } from './classifier.js';
import type { Example } from './datasets.js';
import type { HeldOutExample } from './heldout.js';
import { trainingExamples, type LabelledQuestion, type TrainingSources } from './training-set.js';
import type { Taxonomy } from './taxonomy.js';

/**
 * Share of a held-out set a model gets right: an in-scope question given its own label, an out-of-scope
 * one turned away. The one number a retrained model must not lose on.
 */
export function heldOutAccuracy(classifier: IntentClassifier, heldOut: readonly HeldOutExample[]): number {
  if (heldOut.length === 0) return 0;
  let right = 0;
  for (const e of heldOut) {
    const p = classifier.predict(e.text, 1);
    const predicted = p.outOfScope ? null : (p.ranked[0]?.label ?? null);
    if (predicted === e.label) right += 1;
  }
  return right / heldOut.length;
}

export interface RetrainOutcome {
  candidate: IntentClassifier;
  examples: number;
  candidateAccuracy: number;
  currentAccuracy: number;
  /** The candidate is at least as accurate on the held-out set as the model in service. */
  install: boolean;
}

/**
 * Trains a model on the taxonomy with the agents' labelled questions and compares it with the model in
 * service on a fixed held-out set, which neither was trained on. Installing is the caller's decision.
 */
export async function retrainWithCorrections(input: {
  taxonomy: Taxonomy;
  heldOut: readonly HeldOutExample[];
  corrections: readonly LabelledQuestion[];
  current: IntentClassifier;
  sources: Omit<TrainingSources, 'corrections'>;
  train: (examples: readonly Example[]) => Promise<IntentClassifier>;
}): Promise<RetrainOutcome> {
  const examples = trainingExamples(input.taxonomy, { ...input.sources, corrections: input.corrections });
  const candidate = await input.train(examples);
  const candidateAccuracy = heldOutAccuracy(candidate, input.heldOut);
  const currentAccuracy = heldOutAccuracy(input.current, input.heldOut);
  return { candidate, examples: examples.length, candidateAccuracy, currentAccuracy, install: candidateAccuracy >= currentAccuracy };
}
