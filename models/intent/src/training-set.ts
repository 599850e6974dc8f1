import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { Example } from './datasets.js';
import { labelRenames, taxonomyExamples, TaxonomyError, type Taxonomy } from './taxonomy.js';

/** What a product label's training takes from an agent: the customer's words and the label the agent gave them. */
export interface LabelledQuestion {
  text: string;
  label: string;
}

/**
 * An agent's label on a customer's real words counts for more than one written example: it is what
 * customers actually say, and there are few of them against the taxonomy's thousands.
 */
export const CORRECTION_WEIGHT = 3;

const OUT_OF_SCOPE = 'out-of-scope';
const mapSchema = z.strictObject({
  banking77: z.record(z.string(), z.string().nullable()),
  clinc150: z.record(z.string(), z.string().nullable()),
  notes: z.record(z.string(), z.string()).optional(),
});

/**
 * BANKING77 and CLINC150 (train and val only) mapped onto product labels as extra English examples:
 * `public-data-map.json` says which category becomes which label, out of scope, or nothing. The data is
 * read where it lies and never copied into the repository; without it the model is trained on the
 * taxonomy alone.
 */
export function publicExamples(dataDir: string, mapFile: string, known: ReadonlySet<string>, perLabel = PUBLIC_PER_LABEL): Example[] {
  const bankingFile = path.join(dataDir, 'banking77', 'train.csv');
  const clincFile = path.join(dataDir, 'clinc150', 'train_val.json');
  if (!existsSync(bankingFile) || !existsSync(clincFile) || !existsSync(mapFile)) return [];
  const map = mapSchema.parse(JSON.parse(readFileSync(mapFile, 'utf8')));
  for (const target of [...Object.values(map.banking77), ...Object.values(map.clinc150)]) {
    if (target !== null && target !== OUT_OF_SCOPE && !known.has(target)) throw new TaxonomyError(`public-data-map.json maps onto ${target}, which is not a label`);
  }
  const examples: Example[] = [];
  const add = (text: string, target: string | null | undefined) => {
    if (target === undefined || target === null) return;
    examples.push({ text, label: target === OUT_OF_SCOPE ? null : target });
  };
  const rows = parse(readFileSync(bankingFile, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as { text: string; category: string }[];
  for (const row of rows) add(row.text, map.banking77[row.category]);
  const clinc = JSON.parse(readFileSync(clincFile, 'utf8')) as Record<string, [string, string][]>;
  // CLINC150's own out-of-scope split is left out: it was collected as outside CLINC's intents, and some
  // of it (an overdraft fee, a bill) is inside a bank's or a shop's.
  for (const split of ['train', 'val']) for (const [text, intent] of clinc[split] ?? []) add(text, map.clinc150[intent]);
  return capPerLabel(examples, perLabel);
}

/**
 * At most this many public examples per label (and for out of scope), spread evenly over each label's
 * rows: BANKING77 has ~130 questions for each of its categories, and uncapped they would make the few
 * dozen labels they map onto outweigh the other two hundred.
 */
export const PUBLIC_PER_LABEL = 60;
/** Out of scope is one class of very many topics: it keeps more, about as many as the taxonomy's own. */
export const PUBLIC_OUT_OF_SCOPE = 1500;

function capPerLabel(examples: readonly Example[], perLabel: number): Example[] {
  const byLabel = new Map<string | null, Example[]>();
  for (const e of examples) {
    const rows = byLabel.get(e.label);
    if (rows) rows.push(e);
    else byLabel.set(e.label, [e]);
  }
  return [...byLabel].flatMap(([label, rows]) => {
    const limit = label === null ? PUBLIC_OUT_OF_SCOPE : perLabel;
    if (rows.length <= limit) return rows;
    const step = rows.length / limit;
    return Array.from({ length: limit }, (_, i) => rows[Math.floor(i * step)]!);
  });
}

/**
 * Agents' labels as training examples: a label renamed since is followed to its new id, one the taxonomy
 * no longer has is left out.
 */
export function correctionExamples(taxonomy: Taxonomy, corrections: readonly LabelledQuestion[]): Example[] {
  const known = new Set(taxonomy.labels.map((l) => l.id));
  const renames = labelRenames(taxonomy.labels);
  const examples: Example[] = [];
  for (const c of corrections) {
    const label = renames.get(c.label) ?? c.label;
    if (!known.has(label)) continue;
    for (let i = 0; i < CORRECTION_WEIGHT; i++) examples.push({ text: c.text, label });
  }
  return examples;
}

export interface TrainingSources {
  /** Folder holding banking77/ and clinc150/, or null to train without them. */
  publicDataDir: string | null;
  publicMapFile: string;
  corrections: readonly LabelledQuestion[];
}

/** Everything the product's model is trained on: the taxonomy, mapped public English data where present, the agents' corrections. */
export function trainingExamples(taxonomy: Taxonomy, sources: TrainingSources): Example[] {
  const known = new Set(taxonomy.labels.map((l) => l.id));
  return [
    ...taxonomyExamples(taxonomy).map(({ text, label }) => ({ text, label })),
    ...(sources.publicDataDir ? publicExamples(sources.publicDataDir, sources.publicMapFile, known) : []),
    ...correctionExamples(taxonomy, sources.corrections),
  ];
}
