/**
 * npm run intent:train — trains the product's intent classifier on the taxonomy's own utterances
 * (models/intent/taxonomy) into the artifact the appliance loads at start (models/intent/artifact).
 * With --if-stale it does nothing when the artifact was trained from the current taxonomy and code, and
 * copies the model from the cache (cache.ts) when one was trained from the same inputs before.
 * The last line on stdout says which of the three happened (set-up prints it).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_TRAIN_OPTIONS, type TrainingStage } from '../../models/intent/src/classifier.js';
import { loadArtifact, readArtifactHash, saveArtifact } from '../../models/intent/src/artifact.js';
import { intentSourceHash, INTENT_ARTIFACT_DIR, INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { labelInfo, loadTaxonomy, taxonomyExamples } from '../../models/intent/src/taxonomy.js';
import { branchlineCacheDir, copyArtifact, fillCacheEntry, trainingInputsHash } from './cache.js';
import { trainInParallel } from './parallel.js';
import { progressBar } from './progress.js';

/** Both fits run at once: one bar over the labels of both, rather than two bars fighting over one line. */
function bothStages(update: (stage: string, done: number, total: number) => void) {
  const done = new Map<TrainingStage, number>();
  const totals = new Map<TrainingStage, number>();
  const sum = (map: Map<TrainingStage, number>) => [...map.values()].reduce((a, b) => a + b, 0);
  return (stage: TrainingStage, value: number, total: number) => {
    done.set(stage, value);
    totals.set(stage, total);
    // Until the other fit reports, count it as the same size, so the bar does not jump back.
    update('calibration + final', sum(done), totals.size === 2 ? sum(totals) : 2 * total);
  };
}

/** An entry that loads is used; one that does not (a disk fault, an older format) is trained again. */
async function usable(dir: string, sourceHash: string): Promise<boolean> {
  if ((await readArtifactHash(dir)) !== sourceHash) return false;
  return loadArtifact(dir).then(
    () => true,
    () => false,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: INTENT_ARTIFACT_DIR }, 'if-stale': { type: 'boolean', default: false } },
    strict: true,
  });
  const out = values.out;
  const sourceHash = await intentSourceHash();
  // Set-up calls this on every start: retrain only when the taxonomy or the classifier code changed.
  if (values['if-stale'] && (await readArtifactHash(out)) === sourceHash) {
    process.stdout.write('up to date\n');
    return;
  }
  const cached = path.join(branchlineCacheDir(), 'intent-artifacts', await trainingInputsHash('artifact', [fileURLToPath(import.meta.url)]));
  if (values['if-stale'] && (await usable(cached, sourceHash))) {
    await copyArtifact(cached, out);
    process.stdout.write(`restored from ${cached}\n`);
    return;
  }
  const taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
  const examples = taxonomyExamples(taxonomy);
  process.stderr.write(`intent: ${taxonomy.labels.length} labels, ${examples.length} utterances (${examples.filter((e) => e.label === null).length} out of scope)\n`);
  const bar = progressBar('training');
  const started = performance.now();
  const classifier = await trainInParallel(examples, { ...DEFAULT_TRAIN_OPTIONS, onProgress: bothStages(bar.update) });
  bar.stop();
  await saveArtifact(out, classifier, { dataHash: sourceHash, examples: examples.length, taxonomy: labelInfo(taxonomy) });
  let where = `cached in ${cached}`;
  try {
    if (!(await usable(cached, sourceHash))) {
      // An entry that does not load would otherwise make the rename below fail and stay in the way.
      await rm(cached, { recursive: true, force: true });
      await fillCacheEntry(cached, (tmp) => copyArtifact(out, tmp));
    }
  } catch (error) {
    // No writable cache (a read-only home) only costs the next clone a training run.
    where = `not cached (${(error as Error).message})`;
  }
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`intent: model written to ${out} in ${seconds.toFixed(1)} s\n`);
  process.stdout.write(`trained in ${seconds.toFixed(1)} s, ${where}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`intent:train failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
