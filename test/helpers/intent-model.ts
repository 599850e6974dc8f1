/**
 * smallIntentModel: a model of the product's classifier trained on a few areas of the taxonomy, for the
 * tests that ship one through the fleet. The tests of the model itself measure the shipped artifact
 * (models/intent/artifact, trained by set-up) on the held-out set (models/intent/heldout).
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadArtifact, saveArtifact } from '../../models/intent/src/artifact.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../models/intent/src/classifier.js';
import { loadHeldOut } from '../../models/intent/src/heldout.js';
import { INTENT_HELDOUT_DIR, INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { labelInfo, loadTaxonomy, taxonomyExamples, type Taxonomy } from '../../models/intent/src/taxonomy.js';
import { branchlineCacheDir, fillCacheEntry, trainingInputsHash } from '../../scripts/intent/cache.js';
import { trainInParallel } from '../../models/intent/src/parallel.js';

/**
 * Whole areas of the taxonomy the small model is trained on: the ones the fleet release tests probe
 * (a lost card, opening hours, a greeting), and enough besides that its weights (int8, ~10 MB, dozens
 * of 256 KiB chunks) leave a download long enough to be stopped part way through.
 */
const SMALL_MODEL_AREAS = ['general.', 'finance.'];

/** The small model's taxonomy and its labels' held-out questions, written as folders for `intent-release`. */
export async function smallTaxonomy(dir: string): Promise<{ taxonomyDir: string; heldOutDir: string }> {
  const full = await loadTaxonomy(INTENT_TAXONOMY_DIR);
  const labels = full.labels.filter((l) => SMALL_MODEL_AREAS.some((area) => l.id.startsWith(area))).map(({ domain: _domain, ...label }) => label);
  const ids = new Set(labels.map((l) => l.id));
  const heldOut: Record<string, Record<string, string[]>> = {};
  for (const e of await loadHeldOut(INTENT_HELDOUT_DIR)) {
    if (e.label === null || !ids.has(e.label)) continue;
    heldOut[e.label] ??= { 'zh-Hant': [], 'zh-Hans': [], en: [] };
    heldOut[e.label]![e.lang]!.push(e.text);
  }
  const taxonomyDir = path.join(dir, 'taxonomy');
  const heldOutDir = path.join(dir, 'heldout');
  await mkdir(taxonomyDir, { recursive: true });
  await mkdir(heldOutDir, { recursive: true });
  await writeFile(path.join(taxonomyDir, 'small.json'), JSON.stringify({ domain: 'general', labels, outOfScope: full.outOfScope }));
  await writeFile(path.join(heldOutDir, 'small.json'), JSON.stringify({ labels: heldOut }));
  return { taxonomyDir, heldOutDir };
}

/**
 * A real model of the product's own classifier, only smaller, for tests that ship a model through the
 * fleet: the appliance's ~170 MB artifact takes a minute per push at the chunk rate of MQTT. Trained like
 * the real one (every utterance of its labels and the whole out-of-scope set, the default options) and
 * written with its labels' run-time information, so the appliance loads, probes and routes with it as with
 * the shipped one. About a minute and a half to train on two cores, so vitest's global set-up trains it
 * before the files start; cached by content under a folder of its own: the cache keeps a few entries per
 * folder, and this one must not push out a held-out model that takes minutes.
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
