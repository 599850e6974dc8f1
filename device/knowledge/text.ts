import { stemmer } from 'stemmer';
import { normalizeText, words } from '../../models/intent/src/features.js';

const CJK = /\p{Script=Han}/u;

/**
 * Search terms of a text in any of the three scripts. Traditional is folded into Simplified, English is
 * stemmed, and Chinese words from the ICU segmenter are joined by their character bigrams, which find
 * domain words the segmenter's dictionary splits differently.
 */
export function searchTerms(text: string): string[] {
  const terms: string[] = [];
  for (const word of words(normalizeText(text))) {
    if (!CJK.test(word)) {
      terms.push(stemmer(word));
      continue;
    }
    terms.push(word);
    for (let i = 0; i + 1 < word.length; i++) terms.push(`#${word.slice(i, i + 2)}`);
  }
  return terms;
}
