import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLARIFY_OPTION_FLOOR, routingOutcome } from '../../device/routing/index.js';
import { loadArtifact, saveArtifact, ArtifactError, type IntentArtifact } from '../../models/intent/src/artifact.js';
import { DEFAULT_TRAIN_OPTIONS, IntentClassifier } from '../../models/intent/src/classifier.js';
import { extractFeatures } from '../../models/intent/src/features.js';
import { withLexicons } from '../../models/intent/src/glossary.js';
import { loadHeldOut, type HeldOutExample } from '../../models/intent/src/heldout.js';
import { workerFitter } from '../../models/intent/src/parallel.js';
import { INTENT_ARTIFACT_DIR, INTENT_HELDOUT_DIR, INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { labelInfo, loadTaxonomy, taxonomyExamples, TAXONOMY_LANGUAGES, type Taxonomy } from '../../models/intent/src/taxonomy.js';

/**
 * Floors on the held-out set (models/intent/heldout: written apart from the training utterances, never
 * trained on), per script, a few points under what `npm run bench:intent` measured (README).
 */
const FLOORS = {
  'zh-Hant': { top1: 0.86, top3: 0.95, oneTap: 0.88 },
  'zh-Hans': { top1: 0.86, top3: 0.95, oneTap: 0.88 },
  en: { top1: 0.8, top3: 0.92, oneTap: 0.83 },
} as const;
const POLICY = { clarifyBelow: 0.45, clarifyOptionFloor: CLARIFY_OPTION_FLOOR, fallbackSkill: 'general' };

let taxonomy: Taxonomy;
let model: IntentArtifact;
let heldOut: HeldOutExample[];
const dir = mkdtempSync(join(tmpdir(), 'intent-model-'));

beforeAll(async () => {
  // The shipped model, as set-up trained it from the whole taxonomy.
  model = await loadArtifact(INTENT_ARTIFACT_DIR);
  taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
  heldOut = await loadHeldOut(INTENT_HELDOUT_DIR);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('intent classifier', () => {
  it('treats Traditional and Simplified spellings of a question as the same words', () => {
    expect([...extractFeatures('我的信用卡遺失了，請幫我掛失').keys()]).toEqual([...extractFeatures('我的信用卡遗失了，请帮我挂失').keys()]);
    expect([...extractFeatures('Where is my parcel?').keys()]).toContain('w2:my parcel');
  });

  it.each(TAXONOMY_LANGUAGES)('routes held-out %s questions above its floors', (lang) => {
    const outcome = routingOutcome(model, heldOut.filter((e) => e.lang === lang), POLICY);
    expect(outcome.inScope).toBeGreaterThan(20 * 200);
    expect(outcome.top1).toBeGreaterThanOrEqual(FLOORS[lang].top1);
    expect(outcome.top3).toBeGreaterThanOrEqual(FLOORS[lang].top3);
    expect(outcome.top3).toBeGreaterThan(outcome.top1);
    // Routed right at once or through one tap on a clarifying question.
    expect(outcome.rightAtOnce + outcome.clarifiedWithRight).toBeGreaterThanOrEqual(FLOORS[lang].oneTap);
    expect(outcome.confidentlyWrong).toBeLessThanOrEqual(0.12);
    expect(outcome.turnedAway).toBeLessThanOrEqual(0.05);
  });

  it('turns away held-out out-of-scope questions while keeping in-scope ones', () => {
    const outcome = routingOutcome(model, heldOut, POLICY);
    expect(outcome.outOfScope).toBeGreaterThanOrEqual(600);
    expect(outcome.outOfScopeRecall).toBeGreaterThanOrEqual(0.7);
    expect(outcome.turnedAway).toBeLessThanOrEqual(0.05);
  });

  it('gives confidences that match how often it is right (expected calibration error under 0.1)', () => {
    const bins = Array.from({ length: 10 }, () => ({ n: 0, confidence: 0, correct: 0 }));
    const items = heldOut.filter((e) => e.label !== null);
    for (const e of items) {
      const top = model.classifier.predict(e.text, 1).ranked[0]!;
      const bin = bins[Math.min(9, Math.floor(top.confidence * 10))]!;
      bin.n++;
      bin.confidence += top.confidence;
      bin.correct += top.label === e.label ? 1 : 0;
    }
    const ece = bins.reduce((sum, b) => sum + (b.n ? Math.abs(b.confidence - b.correct) : 0), 0) / items.length;
    expect(ece).toBeLessThan(0.1);
  });

  it('trains the same model with its two fits in worker threads as in one thread', async () => {
    // A slice of the taxonomy keeps this quick; the shipped model is trained the parallel way.
    const some = new Set(taxonomy.labels.slice(0, 12).map((l) => l.id));
    const examples = taxonomyExamples(taxonomy).filter((e) => e.label === null || some.has(e.label));
    const options = await withLexicons(examples.map((e) => e.text), DEFAULT_TRAIN_OPTIONS);
    const serial = IntentClassifier.train(examples, options);
    const parallel = await IntentClassifier.trainWith(examples, options, workerFitter(options));
    expect(parallel.state).toEqual(serial.state);
    expect(Buffer.from(parallel.linear.weights.buffer).equals(Buffer.from(serial.linear.weights.buffer))).toBe(true);
    expect([...parallel.linear.bias]).toEqual([...serial.linear.bias]);
  }, 120_000);

  it('saves and loads an artifact that predicts the same, and refuses a truncated one', async () => {
    await saveArtifact(dir, model.classifier, { dataHash: 'test', examples: 1, taxonomy: labelInfo(taxonomy) });
    const loaded = await loadArtifact(dir);
    for (const text of ['我想查詢包裹進度', 'card got declined at the shop', '学费什么时候要交']) {
      expect(loaded.classifier.predict(text)).toEqual(model.classifier.predict(text));
    }
    expect(loaded.labels.get('ecommerce.logistics.track_parcel')?.tier).toBe('bot');
    truncateSync(join(dir, 'weights.bin'), 1000);
    await expect(loadArtifact(dir)).rejects.toThrow(ArtifactError);
  });
});
