import { rm } from 'node:fs/promises';
import { saveArtifact } from '../../models/intent/src/artifact.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../models/intent/src/classifier.js';
import { loadHeldOut } from '../../models/intent/src/heldout.js';
import { trainInParallel } from '../../models/intent/src/parallel.js';
import { intentSourceHash, INTENT_HELDOUT_DIR, INTENT_TAXONOMY_DIR, PUBLIC_DATA_MAP, publicDataDir } from '../../models/intent/src/paths.js';
import { heldOutAccuracy } from '../../models/intent/src/retrain.js';
import { labelInfo, loadTaxonomy } from '../../models/intent/src/taxonomy.js';
import { trainingExamples, type LabelledQuestion } from '../../models/intent/src/training-set.js';

export interface FleetModel {
  dir: string;
  examples: number;
  heldOut: number;
  heldOutAccuracy: number;
  /** A held-out question the model gets right: each device checks it before it routes with the model. */
  probe: { text: string; expect: string };
}

/** One intent model for the fleet: the taxonomy, the public data where present, and every device's labelled questions. */
export async function trainFleetModel(corrections: readonly LabelledQuestion[], dir: string, sources: { taxonomyDir?: string; heldOutDir?: string } = {}): Promise<FleetModel> {
  const taxonomy = await loadTaxonomy(sources.taxonomyDir ?? INTENT_TAXONOMY_DIR);
  const examples = trainingExamples(taxonomy, { publicDataDir: publicDataDir(), publicMapFile: PUBLIC_DATA_MAP, corrections });
  const classifier = await trainInParallel(examples, DEFAULT_TRAIN_OPTIONS);
  const heldOut = await loadHeldOut(sources.heldOutDir ?? INTENT_HELDOUT_DIR);
  const probe = heldOut.find((e) => {
    if (e.label === null) return false;
    const p = classifier.predict(e.text, 1);
    return !p.outOfScope && p.ranked[0]?.label === e.label;
  });
  if (!probe) throw new Error('the trained model gets no held-out question right; no release made');
  await rm(dir, { recursive: true, force: true });
  await saveArtifact(dir, classifier, { dataHash: await intentSourceHash(), examples: examples.length, taxonomy: labelInfo(taxonomy) });
  return { dir, examples: examples.length, heldOut: heldOut.length, heldOutAccuracy: heldOutAccuracy(classifier, heldOut), probe: { text: probe.text, expect: probe.label! } };
}
