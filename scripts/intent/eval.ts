/**
 * Runs any labelled data through the product's own classifier code:
 *   npm run -s intent:eval -- --train FILE --test FILE --format banking77|clinc150
 * Progress goes to stderr; the last line of stdout is one JSON object with the figures.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_TRAIN_OPTIONS } from '../../models/intent/src/classifier.js';
import { trainInParallel } from '../../models/intent/src/parallel.js';
import { loadDataset, DatasetError, type DatasetFormat } from '../../models/intent/src/datasets.js';
import { evaluate } from '../../models/intent/src/evaluate.js';
import { progressBar } from './progress.js';

const USAGE = 'usage: npm run -s intent:eval -- --train FILE --test FILE --format banking77|clinc150';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { train: { type: 'string' }, test: { type: 'string' }, format: { type: 'string' } },
    strict: true,
  });
  const format = values.format;
  if (!values.train || !values.test || (format !== 'banking77' && format !== 'clinc150')) {
    throw new DatasetError(USAGE);
  }
  const data = await loadDataset(format as DatasetFormat, values.train, values.test);
  process.stderr.write(`${format}: ${data.train.length} training and ${data.test.length} test examples\n`);
  const bar = progressBar('training');
  const started = performance.now();
  const classifier = await trainInParallel(data.train, { ...DEFAULT_TRAIN_OPTIONS, onProgress: bar.update });
  const trainSeconds = (performance.now() - started) / 1000;
  bar.stop();
  const result = evaluate(classifier, data.test);
  const summary = {
    format,
    trainExamples: data.train.length,
    testExamples: data.test.length,
    accuracy: round(result.accuracy),
    macroF1: round(result.macroF1),
    ...(format === 'clinc150' ? { oosRecall: round(result.oosRecall ?? 0) } : {}),
    msPerQuery: round(result.msPerQuery),
    trainSeconds: round(trainSeconds),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

const round = (value: number) => Math.round(value * 10000) / 10000;

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof DatasetError || error instanceof TypeError ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
