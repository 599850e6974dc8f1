import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FactJournal } from '../../device/bus.js';
import { IntentExampleRepository, retrainedModelDir, retrainIntentModel, routingTables, type IntentArtifact } from '../../device/routing/index.js';
import { loadArtifact, saveArtifact } from '../../models/intent/src/artifact.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../models/intent/src/classifier.js';
import { trainInParallel } from '../../models/intent/src/parallel.js';
import { INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { labelInfo, loadTaxonomy, taxonomyExamples, TAXONOMY_LANGUAGES, type Taxonomy } from '../../models/intent/src/taxonomy.js';
import { openTestJournal } from '../helpers/journal.js';

/** A few neighbouring labels of the real taxonomy, with every fifth utterance kept back as the held-out set. */
const LABELS = ['finance.cards.lost_stolen_card', 'finance.cards.card_declined', 'finance.cards.card_activation', 'finance.cards.pin_reset', 'general.hours.opening_hours', 'general.location.parking'];
const QUESTION = 'the zorblax thing again, sort it';

const dir = mkdtempSync(join(tmpdir(), 'intent-retrain-'));
const taxonomyDir = join(dir, 'taxonomy');
const heldOutDir = join(dir, 'heldout');
let taxonomy: Taxonomy;
let journal: FactJournal;
let examples: IntentExampleRepository;
let current: IntentArtifact;
const installed: IntentArtifact[] = [];
const log = pino({ level: 'silent' });

beforeAll(async () => {
  // Only the taxonomy: the public data would make each training take a minute.
  process.env.BRANCHLINE_PUBLIC_INTENT_DATA = join(dir, 'no-public-data');
  const full = await loadTaxonomy(INTENT_TAXONOMY_DIR);
  const heldOut: Record<string, Record<string, string[]>> = {};
  const labels = full.labels
    .filter((l) => LABELS.includes(l.id))
    .map(({ domain: _domain, ...label }) => {
      heldOut[label.id] = Object.fromEntries(TAXONOMY_LANGUAGES.map((lang) => [lang, label.utterances[lang].filter((_, i) => i % 5 === 0)]));
      return { ...label, utterances: Object.fromEntries(TAXONOMY_LANGUAGES.map((lang) => [lang, label.utterances[lang].filter((_, i) => i % 5 !== 0)])) };
    });
  const outOfScope = Object.fromEntries(TAXONOMY_LANGUAGES.map((lang) => [lang, full.outOfScope[lang].slice(0, 120)]));
  mkdirSync(taxonomyDir);
  mkdirSync(heldOutDir);
  writeFileSync(join(taxonomyDir, 'small.json'), JSON.stringify({ domain: 'finance', labels, outOfScope }));
  writeFileSync(join(heldOutDir, 'small.json'), JSON.stringify({ labels: heldOut }));
  taxonomy = await loadTaxonomy(taxonomyDir);
  const classifier = await trainInParallel(taxonomyExamples(taxonomy), DEFAULT_TRAIN_OPTIONS);
  await saveArtifact(join(dir, 'current'), classifier, { dataHash: 'test', examples: 0, taxonomy: labelInfo(taxonomy) });
  current = await loadArtifact(join(dir, 'current'));
  ({ journal } = await openTestJournal([routingTables], undefined, dir));
  examples = new IntentExampleRepository(journal.db);
}, 120_000);
afterAll(() => {
  journal.close();
  delete process.env.BRANCHLINE_PUBLIC_INTENT_DATA;
  rmSync(dir, { recursive: true, force: true });
});

const deps = () => ({
  examples,
  current: () => current,
  install: async (model: IntentArtifact) => {
    installed.push(model);
    current = model;
  },
  dataDir: dir,
  log,
  taxonomyDir,
  heldOutDir,
});
const top = (model: IntentArtifact, text: string) => model.classifier.predict(text, 1).ranked[0]?.label;
const correction = (sessionId: string, text: string, label: string) => ({ sessionId, text, lang: 'en' as const, routedLabel: null, label, agentId: 'agent-1', at: new Date().toISOString() });

describe('learning from the agents\u2019 wrap-ups', () => {
  it('retrains with a corrected wrap-up, installs the model and the next prediction follows the agent', async () => {
    expect(top(current, QUESTION)).not.toBe('general.location.parking');
    await journal.write(() => examples.record(correction('s1', QUESTION, 'general.location.parking')));
    const report = await retrainIntentModel(deps());
    expect(report.install).toBe(true);
    expect(report.candidateAccuracy).toBeGreaterThanOrEqual(report.currentAccuracy);
    expect(installed).toHaveLength(1);
    expect(top(current, QUESTION)).toBe('general.location.parking');
    // A restart finds the installed model.
    expect(await retrainedModelDir(dir)).toBe(report.installedDir);
    expect(top(await loadArtifact(report.installedDir!), QUESTION)).toBe('general.location.parking');
  }, 120_000);

  it('keeps the model in service when the retrained one is worse on the held-out set', async () => {
    const before = await retrainedModelDir(dir);
    // An agent who files every lost card under opening hours would teach the model just that.
    const wrong = taxonomy.labels.find((l) => l.id === 'finance.cards.lost_stolen_card')!;
    await journal.write(() => TAXONOMY_LANGUAGES.flatMap((lang) => wrong.utterances[lang]).forEach((text, i) => examples.record({ ...correction(`w${i}`, text, 'general.hours.opening_hours') })));
    const report = await retrainIntentModel(deps());
    expect(report.install).toBe(false);
    expect(report.candidateAccuracy).toBeLessThan(report.currentAccuracy);
    expect(installed).toHaveLength(1);
    expect(await retrainedModelDir(dir)).toBe(before);
    expect(top(current, QUESTION)).toBe('general.location.parking');
  }, 120_000);
});
