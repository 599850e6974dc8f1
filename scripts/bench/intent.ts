/**
 * npm run -s bench:intent [-- --data ../shared/data]
 *
 * Measures the product's intent classifier on the public BANKING77 and CLINC150 data (their official
 * test splits are not available here, so each train file is split: a stratified fifth of BANKING77's
 * train.csv; CLINC150's val halves, one half as tuning data and the other as the test), each trained on
 * its own data as `intent:eval` does; and the product's model, trained as `intent:train` trains it, on
 * the held-out set (models/intent/heldout, never trained on) per script: top-1, top-3, what the routing
 * policy does with each question, out-of-scope recall, latency per query and the artifact's size.
 * Progress on stderr, one JSON object as the last line of stdout.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { DEFAULT_TRAIN_OPTIONS } from '../../models/intent/src/classifier.js';
import { loadDataset, type DatasetFormat, type Example } from '../../models/intent/src/datasets.js';
import { evaluate, type Evaluation } from '../../models/intent/src/evaluate.js';
import { loadArtifact, saveArtifact } from '../../models/intent/src/artifact.js';
import { loadHeldOut } from '../../models/intent/src/heldout.js';
import { trainInParallel } from '../../models/intent/src/parallel.js';
import { INTENT_HELDOUT_DIR, INTENT_TAXONOMY_DIR, PUBLIC_DATA_MAP } from '../../models/intent/src/paths.js';
import { labelInfo, loadTaxonomy } from '../../models/intent/src/taxonomy.js';
import { trainingExamples } from '../../models/intent/src/training-set.js';
import { CLARIFY_OPTION_FLOOR, routingOutcome, type RoutingOutcome } from '../../device/routing/index.js';

const { values } = parseArgs({
  options: { data: { type: 'string', default: '../shared/data' }, 'clarify-below': { type: 'string', default: '0.45' }, 'skip-ablation': { type: 'boolean', default: false } },
  strict: true,
});
const clarifyBelow = Number(values['clarify-below']);
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

async function trainAndEvaluate(name: string, train: Example[], test: Example[]) {
  process.stderr.write(`${name}: training on ${train.length}, testing on ${test.length}\n`);
  const started = performance.now();
  const classifier = await trainInParallel(train, DEFAULT_TRAIN_OPTIONS);
  const seconds = (performance.now() - started) / 1000;
  return { classifier, result: summary(evaluate(classifier, test), seconds, train.length, test.length) };
}

async function publicDataset(format: DatasetFormat, trainFile: string, testFile: string) {
  const data = await loadDataset(format, trainFile, testFile);
  return (await trainAndEvaluate(format, data.train, data.test)).result;
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

async function product(publicData: boolean) {
  const taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
  const examples = trainingExamples(taxonomy, { publicDataDir: publicData ? dataDir : null, publicMapFile: PUBLIC_DATA_MAP, corrections: [] });
  process.stderr.write(`product: training on ${examples.length}${publicData ? ' (with BANKING77 and CLINC150 mapped)' : ''}\n`);
  const started = performance.now();
  const classifier = await trainInParallel(examples, DEFAULT_TRAIN_OPTIONS);
  const trainSeconds = (performance.now() - started) / 1000;
  const artifactDir = path.join(work, `product-${publicData}`);
  await saveArtifact(artifactDir, classifier, { dataHash: 'bench', examples: examples.length, taxonomy: labelInfo(taxonomy) });
  const model = await loadArtifact(artifactDir);
  const artifactMB = ['model.json', 'weights.bin'].reduce((sum, f) => sum + statSync(path.join(artifactDir, f)).size, 0) / 1e6;
  const heldOut = await loadHeldOut(INTENT_HELDOUT_DIR);
  const policy = { clarifyBelow: clarifyBelow, clarifyOptionFloor: CLARIFY_OPTION_FLOOR, fallbackSkill: 'general' };
  const rounded = (o: RoutingOutcome) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'inScope' || k === 'outOfScope' ? v : round(v)]));
  const byScript = Object.fromEntries((['zh-Hant', 'zh-Hans', 'en'] as const).map((lang) => [lang, rounded(routingOutcome(model, heldOut.filter((e) => e.lang === lang), policy))]));
  // One question at a time, as the kiosk asks them: the latency a customer waits for.
  const times = heldOut.map((e) => {
    const t = performance.now();
    model.classifier.predict(e.text, 3);
    return performance.now() - t;
  });
  times.sort((a, b) => a - b);
  return {
    labels: classifier.labels.length,
    trainExamples: examples.length,
    trainSeconds: round(trainSeconds),
    artifactMB: round(artifactMB),
    msPerQueryP50: round(times[Math.floor(times.length / 2)]!),
    msPerQueryP99: round(times[Math.floor(times.length * 0.99)]!),
    all: rounded(routingOutcome(model, heldOut, policy)),
    byScript,
  };
}

try {
  const [bankingTrain, bankingTest] = splitBanking77();
  const [clincTrain, clincTest] = splitClinc();
  const banking77 = await publicDataset('banking77', bankingTrain, bankingTest);
  const clinc150 = await publicDataset('clinc150', clincTrain, clincTest);
  const withPublic = await product(true);
  const taxonomyOnly = values['skip-ablation'] ? null : await product(false);
  process.stdout.write(`${JSON.stringify({ data: dataDir, clarifyBelow, banking77, clinc150, product: withPublic, productWithoutPublicData: taxonomyOnly })}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
