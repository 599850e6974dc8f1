import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Example } from './datasets.js';

export const TAXONOMY_LANGUAGES = ['zh-Hant', 'zh-Hans', 'en'] as const;
export type TaxonomyLanguage = (typeof TAXONOMY_LANGUAGES)[number];
export const TIERS = ['bot', 'skill', 'priority'] as const;
export type Tier = (typeof TIERS)[number];

const texts = z.strictObject({ 'zh-Hant': z.string().min(1), 'zh-Hans': z.string().min(1), en: z.string().min(1) });
const utteranceList = z.array(z.string().trim().min(1).max(300)).min(15);

const labelId = z.string().regex(/^[a-z]+\.[a-z_]+\.[a-z0-9_]+$/);

export const intentLabelSchema = z.strictObject({
  id: labelId,
  /** Ids this label had before a rename or a merge: stored sessions and knowledge links follow them here. */
  formerIds: z.array(labelId).min(1).optional(),
  area: z.string().min(1),
  tier: z.enum(TIERS),
  skill: z.string().regex(/^[a-z_]+$/),
  names: texts,
  answer: texts.optional(),
  utterances: z.strictObject({ 'zh-Hant': utteranceList, 'zh-Hans': utteranceList, en: utteranceList }),
});

const taxonomyFileSchema = z.strictObject({
  domain: z.string().min(1),
  labels: z.array(intentLabelSchema),
  outOfScope: z.strictObject({ 'zh-Hant': z.array(z.string().min(1)), 'zh-Hans': z.array(z.string().min(1)), en: z.array(z.string().min(1)) }).optional(),
});

export type IntentLabel = z.infer<typeof intentLabelSchema>;
/** What the appliance needs of a label at run time: everything but the training utterances. */
export type LabelInfo = Omit<IntentLabel, 'utterances'> & { domain: string };

export interface Taxonomy {
  labels: (IntentLabel & { domain: string })[];
  outOfScope: Record<(typeof TAXONOMY_LANGUAGES)[number], string[]>;
}

export class TaxonomyError extends Error {}

/** One JSON file of the taxonomy or the held-out set, checked against its schema. */
export async function readDataFile<T>(dir: string, file: string, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
  } catch (error) {
    throw new TaxonomyError(`${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TaxonomyError(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** Reads every `*.json` of the taxonomy folder; a bot-tier label must carry the bot's answer. */
export async function loadTaxonomy(dir: string): Promise<Taxonomy> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const taxonomy: Taxonomy = { labels: [], outOfScope: { 'zh-Hant': [], 'zh-Hans': [], en: [] } };
  const seen = new Set<string>();
  const former = new Map<string, string>();
  for (const file of files) {
    const data = await readDataFile(dir, file, taxonomyFileSchema);
    for (const label of data.labels) {
      if (seen.has(label.id)) throw new TaxonomyError(`${file}: duplicate label ${label.id}`);
      if (label.tier === 'bot' && !label.answer) throw new TaxonomyError(`${file}: bot-tier label ${label.id} has no answer`);
      seen.add(label.id);
      for (const old of label.formerIds ?? []) {
        if (former.has(old)) throw new TaxonomyError(`${file}: ${old} is a former id of both ${former.get(old)} and ${label.id}`);
        former.set(old, label.id);
      }
      taxonomy.labels.push({ ...label, domain: data.domain });
    }
    for (const lang of TAXONOMY_LANGUAGES) taxonomy.outOfScope[lang].push(...(data.outOfScope?.[lang] ?? []));
  }
  // An id in use cannot also be a former one: stored data under it would be moved away from it.
  for (const [old, now] of former) if (seen.has(old)) throw new TaxonomyError(`${old} is a label and also a former id of ${now}`);
  return taxonomy;
}

export function taxonomyExamples(taxonomy: Taxonomy): (Example & { lang: string })[] {
  const examples: (Example & { lang: string })[] = [];
  for (const label of taxonomy.labels) {
    for (const lang of TAXONOMY_LANGUAGES) {
      for (const text of label.utterances[lang]) examples.push({ text, label: label.id, lang });
    }
  }
  for (const lang of TAXONOMY_LANGUAGES) {
    for (const text of taxonomy.outOfScope[lang]) examples.push({ text, label: null, lang });
  }
  return examples;
}

export function labelInfo(taxonomy: Taxonomy): LabelInfo[] {
  return taxonomy.labels.map(({ utterances: _utterances, ...info }) => info);
}

/** Former id to current id, for every renamed or merged label. */
export function labelRenames(labels: Iterable<Pick<LabelInfo, 'id' | 'formerIds'>>): Map<string, string> {
  const renames = new Map<string, string>();
  for (const label of labels) for (const old of label.formerIds ?? []) renames.set(old, label.id);
  return renames;
}
