import { normalizeText } from './features.js';
import type { Taxonomy } from './taxonomy.js';

/**
 * What two sentences share when the model cannot tell them apart: the same text after the model's own
 * normalisation (script, case, digits), with spacing and punctuation dropped.
 */
export function sentenceKey(text: string): string {
  return normalizeText(text).replace(/[\p{P}\p{S}\s]/gu, '');
}

export interface SharedSentence {
  key: string;
  /** The labels it appears under (null for out of scope), each with one of its spellings. */
  under: { label: string | null; text: string }[];
}

/** Sentences that appear under more than one label, out of scope counting as one more label. */
export function sharedSentences(taxonomy: Taxonomy): SharedSentence[] {
  const byKey = new Map<string, Map<string | null, string>>();
  const note = (key: string, label: string | null, text: string) => {
    const labels = byKey.get(key) ?? new Map<string | null, string>();
    byKey.set(key, labels);
    if (!labels.has(label)) labels.set(label, text);
  };
  for (const label of taxonomy.labels) {
    for (const texts of Object.values(label.utterances)) for (const text of texts) note(sentenceKey(text), label.id, text);
  }
  for (const texts of Object.values(taxonomy.outOfScope)) for (const text of texts) note(sentenceKey(text), null, text);
  return [...byKey]
    .filter(([, labels]) => labels.size > 1)
    .map(([key, labels]) => ({ key, under: [...labels].map(([label, text]) => ({ label, text })) }));
}
