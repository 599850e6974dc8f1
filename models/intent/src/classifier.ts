import type { Example } from './datasets.js';
import { DEFAULT_FEATURE_OPTIONS, normalizeText, type FeatureOptions } from './features.js';
import { decisionScores, quantize, quantizedScores, trainOneVsRest, type LinearModel, type QuantizedLinear } from './linear-svm.js';
import { fitOutOfScopeThreshold, fitTemperature, softmax } from './calibration.js';
import { Vectorizer, type SparseVector, type VectorizerState } from './vectorizer.js';

/** The out-of-scope examples are trained as one more class under this name. */
export const OUT_OF_SCOPE = '__out_of_scope__';

export interface RankedLabel {
  label: string;
  /** Calibrated probability that this label is right. */
  confidence: number;
}

export interface Prediction {
  /** In-scope labels, most likely first. */
  ranked: RankedLabel[];
  outOfScope: boolean;
}

export interface TrainOptions {
  features: FeatureOptions;
  /**
   * An n-gram enters the vocabulary only when this many training texts have it: one seen once is mostly
   * a typo or a number, and dropping those halves the model for a tenth of a point on BANKING77.
   */
  minDocumentFrequency: number;
  c: number;
  maxEpochs: number;
  /** Share of the examples held back to fit the temperature and the out-of-scope threshold, when none is marked for tuning. */
  calibrationShare: number;
  seed: number;
  onProgress?: (stage: 'calibration' | 'final', done: number, total: number) => void;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  features: DEFAULT_FEATURE_OPTIONS,
  minDocumentFrequency: 2,
  c: 1,
  maxEpochs: 30,
  calibrationShare: 0.1,
  seed: 7,
};

export interface ClassifierState {
  labels: string[];
  vectorizer: VectorizerState;
  temperature: number;
  outOfScopeThreshold: number;
}

interface Encoded {
  rows: SparseVector[];
  targets: Int32Array;
}

function encode(vectorizer: Vectorizer, examples: readonly Example[], index: Map<string, number>): Encoded {
  return {
    rows: examples.map((e) => vectorizer.transform(e.text)),
    targets: Int32Array.from(examples, (e) => index.get(e.label ?? OUT_OF_SCOPE) ?? -1),
  };
}

/**
 * Holds back about `share` of each label's examples. Texts that normalise to the same string (a
 * Traditional sentence and its Simplified twin) stay on one side, or the held-out part would look easier
 * than new questions and the fitted temperature would make the model overconfident.
 */
function stratifiedSplit(examples: readonly Example[], share: number, seed: number): [Example[], Example[]] {
  const byLabel = new Map<string, Map<string, Example[]>>();
  for (const e of examples) {
    const label = e.label ?? OUT_OF_SCOPE;
    const twins = byLabel.get(label) ?? new Map<string, Example[]>();
    byLabel.set(label, twins);
    const key = normalizeText(e.text);
    twins.set(key, [...(twins.get(key) ?? []), e]);
  }
  const fit: Example[] = [];
  const held: Example[] = [];
  let state = seed;
  for (const twins of byLabel.values()) {
    const groups = [...twins.values()]
      .map((group) => ({ group, k: (state = (state * 1103515245 + 12345) % 2147483648) }))
      .sort((a, b) => a.k - b.k)
      .map(({ group }) => group);
    const total = groups.reduce((sum, g) => sum + g.length, 0);
    let heldCount = 0;
    for (const group of groups) {
      const hold = groups.length > 1 && heldCount < Math.max(1, Math.round(total * share));
      (hold ? held : fit).push(...group);
      if (hold) heldCount += group.length;
    }
  }
  return [fit, held];
}

export type TrainingStage = 'calibration' | 'final';

/** One linear fit on some examples: its vocabulary and its weights. */
export interface LinearFit {
  vectorizer: Vectorizer;
  linear: LinearModel;
}

export type LinearFitter = (train: readonly Example[], labels: readonly string[], stage: TrainingStage) => Promise<LinearFit>;

/** Fits the vocabulary and the one-vs-rest SVM on `train`; `labels` fixes the class order of the model. */
export function fitLinear(train: readonly Example[], labels: readonly string[], options: TrainOptions, onClassDone?: (done: number, total: number) => void): LinearFit {
  const index = new Map(labels.map((label, i) => [label, i]));
  const vectorizer = Vectorizer.fit(train.map((e) => e.text), options.features, options.minDocumentFrequency);
  const { rows, targets } = encode(vectorizer, train, index);
  const linear = trainOneVsRest(rows, targets, labels.length, vectorizer.dimensions, {
    c: options.c,
    maxEpochs: options.maxEpochs,
    tolerance: 0.1,
    seed: options.seed,
    ...(onClassDone ? { onClassDone } : {}),
  });
  return { vectorizer, linear };
}

