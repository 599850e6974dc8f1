/**
 * npm run -s bench:intent-ablation [-- --data ../shared/data]
 *
 * What each part of the intent model brings, measured on the held-out set (models/intent/heldout) per
 * script and on a stratified fifth of BANKING77's train.csv: the same classifier trained with one part
 * added at a time. Parts: English glosses of Chinese words (CC-CEDICT), WordNet senses of English words,
 * jieba instead of ICU's segmenter, BANKING77 and CLINC150 mapped onto product labels, and augmenting the
 * English utterances with WordNet synonyms. Progress on stderr, one JSON object as the last line of stdout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { CLARIFY_OPTION_FLOOR, routingOutcome } from '../../device/routing/index.js';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../../models/intent/src/classifier.js';
import type { Example } from '../../models/intent/src/datasets.js';
import { evaluate } from '../../models/intent/src/evaluate.js';
import { DEFAULT_FEATURE_OPTIONS, type FeatureOptions } from '../../models/intent/src/features.js';
import { loadHeldOut } from '../../models/intent/src/heldout.js';
import { trainInParallel } from '../../models/intent/src/parallel.js';
import { INTENT_HELDOUT_DIR, INTENT_TAXONOMY_DIR, PUBLIC_DATA_MAP } from '../../models/intent/src/paths.js';
import { buildSynonyms } from '../../models/intent/src/synonyms.js';
import { labelInfo, loadTaxonomy, TAXONOMY_LANGUAGES } from '../../models/intent/src/taxonomy.js';
import { trainingExamples } from '../../models/intent/src/training-set.js';

const { values } = parseArgs({ options: { data: { type: 'string', default: '../shared/data' }, only: { type: 'string' } }, strict: true });
const dataDir = path.resolve(values.data);
const round = (x: number) => Math.round(x * 1000) / 10;

interface Variant {
  name: string;
  features: Partial<FeatureOptions>;
  publicData: boolean;
  augment?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'base (ICU words, n-grams, TF-IDF, linear SVM)', features: { glosses: false, synonyms: false, segmenter: 'icu' }, publicData: false },
  { name: '+ CC-CEDICT glosses', features: { glosses: true, synonyms: false, segmenter: 'icu' }, publicData: false },
  { name: '+ glosses + WordNet senses', features: { glosses: true, synonyms: true, segmenter: 'icu' }, publicData: false },
  { name: '+ glosses, jieba segmenter', features: { glosses: true, synonyms: false, segmenter: 'jieba' }, publicData: false },
  { name: '+ glosses + WordNet synonym augmentation', features: { glosses: true, synonyms: false, segmenter: 'icu' }, publicData: false, augment: true },
  { name: '+ glosses + BANKING77/CLINC150 mapped', features: { glosses: true, synonyms: false, segmenter: 'icu' }, publicData: true },
];

/** One copy of each English utterance with its first word that has a WordNet synonym replaced by it. */
async function augmented(examples: readonly Example[]): Promise<Example[]> {
  const english = examples.filter((e) => e.label !== null && !/\p{Script=Han}/u.test(e.text));
  const table = await buildSynonyms(new Set(english.flatMap((e) => e.text.toLowerCase().match(/[a-z]+/g) ?? [])));
  const bySense = new Map<string, string[]>();
  for (const [word, senses] of Object.entries(table)) for (const s of senses) bySense.set(s, [...(bySense.get(s) ?? []), word]);
  const out: Example[] = [];
  for (const e of english) {
    const words = e.text.split(/(\s+)/);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!.toLowerCase();
      const other = (table[w] ?? []).flatMap((s) => bySense.get(s) ?? []).find((x) => x !== w);
      if (!other) continue;
      out.push({ text: [...words.slice(0, i), other, ...words.slice(i + 1)].join(''), label: e.label });
      break;
    }
  }
  return out;
}

function bankingSplit(): [Example[], Example[]] {
  const rows = parse(readFileSync(path.join(dataDir, 'banking77', 'train.csv'), 'utf8'), { columns: true, skip_empty_lines: true }) as { text: string; category: string }[];
  const seen = new Map<string, number>();
  const train: Example[] = [];
  const test: Example[] = [];
  for (const r of rows) {
    const n = seen.get(r.category) ?? 0;
    seen.set(r.category, n + 1);
    (n % 5 === 4 ? test : train).push({ text: r.text, label: r.category });
  }
  return [train, test];
}

const taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
const heldOut = await loadHeldOut(INTENT_HELDOUT_DIR);
const [bankTrain, bankTest] = bankingSplit();
const policy = { clarifyBelow: 0.45, clarifyOptionFloor: CLARIFY_OPTION_FLOOR, fallbackSkill: 'general' };
const rows: Record<string, unknown>[] = [];
for (const variant of VARIANTS.filter((v) => !values.only || v.name.includes(values.only))) {
  const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, features: { ...DEFAULT_FEATURE_OPTIONS, ...variant.features } };
  let examples = trainingExamples(taxonomy, { publicDataDir: variant.publicData ? dataDir : null, publicMapFile: PUBLIC_DATA_MAP, corrections: [] });
  if (variant.augment) examples = [...examples, ...(await augmented(examples))];
  process.stderr.write(`${variant.name}: ${examples.length} examples\n`);
  const started = performance.now();
  const classifier = await trainInParallel(examples, options);
  const trainSeconds = (performance.now() - started) / 1000;
  const model = { classifier, labels: new Map(labelInfo(taxonomy).map((l) => [l.id, l])), manifest: null as never };
  const byScript = Object.fromEntries(
    TAXONOMY_LANGUAGES.map((lang) => {
      const o = routingOutcome(model, heldOut.filter((e) => e.lang === lang), policy);
      return [lang, { top1: round(o.top1), top3: round(o.top3), oneTap: round(o.rightAtOnce + o.clarifiedWithRight), oos: round(o.outOfScopeRecall) }];
    }),
  );
  const all = routingOutcome(model, heldOut, policy);
  const banking = evaluate(await trainInParallel(bankTrain, options), bankTest);
  rows.push({
    variant: variant.name,
    byScript,
    top1: round(all.top1),
    oneTap: round(all.rightAtOnce + all.clarifiedWithRight),
    confidentlyWrong: round(all.confidentlyWrong),
    turnedAway: round(all.turnedAway),
    oosRecall: round(all.outOfScopeRecall),
    banking77Split: round(banking.accuracy),
    msPerQuery: Math.round(banking.msPerQuery * 1000) / 1000,
    dimensions: classifier.linear.dimensions,
    trainSeconds: Math.round(trainSeconds),
  });
  process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
}
process.stdout.write(`${JSON.stringify({ heldOut: heldOut.length, variants: rows })}\n`);
