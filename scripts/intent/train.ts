/**
 * npm run intent:train — trains the product's intent classifier on the taxonomy's own utterances
 * (models/intent/taxonomy) into the artifact the appliance loads at start (models/intent/artifact).
 * With --if-stale it does nothing when the artifact was trained from the current taxonomy and code.
 */
import { parseArgs } from 'node:util';
import { IntentClassifier, DEFAULT_TRAIN_OPTIONS } from '../../models/intent/src/classifier.js';
import { readArtifactHash, saveArtifact } from '../../models/intent/src/artifact.js';
import { intentSourceHash, INTENT_ARTIFACT_DIR, INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { labelInfo, loadTaxonomy, taxonomyExamples } from '../../models/intent/src/taxonomy.js';
import { progressBar } from './progress.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: INTENT_ARTIFACT_DIR }, 'if-stale': { type: 'boolean', default: false } },
    strict: true,
  });
  const sourceHash = await intentSourceHash();
  // Set-up calls this on every start: retrain only when the taxonomy or the classifier code changed.
  if (values['if-stale'] && (await readArtifactHash(values.out)) === sourceHash) return;
  const taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
  const examples = taxonomyExamples(taxonomy);
  process.stderr.write(`intent: ${taxonomy.labels.length} labels, ${examples.length} utterances (${examples.filter((e) => e.label === null).length} out of scope)\n`);
  const bar = progressBar('training');
  const started = performance.now();
  const classifier = IntentClassifier.train(examples, { ...DEFAULT_TRAIN_OPTIONS, onProgress: bar.update });
  bar.stop();
  await saveArtifact(values.out, classifier, { dataHash: sourceHash, examples: examples.length, taxonomy: labelInfo(taxonomy) });
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`intent: model written to ${values.out} in ${seconds.toFixed(1)} s\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`intent:train failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
