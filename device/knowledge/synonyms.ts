import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { searchTerms } from './text.js';

const fileSchema = z.object({ groups: z.array(z.array(z.string().min(1)).min(2)) });

/** Weight of a term added by a synonym, against 1 for a term the customer typed. */
const SYNONYM_WEIGHT = 0.5;

/**
 * Expands a query with the synonyms of the phrases it contains. Each phrase is matched on its search
 * terms, so "Credit Cards" matches the entry "credit card" and 信用卡 matches in both scripts.
 */
export class Synonyms {
  private readonly groups: string[][][];

  constructor(file: string) {
    const { groups } = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    this.groups = groups.map((group) => group.map((phrase) => searchTerms(phrase)).filter((terms) => terms.length > 0));
  }

  expand(terms: readonly string[]): Map<string, number> {
    const query = new Map<string, number>();
    for (const term of terms) query.set(term, 1);
    const present = new Set(terms);
    for (const group of this.groups) {
      if (!group.some((phrase) => phrase.every((t) => present.has(t)))) continue;
      for (const phrase of group) {
        for (const term of phrase) if (!query.has(term)) query.set(term, SYNONYM_WEIGHT);
      }
    }
    return query;
  }
}
