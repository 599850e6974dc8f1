import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHeldOut, type HeldOutExample } from '../../models/intent/src/heldout.js';
import { sentenceKey, sharedSentences } from '../../models/intent/src/overlap.js';
import { INTENT_HELDOUT_DIR, INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { labelRenames, loadTaxonomy, TAXONOMY_LANGUAGES, TaxonomyError, type IntentLabel, type Taxonomy } from '../../models/intent/src/taxonomy.js';

let taxonomy: Taxonomy;
let heldOut: HeldOutExample[];
const dir = mkdtempSync(join(tmpdir(), 'taxonomy-'));

beforeAll(async () => {
  taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
  heldOut = await loadHeldOut(INTENT_HELDOUT_DIR);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the product taxonomy', () => {
  it('has at least 200 labels, each with names in three scripts, a tier, a skill group and 60+ distinct utterances per script', () => {
    expect(taxonomy.labels.length).toBeGreaterThanOrEqual(200);
    expect(new Set(taxonomy.labels.map((l) => l.domain))).toEqual(new Set(['ecommerce', 'education', 'finance', 'general']));
    expect(new Set(taxonomy.labels.map((l) => l.tier))).toEqual(new Set(['bot', 'skill', 'priority']));
    for (const label of taxonomy.labels) {
      for (const lang of TAXONOMY_LANGUAGES) {
        expect(label.names[lang].trim(), label.id).not.toBe('');
        expect(new Set(label.utterances[lang].map(sentenceKey)).size, `${label.id} ${lang}`).toBeGreaterThanOrEqual(60);
      }
      expect(label.skill).toMatch(/^[a-z_]+$/);
    }
  });

  it('has at least 1,500 out-of-scope questions over the three scripts', () => {
    const counts = TAXONOMY_LANGUAGES.map((lang) => new Set(taxonomy.outOfScope[lang].map(sentenceKey)).size);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1500);
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(400);
  });

  it('has no sentence under two labels (or under a label and out of scope) after normalisation', () => {
    expect(sharedSentences(taxonomy).map((s) => s.under)).toEqual([]);
  });

  it('keeps a held-out set of 20+ utterances per label and script that is never a training sentence', () => {
    const training = new Set<string>();
    for (const label of taxonomy.labels) for (const lang of TAXONOMY_LANGUAGES) for (const t of label.utterances[lang]) training.add(sentenceKey(t));
    for (const lang of TAXONOMY_LANGUAGES) for (const t of taxonomy.outOfScope[lang]) training.add(sentenceKey(t));
    expect(heldOut.filter((e) => training.has(sentenceKey(e.text))).map((e) => e.text)).toEqual([]);
    const known = new Set(taxonomy.labels.map((l) => l.id));
    expect(heldOut.filter((e) => e.label !== null && !known.has(e.label)).map((e) => e.label)).toEqual([]);
    for (const label of taxonomy.labels) {
      for (const lang of TAXONOMY_LANGUAGES) expect(heldOut.filter((e) => e.label === label.id && e.lang === lang).length, `${label.id} ${lang}`).toBeGreaterThanOrEqual(20);
    }
    for (const lang of TAXONOMY_LANGUAGES) expect(heldOut.filter((e) => e.label === null && e.lang === lang).length).toBeGreaterThanOrEqual(200);
  });
});

describe('formerIds', () => {
  const label = (id: string, formerIds?: string[]): IntentLabel => ({
    id,
    ...(formerIds ? { formerIds } : {}),
    area: 'x',
    tier: 'skill',
    skill: 'general',
    names: { 'zh-Hant': id, 'zh-Hans': id, en: id },
    utterances: Object.fromEntries(TAXONOMY_LANGUAGES.map((lang) => [lang, Array.from({ length: 15 }, (_, i) => `${id} ${lang} ${i}`)])) as IntentLabel['utterances'],
  });
  const write = (labels: IntentLabel[]) => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ domain: 'test', labels }));
  };

  it('maps each former id to the label that took it over', async () => {
    write([label('test.a.merged', ['test.a.one', 'test.a.two']), label('test.a.kept')]);
    const loaded = await loadTaxonomy(dir);
    expect([...labelRenames(loaded.labels)]).toEqual([
      ['test.a.one', 'test.a.merged'],
      ['test.a.two', 'test.a.merged'],
    ]);
  });

  it('refuses a former id that is still a label, or that two labels claim', async () => {
    write([label('test.a.merged', ['test.a.kept']), label('test.a.kept')]);
    await expect(loadTaxonomy(dir)).rejects.toThrow(new TaxonomyError('test.a.kept is a label and also a former id of test.a.merged'));
    write([label('test.a.one', ['test.a.old']), label('test.a.two', ['test.a.old'])]);
    await expect(loadTaxonomy(dir)).rejects.toThrow(/test\.a\.old is a former id of both test\.a\.one and test\.a\.two/);
  });
});
