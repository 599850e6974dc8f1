import { readdir } from 'node:fs/promises';
import { z } from 'zod';
import { readDataFile, TAXONOMY_LANGUAGES, type TaxonomyLanguage } from './taxonomy.js';

/**
 * The held-out test set: utterances written apart from the training ones (other hands, another
 * register) and never trained on, one file per taxonomy file. It measures how the model fares on
 * wording it has not seen, which the training utterances' own split cannot show.
 */
const perScript = z.strictObject({ 'zh-Hant': z.array(z.string().trim().min(1).max(300)), 'zh-Hans': z.array(z.string().trim().min(1).max(300)), en: z.array(z.string().trim().min(1).max(300)) });
const heldOutFileSchema = z.strictObject({ labels: z.record(z.string(), perScript), outOfScope: perScript.optional() });

export interface HeldOutExample {
  text: string;
  /** null for an out-of-scope question. */
  label: string | null;
  lang: TaxonomyLanguage;
  file: string;
}

export async function loadHeldOut(dir: string): Promise<HeldOutExample[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const examples: HeldOutExample[] = [];
  for (const file of files) {
    const data = await readDataFile(dir, file, heldOutFileSchema);
    for (const [label, texts] of Object.entries(data.labels)) {
      for (const lang of TAXONOMY_LANGUAGES) for (const text of texts[lang]) examples.push({ text, label, lang, file });
    }
    for (const lang of TAXONOMY_LANGUAGES) for (const text of data.outOfScope?.[lang] ?? []) examples.push({ text, label: null, lang, file });
  }
  return examples;
}
