/**
 * Turns a customer's text into sparse n-gram counts. Chinese has no spaces, so words come from ICU's
 * dictionary segmenter (Intl.Segmenter) and, because that segmenter misses domain words and typos,
 * also from character uni- and bigrams; English gets word uni/bigrams and character n-grams inside
 * word boundaries, which survive typos and inflection.
 */

import { createRequire } from 'node:module';
import * as OpenCC from 'opencc-js';
import { stemmer } from 'stemmer';
import type { Glossary } from './glossary.js';
import { lemmaCandidates, type SynonymTable } from './synonyms.js';


const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
/** jieba with its own dictionary of 350,000 words, loaded the first time a model asks for it. */
let jieba: { cut(text: string, hmm: boolean): string[] } | null = null;
function jiebaCut(text: string): string[] {
  if (!jieba) {
    const require = createRequire(import.meta.url);
    const { Jieba } = require('@node-rs/jieba') as { Jieba: { withDict(dict: Uint8Array): NonNullable<typeof jieba> } };
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    jieba = Jieba.withDict(dict);
  }
  return jieba.cut(text, true);
}
/** Traditional and Simplified customers ask the same things: one script lets them share what was learnt. */
const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });
const CJK = /\p{Script=Han}/u;
const CJK_RUN = /\p{Script=Han}+/gu;

export interface FeatureOptions {
  /** Longest character n-gram taken inside a Latin word. */
  maxCharGram: number;
  /** Longest word n-gram. */
  maxWordGram: number;
  /** Chinese words from ICU's segmenter or from jieba's dictionary. */
  segmenter: 'icu' | 'jieba';
  /** Add English glosses of Chinese words, and English stems, as shared features (glossary.ts). */
  glosses: boolean;
  /** Filled in at training when `glosses` is on; saved with the model. */
  glossary?: Glossary;
  /** Add the WordNet senses of English words as shared features (synonyms.ts). */
  synonyms: boolean;
  /** Filled in at training when `synonyms` is on; saved with the model. */
  synonymTable?: SynonymTable;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { maxCharGram: 5, maxWordGram: 2, segmenter: 'icu', glosses: true, synonyms: true };

export function normalizeText(text: string): string {
  const nfkc = text.normalize('NFKC');
  return (CJK.test(nfkc) ? toSimplified(nfkc) : nfkc)
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/\d+(?:[.,]\d+)*/g, '0');
}

const WORD_LIKE = /[\p{L}\p{N}]/u;

export function words(text: string, by: FeatureOptions['segmenter'] = 'icu'): string[] {
  const out: string[] = [];
  if (by === 'jieba') {
    for (const part of jiebaCut(text)) if (WORD_LIKE.test(part)) out.push(part.replace(/'s$/, ''));
    return out;
  }
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
  const tokens = words(normalized, options.segmenter);
  for (let n = 1; n <= options.maxWordGram; n++) {
    for (let i = 0; i + n <= tokens.length; i++) add(counts, `w${n}:${tokens.slice(i, i + n).join(' ')}`);
  }
  // Stems let "refunded", "refunds" and "refunding" count as one word for the word n-grams too.
  const stems = tokens.filter((t) => !CJK.test(t)).map((t) => stemmer(t));
  for (let n = 1; n <= options.maxWordGram; n++) {
    for (let i = 0; i + n <= stems.length; i++) add(counts, `s${n}:${stems.slice(i, i + n).join(' ')}`);
  }
  if (options.glosses) {
    const glossary = options.glossary ?? {};
    for (const token of tokens) {
      if (!CJK.test(token)) add(counts, `g:${stemmer(token)}`);
      else for (const gloss of glossary[token] ?? []) add(counts, `g:${gloss}`);
    }
  }
  if (options.synonyms) {
    const table = options.synonymTable ?? {};
    for (const token of tokens) {
      if (CJK.test(token)) continue;
      const senses = lemmaCandidates(token).map((form) => table[form]).find((found) => found !== undefined) ?? [];
      for (const sense of senses) add(counts, `n:${sense}`);
    }
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