interface TrainingPlan {
  labels: string[];
  index: Map<string, number>;
  /** Trained on for calibration; `held` is what the calibration is fitted on. */
  fit: Example[];
  held: Example[];
}

function planTraining(examples: readonly Example[], options: TrainOptions): TrainingPlan {
  const labels = [...new Set(examples.map((e) => e.label ?? OUT_OF_SCOPE))].sort();
  const index = new Map(labels.map((label, i) => [label, i]));
  // Data that comes with its own tuning split is calibrated on it: that split was collected apart from
  // the training data, so it shows how the model fares on new wording better than a random tenth.
  const tuning = examples.filter((e) => e.tuning);
  const [fit, held] = tuning.length > 0 ? [examples.filter((e) => !e.tuning), tuning] : stratifiedSplit(examples, options.calibrationShare, options.seed);
  return { labels, index, fit, held };
}

function finishTraining(plan: TrainingPlan, probe: LinearFit, final: LinearFit): IntentClassifier {
  const heldEncoded = encode(probe.vectorizer, plan.held, plan.index);
  const heldScores = heldEncoded.rows.map((row) => decisionScores(probe.linear, row));
  const temperature = fitTemperature(heldScores, heldEncoded.targets);
  const outOfScopeIndex = plan.index.get(OUT_OF_SCOPE) ?? -1;
  const outOfScopeThreshold = fitOutOfScopeThreshold(heldScores.map((s) => softmax(s, temperature)), heldEncoded.targets, outOfScopeIndex);
  return new IntentClassifier({ labels: plan.labels, vectorizer: final.vectorizer.state, temperature, outOfScopeThreshold }, final.vectorizer, quantize(final.linear));
}

export class IntentClassifier {
  private readonly outOfScopeIndex: number;
  private readonly scratch: Float32Array;

  constructor(
    readonly state: ClassifierState,
    private readonly vectorizer: Vectorizer,
    readonly linear: QuantizedLinear,
  ) {
    this.outOfScopeIndex = state.labels.indexOf(OUT_OF_SCOPE);
    this.scratch = new Float32Array(state.labels.length);
  }

  static train(examples: readonly Example[], options: TrainOptions = DEFAULT_TRAIN_OPTIONS): IntentClassifier {
    const plan = planTraining(examples, options);
    const fit = (train: readonly Example[], stage: TrainingStage) =>
      fitLinear(train, plan.labels, options, (done, total) => options.onProgress?.(stage, done, total));
    return finishTraining(plan, fit(plan.fit, 'calibration'), fit(examples, 'final'));
  }

  /**
   * The same model as `train`, with the two linear fits (calibration and final) left to `fit`, which may
   * run them at once elsewhere (worker threads): they share no state, so the result is bit for bit the same.
   */
  static async trainWith(examples: readonly Example[], options: TrainOptions, fit: LinearFitter): Promise<IntentClassifier> {
    const plan = planTraining(examples, options);
    const [probe, final] = await Promise.all([fit(plan.fit, plan.labels, 'calibration'), fit(examples, plan.labels, 'final')]);
    return finishTraining(plan, probe, final);
  }

  static restore(state: ClassifierState, linear: QuantizedLinear): IntentClassifier {
    return new IntentClassifier(state, Vectorizer.restore(state.vectorizer), linear);
  }

  get labels(): readonly string[] {
    return this.state.labels.filter((label) => label !== OUT_OF_SCOPE);
  }

  predict(text: string, top = 3): Prediction {
    const scores = quantizedScores(this.linear, this.vectorizer.transform(text), this.scratch);
    const probabilities = softmax(scores, this.state.temperature);
    let best = 0;
    for (let i = 1; i < probabilities.length; i++) if (probabilities[i]! > probabilities[best]!) best = i;
    const ranked: RankedLabel[] = [];
    for (let i = 0; i < probabilities.length; i++) {
      if (i !== this.outOfScopeIndex) ranked.push({ label: this.state.labels[i]!, confidence: probabilities[i]! });
    }
    ranked.sort((a, b) => b.confidence - a.confidence);
    const outOfScope = best === this.outOfScopeIndex || probabilities[best]! < this.state.outOfScopeThreshold;
    return { ranked: ranked.slice(0, top), outOfScope };
  }
}
