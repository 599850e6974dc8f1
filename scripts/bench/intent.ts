/**
 * npm run -s bench:intent [-- --data ../shared/data]
 *
 * Measures the product's intent classifier on the public BANKING77 and CLINC150 data (their official
 * test splits are not available here, so each train file is split: a stratified fifth of BANKING77's
 * train.csv; CLINC150's val halves, one half as tuning data and the other as the test) and on the
 * product's own taxonomy (every fifth utterance per label and script held out). Progress on stderr, one
 * JSON object as the last line of stdout.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { DEFAULT_TRAIN_OPTIONS, IntentClassifier } from '../../models/intent/src/classifier.js';
import { loadDataset, type DatasetFormat, type Example } from '../../models/intent/src/datasets.js';
import { evaluate, type Evaluation } from '../../models/intent/src/evaluate.js';
import { INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { loadTaxonomy, taxonomyExamples } from '../../models/intent/src/taxonomy.js';

const { values } = parseArgs({ options: { data: { type: 'string', default: '../shared/data' } }, strict: true });
const dataDir = path.resolve(values.data);
const bankingFile = path.join(dataDir, 'banking77', 'train.csv');
const clincFile = path.join(dataDir, 'clinc150', 'train_val.json');
for (const file of [bankingFile, clincFile]) {
  if (!existsSync(file)) {
    process.stderr.write(`bench:intent: ${file} is missing (give the data folder with --data)\n`);
    process.exit(2);
  }
}

const work = mkdtempSync(path.join(tmpdir(), 'bench-intent-'));
const round = (value: number) => Math.round(value * 10000) / 10000;
const summary = (e: Evaluation, trainSeconds: number, trainExamples: number, testExamples: number) => ({
  trainExamples,
  testExamples,
  accuracy: round(e.accuracy),
  macroF1: round(e.macroF1),
  ...(e.oosRecall === null ? {} : { oosRecall: round(e.oosRecall) }),
  msPerQuery: round(e.msPerQuery),
  trainSeconds: round(trainSeconds),
});

function trainAndEvaluate(name: string, train: Example[], test: Example[]) {
  process.stderr.write(`${name}: training on ${train.length}, testing on ${test.length}\n`);
  const started = performance.now();
  const classifier = IntentClassifier.train(train, DEFAULT_TRAIN_OPTIONS);
  const seconds = (performance.now() - started) / 1000;
  return { classifier, result: summary(evaluate(classifier, test), seconds, train.length, test.length) };
}

async function publicDataset(format: DatasetFormat, trainFile: string, testFile: string) {
  const data = await loadDataset(format, trainFile, testFile);
  return trainAndEvaluate(format, data.train, data.test).result;
}

/** Every fifth row of each category goes to the test file, so the split is the same on every run. */
function splitBanking77(): [string, string] {
  const rows = parse(readFileSync(bankingFile, 'utf8'), { columns: true, skip_empty_lines: true }) as { text: string; category: string }[];
  const seen = new Map<string, number>();
  const trainRows = ['text,category'];
  const testRows = ['text,category'];
  for (const row of rows) {
    const n = seen.get(row.category) ?? 0;
    seen.set(row.category, n + 1);
    (n % 5 === 4 ? testRows : trainRows).push(`"${row.text.replace(/"/g, '""')}",${row.category}`);
  }
  const train = path.join(work, 'banking77-train.csv');
  const test = path.join(work, 'banking77-test.csv');
  writeFileSync(train, trainRows.join('\n'));
  writeFileSync(test, testRows.join('\n'));
  return [train, test];
}

function splitClinc(): [string, string] {
  const data = JSON.parse(readFileSync(clincFile, 'utf8')) as Record<'train' | 'val' | 'oos_train' | 'oos_val', [string, string][]>;
  const half = (items: [string, string][], k: number) => items.filter((_, i) => i % 2 === k);
  const train = path.join(work, 'clinc150-train.json');
  const test = path.join(work, 'clinc150-test.json');
  writeFileSync(train, JSON.stringify({ train: data.train, oos_train: data.oos_train, val: half(data.val, 0), oos_val: half(data.oos_val, 0) }));
  writeFileSync(test, JSON.stringify({ test: half(data.val, 1), oos_test: half(data.oos_val, 1) }));
  return [train, test];
}

async function productTaxonomy() {
  const examples = taxonomyExamples(await loadTaxonomy(INTENT_TAXONOMY_DIR));
  const seen = new Map<string, number>();
  const train: typeof examples = [];
  const test: typeof examples = [];
  for (const e of examples) {
    const key = `${e.label}|${e.lang}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    (n % 5 === 2 ? test : train).push(e);
  }
  const { classifier, result } = trainAndEvaluate('product', train, test);
  const byScript = Object.fromEntries(
    (['zh-Hant', 'zh-Hans', 'en'] as const).map((lang) => {
      const items = test.filter((e) => e.lang === lang && e.label !== null);
      const top3 = items.filter((e) => classifier.predict(e.text, 3).ranked.some((r) => r.label === e.label)).length / items.length;
      return [lang, { accuracy: round(evaluate(classifier, items).accuracy), top3Accuracy: round(top3) }];
    }),
  );
  return { labels: classifier.labels.length, ...result, byScript };
}

try {
  const [bankingTrain, bankingTest] = splitBanking77();
  const [clincTrain, clincTest] = splitClinc();
  const banking77 = await publicDataset('banking77', bankingTrain, bankingTest);
  const clinc150 = await publicDataset('clinc150', clincTrain, clincTest);
  const product = await productTaxonomy();
  process.stdout.write(`${JSON.stringify({ data: dataDir, banking77, clinc150, product })}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
