/** One weighted field of a document (title counts more than body). */
export interface IndexedField {
  terms: readonly string[];
  weight: number;
}

export interface SearchHit {
  id: string;
  score: number;
}

const K1 = 1.2;
const B = 0.75;

interface Posting {
  docs: number[];
  frequencies: number[];
}

/**
 * An in-memory BM25 index (Robertson et al.) with weighted fields folded into one term-frequency vector.
 * Documents are numbered internally so that scoring runs over plain arrays; they are replaced or removed
 * one at a time, so the index follows the knowledge graph without rebuilding.
 */
export class Bm25Index {
  private readonly numbers = new Map<string, number>();
  private readonly ids: (string | null)[] = [];
  private readonly lengths: number[] = [];
  private readonly terms: (string[] | null)[] = [];
  private readonly free: number[] = [];
  private readonly postings = new Map<string, Posting>();
  private scores = new Float64Array(0);
  private totalLength = 0;

  get size(): number {
    return this.numbers.size;
  }

  upsert(id: string, fields: readonly IndexedField[]): void {
    this.remove(id);
    const frequencies = new Map<string, number>();
    let length = 0;
    for (const field of fields) {
      for (const term of field.terms) {
        frequencies.set(term, (frequencies.get(term) ?? 0) + field.weight);
        length += field.weight;
      }
    }
    const doc = this.free.pop() ?? this.ids.length;
    this.numbers.set(id, doc);
    this.ids[doc] = id;
    this.lengths[doc] = length;
    this.terms[doc] = [...frequencies.keys()];
    this.totalLength += length;
    for (const [term, tf] of frequencies) {
      let posting = this.postings.get(term);
      if (!posting) this.postings.set(term, (posting = { docs: [], frequencies: [] }));
      posting.docs.push(doc);
      posting.frequencies.push(tf);
    }
  }

  remove(id: string): void {
    const doc = this.numbers.get(id);
    if (doc === undefined) return;
    this.numbers.delete(id);
    for (const term of this.terms[doc]!) {
      const posting = this.postings.get(term)!;
      const at = posting.docs.indexOf(doc);
      posting.docs.splice(at, 1);
      posting.frequencies.splice(at, 1);
      if (posting.docs.length === 0) this.postings.delete(term);
    }
    this.totalLength -= this.lengths[doc]!;
    this.ids[doc] = null;
    this.terms[doc] = null;
    this.free.push(doc);
  }

  /** Query terms with weights (synonyms count less than the words typed); documents failing `accept` are skipped. */
  search(query: ReadonlyMap<string, number>, limit: number, accept: (id: string) => boolean = () => true): SearchHit[] {
    const n = this.numbers.size;
    if (n === 0) return [];
    if (this.scores.length < this.ids.length) this.scores = new Float64Array(this.ids.length * 2);
    const scores = this.scores;
    const averageLength = this.totalLength / n;
    const touched: number[] = [];
    for (const [term, weight] of query) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      const idf = Math.log(1 + (n - posting.docs.length + 0.5) / (posting.docs.length + 0.5));
      const { docs, frequencies } = posting;
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i]!;
        const tf = frequencies[i]!;
        if (scores[doc] === 0) touched.push(doc);
        scores[doc]! += (weight * idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * this.lengths[doc]!) / averageLength));
      }
    }
    touched.sort((a, b) => scores[b]! - scores[a]!);
    const hits: SearchHit[] = [];
    for (const doc of touched) {
      if (hits.length >= limit) break;
      const id = this.ids[doc]!;
      if (accept(id)) hits.push({ id, score: scores[doc]! });
    }
    for (const doc of touched) scores[doc] = 0;
    return hits;
  }
}
