import type { SparseVector } from './vectorizer.js';

export interface LinearModel {
  classes: number;
  dimensions: number;
  /** Feature-major (dimensions x classes) so that scoring a sparse row touches contiguous memory. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface SvmOptions {
  /** Inverse regularisation strength. */
  c: number;
  maxEpochs: number;
  tolerance: number;
  /** Called after each class has been trained. */
  onClassDone?: (done: number, total: number) => void;
  seed?: number;
}

const BIAS_FEATURE = 1;

/** Small deterministic PRNG so that training the same data twice gives the same model. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One-vs-rest L2-regularised squared-hinge linear SVM, solved in the dual by coordinate descent
 * (Hsieh et al. 2008, the liblinear solver): for sparse n-gram features it converges in a few passes
 * and is the strongest linear text classifier we measured.
 */
export function trainOneVsRest(rows: readonly SparseVector[], labels: Int32Array, classes: number, dimensions: number, options: SvmOptions): LinearModel {
  const diagonal = 1 / (2 * options.c);
  const squaredNorms = rows.map((row) => row.value.reduce((sum, v) => sum + v * v, 0) + BIAS_FEATURE * BIAS_FEATURE + diagonal);
  const weights = new Float32Array(dimensions * classes);
  const bias = new Float32Array(classes);
  const random = mulberry32(options.seed ?? 7);
  const order = Int32Array.from(rows.keys());
  const alpha = new Float64Array(rows.length);
  const w = new Float64Array(dimensions);
  for (let c = 0; c < classes; c++) {
    alpha.fill(0);
    w.fill(0);
    let b = 0;
    for (let epoch = 0; epoch < options.maxEpochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const swap = order[i]!;
        order[i] = order[j]!;
        order[j] = swap;
      }
      let maxGradient = -Infinity;
      let minGradient = Infinity;
      for (const i of order) {
        const row = rows[i]!;
        const y = labels[i] === c ? 1 : -1;
        let margin = b * BIAS_FEATURE;
        for (let k = 0; k < row.index.length; k++) margin += w[row.index[k]!]! * row.value[k]!;
        const gradient = y * margin - 1 + diagonal * alpha[i]!;
        const projected = alpha[i] === 0 ? Math.min(gradient, 0) : gradient;
        if (projected > maxGradient) maxGradient = projected;
        if (projected < minGradient) minGradient = projected;
        if (Math.abs(projected) < 1e-12) continue;
        const previous = alpha[i]!;
        alpha[i] = Math.max(previous - gradient / squaredNorms[i]!, 0);
        const step = (alpha[i]! - previous) * y;
        for (let k = 0; k < row.index.length; k++) w[row.index[k]!]! += step * row.value[k]!;
        b += step * BIAS_FEATURE;
      }
      if (maxGradient - minGradient < options.tolerance) break;
    }
    for (let f = 0; f < dimensions; f++) weights[f * classes + c] = w[f]!;
    bias[c] = b * BIAS_FEATURE;
    options.onClassDone?.(c + 1, classes);
  }
  return { classes, dimensions, weights, bias };
}

export function decisionScores(model: LinearModel, row: SparseVector, out: Float32Array = new Float32Array(model.classes)): Float32Array {
  out.set(model.bias);
  const { classes, weights } = model;
  for (let k = 0; k < row.index.length; k++) {
    const offset = row.index[k]! * classes;
    const v = row.value[k]!;
    for (let c = 0; c < classes; c++) out[c]! += weights[offset + c]! * v;
  }
  return out;
}

/**
 * The weights as one signed byte each with a scale per feature: a quarter of the float size, which keeps
 * a model of 250 labels and a few hundred thousand n-grams well under the artifact budget. A feature's
 * weights across the classes share a magnitude, so scaling each feature's row by its largest weight
 * loses less than one scale per class would.
 */
export interface QuantizedLinear {
  classes: number;
  dimensions: number;
  /** Feature-major like LinearModel.weights. */
  weights: Int8Array;
  scale: Float32Array;
  bias: Float32Array;
}

export function quantize(model: LinearModel): QuantizedLinear {
  const { classes, dimensions } = model;
  const weights = new Int8Array(dimensions * classes);
  const scale = new Float32Array(dimensions);
  for (let f = 0; f < dimensions; f++) {
    let max = 0;
    for (let c = 0; c < classes; c++) max = Math.max(max, Math.abs(model.weights[f * classes + c]!));
    scale[f] = max / 127;
    if (max === 0) continue;
    for (let c = 0; c < classes; c++) weights[f * classes + c] = Math.round(model.weights[f * classes + c]! / scale[f]!);
  }
  return { classes, dimensions, weights, scale, bias: Float32Array.from(model.bias) };
}

export function quantizedScores(model: QuantizedLinear, row: SparseVector, out: Float32Array = new Float32Array(model.classes)): Float32Array {
  out.set(model.bias);
  const { classes, weights, scale } = model;
  for (let k = 0; k < row.index.length; k++) {
    const f = row.index[k]!;
    const offset = f * classes;
    const v = row.value[k]! * scale[f]!;
    for (let c = 0; c < classes; c++) out[c]! += weights[offset + c]! * v;
  }
  return out;
}
