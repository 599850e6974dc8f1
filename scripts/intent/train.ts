/**
 * npm run intent:train — trains the product's intent classifier on the taxonomy's own utterances
 * (models/intent/taxonomy), with BANKING77 and CLINC150 mapped onto product labels where that data is on
 * the machine (paths.ts), into the artifact the appliance loads at start (models/intent/artifact).
 * With --with-corrections it adds the questions agents labelled at wrap-up, read from the appliance's
 * journal (<BRANCHLINE_DATA_DIR or ./data>/branchline.db, or --journal FILE); such a model is not cached.
 * With --if-stale it does nothing when the artifact was trained from the current taxonomy and code, and
 * copies the model from the cache (cache.ts) when one was trained from the same inputs before.
 * The last line on stdout says which of the three happened (set-up prints it).
 */
import { rm } from 'node:fs/promises';
import Database from 'better-sqlite3';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_TRAIN_OPTIONS, type TrainingStage } from '../../models/intent/src/classifier.js';
import { loadArtifact, readArtifactHash, saveArtifact } from '../../models/intent/src/artifact.js';
import { intentSourceHash, INTENT_ARTIFACT_DIR, INTENT_TAXONOMY_DIR, PUBLIC_DATA_MAP, publicDataDir } from '../../models/intent/src/paths.js';
import { labelInfo, loadTaxonomy } from '../../models/intent/src/taxonomy.js';
import { trainingExamples, type LabelledQuestion } from '../../models/intent/src/training-set.js';
import { IntentExampleRepository } from '../../device/routing/index.js';
import { branchlineCacheDir, copyArtifact, fillCacheEntry, trainingInputsHash } from './cache.js';
import { trainInParallel } from '../../models/intent/src/parallel.js';
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

/** The agents' labelled questions in an appliance's journal, read without writing to it. */
function readCorrections(file: string): LabelledQuestion[] {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`cannot read the appliance's journal ${file} (give it with --journal): ${(error as Error).message}`);
  }
  try {
    return new IntentExampleRepository(db).since().map(({ text, label }) => ({ text, label }));
  } catch (error) {
    throw new Error(`${file} holds no labelled questions (an appliance from before they were kept?): ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: INTENT_ARTIFACT_DIR },
      'if-stale': { type: 'boolean', default: false },
      'with-corrections': { type: 'boolean', default: false },
      journal: { type: 'string' },
    },
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
  const corrections = values['with-corrections'] ? readCorrections(values.journal ?? path.join(process.env.BRANCHLINE_DATA_DIR || './data', 'branchline.db')) : [];
  const publicDir = publicDataDir();
  const examples = trainingExamples(taxonomy, { publicDataDir: publicDir, publicMapFile: PUBLIC_DATA_MAP, corrections });
  process.stderr.write(
    `intent: ${taxonomy.labels.length} labels, ${examples.length} utterances (${examples.filter((e) => e.label === null).length} out of scope)` +
      `${publicDir ? `, with BANKING77 and CLINC150 from ${publicDir}` : ''}${values['with-corrections'] ? `, ${corrections.length} agents' labels` : ''}\n`,
  );
  const bar = progressBar('training');
  const started = performance.now();
  const classifier = await trainInParallel(examples, { ...DEFAULT_TRAIN_OPTIONS, onProgress: bothStages(bar.update) });
  bar.stop();
  await saveArtifact(out, classifier, { dataHash: sourceHash, examples: examples.length, taxonomy: labelInfo(taxonomy) });
  let where = `cached in ${cached}`;
  // A model with the agents' labels is this appliance's own: the cache is for models of the repository alone.
  if (values['with-corrections']) where = 'not cached (trained with corrections)';
  else {
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
  }
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`intent: model written to ${out} in ${seconds.toFixed(1)} s\n`);
  process.stdout.write(`trained in ${seconds.toFixed(1)} s, ${where}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`intent:train failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
