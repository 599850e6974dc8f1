/**
 * Turns a customer's text into sparse n-gram counts. Chinese has no spaces, so words come from ICU's
 * dictionary segmenter (Intl.Segmenter) and, because that segmenter misses domain words and typos,
 * also from character uni- and bigrams; English gets word uni/bigrams and character n-grams inside
 * word boundaries, which survive typos and inflection.
 */

import * as OpenCC from 'opencc-js';
import { stemmer } from 'stemmer';

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
/** Traditional and Simplified customers ask the same things: one script lets them share what was learnt. */
const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });
const CJK = /\p{Script=Han}/u;
const CJK_RUN = /\p{Script=Han}+/gu;

export interface FeatureOptions {
  /** Longest character n-gram taken inside a Latin word. */
  maxCharGram: number;
  /** Longest word n-gram. */
  maxWordGram: number;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { maxCharGram: 5, maxWordGram: 2 };

export function normalizeText(text: string): string {
  const nfkc = text.normalize('NFKC');
  return (CJK.test(nfkc) ? toSimplified(nfkc) : nfkc)
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/\d+(?:[.,]\d+)*/g, '0');
}

export function words(text: string): string[] {
  const out: string[] = [];
  for (const part of segmenter.segment(text)) {
    if (part.isWordLike) out.push(part.segment.replace(/'s$/, ''));
  }
  return out;
}

function add(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Feature name prefixes keep word and character n-grams of the same spelling apart. */
export function extractFeatures(text: string, options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): Map<string, number> {
  const normalized = normalizeText(text);
  const counts = new Map<string, number>();
  const tokens = words(normalized);
  for (let n = 1; n <= options.maxWordGram; n++) {
    for (let i = 0; i + n <= tokens.length; i++) add(counts, `w${n}:${tokens.slice(i, i + n).join(' ')}`);
  }
  // Stems let "refunded", "refunds" and "refunding" count as one word for the word n-grams too.
  const stems = tokens.filter((t) => !CJK.test(t)).map((t) => stemmer(t));
  for (let n = 1; n <= options.maxWordGram; n++) {
    for (let i = 0; i + n <= stems.length; i++) add(counts, `s${n}:${stems.slice(i, i + n).join(' ')}`);
  }
  for (const token of tokens) {
    if (CJK.test(token)) continue;
    const padded = ` ${token} `;
    for (let n = 2; n <= options.maxCharGram; n++) {
      for (let i = 0; i + n <= padded.length; i++) add(counts, `c:${padded.slice(i, i + n)}`);
    }
  }
  for (const run of normalized.match(CJK_RUN) ?? []) {
    for (let i = 0; i < run.length; i++) {
      add(counts, `h1:${run[i]}`);
      if (i + 1 < run.length) add(counts, `h2:${run.slice(i, i + 2)}`);
    }
  }
  return counts;
}
