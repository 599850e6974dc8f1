import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import { loadArtifact, saveArtifact, type IntentArtifact } from '../../models/intent/src/artifact.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../models/intent/src/classifier.js';
import { loadHeldOut } from '../../models/intent/src/heldout.js';
import { trainInParallel } from '../../models/intent/src/parallel.js';
import { intentSourceHash, INTENT_HELDOUT_DIR, INTENT_TAXONOMY_DIR, PUBLIC_DATA_MAP, publicDataDir } from '../../models/intent/src/paths.js';
import { retrainWithCorrections, type RetrainOutcome } from '../../models/intent/src/retrain.js';
import { labelInfo, loadTaxonomy } from '../../models/intent/src/taxonomy.js';
import type { IntentExampleRepository } from './intent-examples.js';

/** `<dataDir>/intent-retrained/current` names the folder of the last retrained model that was installed. */
const POINTER = 'current';

export interface RetrainDeps {
  examples: IntentExampleRepository;
  /** The model in service, to compare the candidate with. */
  current: () => IntentArtifact;
  /** Puts a model in service (stored data follows its renamed labels first). */
  install: (model: IntentArtifact) => Promise<void>;
  dataDir: string;
  log: Logger;
  taxonomyDir?: string;
  heldOutDir?: string;
}

export type RetrainReport = Omit<RetrainOutcome, 'candidate'> & { installedDir: string | null };

/**
 * Retrains the intent model with every labelled question the agents gave, and installs it only when it
 * is at least as accurate on the held-out set as the model in service. Training runs in worker threads,
 * so the appliance keeps serving.
 */
export async function retrainIntentModel(deps: RetrainDeps): Promise<RetrainReport> {
  const taxonomy = await loadTaxonomy(deps.taxonomyDir ?? INTENT_TAXONOMY_DIR);
  const heldOut = await loadHeldOut(deps.heldOutDir ?? INTENT_HELDOUT_DIR);
  const corrections = deps.examples.since().map(({ text, label }) => ({ text, label }));
  const current = deps.current();
  const outcome = await retrainWithCorrections({
    taxonomy,
    heldOut,
    corrections,
    current: current.classifier,
    sources: { publicDataDir: publicDataDir(), publicMapFile: PUBLIC_DATA_MAP },
    train: (examples) => trainInParallel(examples, DEFAULT_TRAIN_OPTIONS),
  });
  const { candidate, ...report } = outcome;
  if (!outcome.install) {
    deps.log.warn({ ...report }, 'retrained intent model is less accurate on the held-out set; the model in service stays');
    return { ...report, installedDir: null };
  }
  const root = path.join(deps.dataDir, 'intent-retrained');
  const dir = path.join(root, new Date().toISOString().replace(/[:.]/g, '-'));
  await saveArtifact(dir, candidate, { dataHash: await intentSourceHash(), examples: outcome.examples, taxonomy: labelInfo(taxonomy) });
  const model = await loadArtifact(dir);
  await deps.install(model);
  // The pointer moves last, by rename: a restart finds the old model or the new one, never half of one.
  await writeFile(path.join(root, `${POINTER}.tmp`), path.basename(dir));
  await rename(path.join(root, `${POINTER}.tmp`), path.join(root, POINTER));
  deps.log.info({ ...report, dir }, 'retrained intent model installed');
  return { ...report, installedDir: dir };
}

/** The folder of the retrained model last installed on this appliance, if any. */
export async function retrainedModelDir(dataDir: string): Promise<string | null> {
  const root = path.join(dataDir, 'intent-retrained');
  try {
    const name = (await readFile(path.join(root, POINTER), 'utf8')).trim();
    return name ? path.join(root, name) : null;
  } catch {
    return null;
  }
}

/** Runs `retrainIntentModel` on a cron pattern (BRANCHLINE_INTENT_RETRAIN_CRON); a failed run is logged and the next one tries again. */
export function scheduleIntentRetrain(pattern: string, deps: RetrainDeps): () => void {
  let running = false;
  const job = new Cron(pattern, { protect: true }, async () => {
    if (running) return;
    running = true;
    try {
      await retrainIntentModel(deps);
    } catch (err) {
      deps.log.error({ err }, 'intent model retrain failed; the model in service stays');
    } finally {
      running = false;
    }
  });
  return () => job.stop();
}
