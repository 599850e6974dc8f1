/**
 * The intent model the tests measure: trained on the taxonomy without every fifth utterance of each
 * label and script (and of the out-of-scope set), which stays held out. Training it takes minutes, so it
 * is trained once per content (taxonomy, classifier and training code, this split; see
 * scripts/intent/cache.ts) into ~/.cache/branchline/intent/<hash>/ and loaded from there by every test
 * file and later run; test/global-setup-intent.ts fills it before any test file starts. At the end,
 * smallIntentModel: a model trained on a few areas, for the tests that ship one through the fleet.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadArtifact, saveArtifact } from '../../models/intent/src/artifact.js';
import { DEFAULT_TRAIN_OPTIONS, type IntentClassifier } from '../../models/intent/src/classifier.js';
import { INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { labelInfo, loadTaxonomy, taxonomyExamples, type Taxonomy } from '../../models/intent/src/taxonomy.js';
import { branchlineCacheDir, fillCacheEntry, trainingInputsHash } from '../../scripts/intent/cache.js';
import { trainInParallel } from '../../scripts/intent/parallel.js';

export type TaxonomyExample = ReturnType<typeof taxonomyExamples>[number];

export interface HeldOutSplit {
  taxonomy: Taxonomy;
  train: TaxonomyExample[];
  heldOut: TaxonomyExample[];
}

export async function heldOutSplit(): Promise<HeldOutSplit> {
  const taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
  const seen = new Map<string, number>();
  const train: TaxonomyExample[] = [];
  const heldOut: TaxonomyExample[] = [];
  for (const e of taxonomyExamples(taxonomy)) {
    const key = `${e.label}|${e.lang}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    (n % 5 === 2 ? heldOut : train).push(e);
  }
  return { taxonomy, train, heldOut };
}

/** This file is part of the key: it defines the split, so a changed split trains a new model. */
async function cacheDir(): Promise<string> {
  return path.join(branchlineCacheDir(), 'intent', await trainingInputsHash('held-out', [fileURLToPath(import.meta.url)]));
}

async function train(dir: string, split: HeldOutSplit): Promise<void> {
  await fillCacheEntry(dir, async (tmp) => {
    const classifier = await trainInParallel(split.train, DEFAULT_TRAIN_OPTIONS);
    await saveArtifact(tmp, classifier, { dataHash: 'held-out', examples: split.train.length, taxonomy: labelInfo(split.taxonomy) });
  });
}

/** Trains the held-out model unless the cache has it; true when it had to train. */
export async function ensureHeldOutModel(): Promise<boolean> {
  const dir = await cacheDir();
  if (existsSync(path.join(dir, 'model.json'))) return false;
  await train(dir, await heldOutSplit());
  return true;
}

export interface HeldOutModel extends HeldOutSplit {
  classifier: IntentClassifier;
}

export async function heldOutModel(): Promise<HeldOutModel> {
  const split = await heldOutSplit();
  const dir = await cacheDir();
  const load = () => loadArtifact(dir).then(({ classifier }) => classifier);
  // A missing or unreadable entry (a run that set no global setup, a disk fault) is trained here.
  const classifier = await load().catch(async () => {
    // An entry that is there but does not load would make the rename that stores the new one fail.
    await rm(dir, { recursive: true, force: true });
    await train(dir, split);
    return load();
  });
  return { ...split, classifier };
}

/**
 * Whole areas of the taxonomy the small model is trained on: the ones the fleet release tests probe
 * (a lost card, opening hours, a greeting), and enough besides that its weights (~16 MB, dozens of
 * 256 KiB chunks) leave a download long enough to be stopped part way through.
 */
const SMALL_MODEL_AREAS = ['general.', 'finance.cards.'];

/**
 * A real model of the product's own classifier, only smaller, for tests that ship a model through the
 * fleet: the appliance's ~170 MB artifact takes a minute per push at the chunk rate of MQTT. Trained like
 * the real one (every utterance of its labels and the whole out-of-scope set, the default options) and
 * written with its labels' run-time information, so the appliance loads, probes and routes with it as with
 * the shipped one. Seconds to train, cached by content all the same, under a folder of its own: the cache
 * keeps a few entries per folder, and this one must not push out a held-out model that takes minutes.
 */
export async function smallIntentModel(): Promise<string> {
  const key = await trainingInputsHash('small', [fileURLToPath(import.meta.url)]);
  const dir = path.join(branchlineCacheDir(), 'intent-small', key);
  if (existsSync(path.join(dir, 'model.json'))) {
    if (await loadArtifact(dir).then(() => true, () => false)) return dir;
    // Only a broken entry is removed: one that is merely missing may be another run's, arriving now.
    await rm(dir, { recursive: true, force: true });
  }
  const full = await loadTaxonomy(INTENT_TAXONOMY_DIR);
  const taxonomy: Taxonomy = { labels: full.labels.filter((l) => SMALL_MODEL_AREAS.some((area) => l.id.startsWith(area))), outOfScope: full.outOfScope };
  const examples = taxonomyExamples(taxonomy);
  await fillCacheEntry(dir, async (tmp) => {
    const classifier = await trainInParallel(examples, DEFAULT_TRAIN_OPTIONS);
    await saveArtifact(tmp, classifier, { dataHash: key, examples: examples.length, taxonomy: labelInfo(taxonomy) });
  });
  return dir;
}
