import { extractFeatures, type FeatureOptions } from './features.js';

/** A row of a sparse matrix: feature indices (ascending) and their values. */
export interface SparseVector {
  index: Int32Array;
  value: Float32Array;
}

export interface VectorizerState {
  options: FeatureOptions;
  vocabulary: string[];
  idf: number[];
}

/**
 * TF-IDF with sublinear term frequency and unit length, the weighting under which a linear model on
 * n-grams does best on short texts.
 */
export class Vectorizer {
  private readonly lookup: Map<string, number>;

  private constructor(readonly state: VectorizerState) {
    this.lookup = new Map(state.vocabulary.map((term, i) => [term, i]));
  }

  static fit(texts: readonly string[], options: FeatureOptions, minDocumentFrequency = 1): Vectorizer {
    const documentFrequency = new Map<string, number>();
    for (const text of texts) {
      for (const term of extractFeatures(text, options).keys()) {
        documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
      }
    }
    const vocabulary: string[] = [];
    const idf: number[] = [];
    for (const [term, df] of documentFrequency) {
      if (df < minDocumentFrequency) continue;
      vocabulary.push(term);
      idf.push(Math.log((1 + texts.length) / (1 + df)) + 1);
    }
    return new Vectorizer({ options, vocabulary, idf });
  }

  static restore(state: VectorizerState): Vectorizer {
    return new Vectorizer(state);
  }

  get dimensions(): number {
    return this.state.vocabulary.length;
  }

  transform(text: string): SparseVector {
    const entries: [number, number][] = [];
    for (const [term, count] of extractFeatures(text, this.state.options)) {
      const i = this.lookup.get(term);
      if (i === undefined) continue;
      entries.push([i, (1 + Math.log(count)) * (this.state.idf[i] ?? 0)]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const norm = Math.sqrt(entries.reduce((sum, [, v]) => sum + v * v, 0)) || 1;
    return {
      index: Int32Array.from(entries, ([i]) => i),
      value: Float32Array.from(entries, ([, v]) => v / norm),
    };
  }
}
