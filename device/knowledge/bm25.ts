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

/**
 * An in-memory BM25 index (Robertson et al.) with weighted fields folded into one term-frequency vector.
 * Documents are replaced or removed one at a time, so the index follows the knowledge graph without
 * rebuilding.
 */
export class Bm25Index {
  private readonly documents = new Map<string, { length: number; frequencies: Map<string, number> }>();
  private readonly postings = new Map<string, Map<string, number>>();
  private totalLength = 0;

  get size(): number {
    return this.documents.size;
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
    this.documents.set(id, { length, frequencies });
    this.totalLength += length;
    for (const [term, tf] of frequencies) {
      let posting = this.postings.get(term);
      if (!posting) this.postings.set(term, (posting = new Map()));
      posting.set(id, tf);
    }
  }

  remove(id: string): void {
    const existing = this.documents.get(id);
    if (!existing) return;
    this.documents.delete(id);
    this.totalLength -= existing.length;
    for (const term of existing.frequencies.keys()) {
      const posting = this.postings.get(term)!;
      posting.delete(id);
      if (posting.size === 0) this.postings.delete(term);
    }
  }

  /** Query terms with weights (synonyms count less than the words typed); documents failing `accept` are skipped. */
  search(query: ReadonlyMap<string, number>, limit: number, accept: (id: string) => boolean = () => true): SearchHit[] {
    const n = this.documents.size;
    if (n === 0) return [];
    const averageLength = this.totalLength / n;
    const scores = new Map<string, number>();
    for (const [term, weight] of query) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5));
      for (const [id, tf] of posting) {
        const length = this.documents.get(id)!.length;
        const score = (weight * idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / averageLength));
        scores.set(id, (scores.get(id) ?? 0) + score);
      }
    }
    return [...scores]
      .filter(([id]) => accept(id))
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([id, score]) => ({ id, score }));
  }
}
