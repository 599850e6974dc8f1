/**
 * npm run -s intent:lint — checks the taxonomy and the held-out set before anyone trains on them:
 * labels short of utterances per script, sentences under two labels, held-out sentences that are also
 * training sentences, held-out labels the taxonomy does not have. Exits 1 when anything is wrong.
 */
import { parseArgs } from 'node:util';
import { loadHeldOut } from '../../models/intent/src/heldout.js';
import { sentenceKey, sharedSentences } from '../../models/intent/src/overlap.js';
import { INTENT_HELDOUT_DIR, INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { loadTaxonomy, TAXONOMY_LANGUAGES } from '../../models/intent/src/taxonomy.js';

const { values } = parseArgs({
  options: { 'min-train': { type: 'string', default: '60' }, 'min-heldout': { type: 'string', default: '20' }, 'min-oos': { type: 'string', default: '500' } },
  strict: true,
});
const minTrain = Number(values['min-train']);
const minHeldOut = Number(values['min-heldout']);
const minOutOfScope = Number(values['min-oos']);

const problems: string[] = [];
const taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
const heldOut = await loadHeldOut(INTENT_HELDOUT_DIR);
const known = new Set(taxonomy.labels.map((l) => l.id));

for (const label of taxonomy.labels) {
  for (const lang of TAXONOMY_LANGUAGES) {
    const distinct = new Set(label.utterances[lang].map(sentenceKey)).size;
    if (distinct < minTrain) problems.push(`${label.id} ${lang}: ${distinct} distinct training utterances (want ${minTrain})`);
  }
}
for (const lang of TAXONOMY_LANGUAGES) {
  if (taxonomy.outOfScope[lang].length < minOutOfScope) problems.push(`out of scope ${lang}: ${taxonomy.outOfScope[lang].length} training questions (want ${minOutOfScope})`);
}
for (const shared of sharedSentences(taxonomy)) {
  problems.push(`under ${shared.under.length} labels: ${shared.under.map((u) => `${u.label ?? 'out-of-scope'} "${u.text}"`).join(' | ')}`);
}
const training = new Map<string, string | null>();
for (const label of taxonomy.labels) for (const texts of Object.values(label.utterances)) for (const t of texts) training.set(sentenceKey(t), label.id);
for (const texts of Object.values(taxonomy.outOfScope)) for (const t of texts) training.set(sentenceKey(t), null);
const heldCounts = new Map<string, number>();
for (const e of heldOut) {
  if (e.label !== null && !known.has(e.label)) problems.push(`${e.file}: held-out label ${e.label} is not in the taxonomy`);
  const key = sentenceKey(e.text);
  if (training.has(key)) problems.push(`${e.file}: held-out "${e.text}" (${e.label ?? 'out-of-scope'}) is also a training sentence (${training.get(key) ?? 'out-of-scope'})`);
  const countKey = `${e.label ?? 'out-of-scope'} ${e.lang}`;
  heldCounts.set(countKey, (heldCounts.get(countKey) ?? 0) + 1);
}
for (const label of taxonomy.labels) {
  for (const lang of TAXONOMY_LANGUAGES) {
    const n = heldCounts.get(`${label.id} ${lang}`) ?? 0;
    if (n < minHeldOut) problems.push(`${label.id} ${lang}: ${n} held-out utterances (want ${minHeldOut})`);
  }
}
const total = taxonomy.labels.reduce((sum, l) => sum + TAXONOMY_LANGUAGES.reduce((s, lang) => s + l.utterances[lang].length, 0), 0);
process.stderr.write(`${taxonomy.labels.length} labels, ${total} training utterances, ${TAXONOMY_LANGUAGES.map((l) => taxonomy.outOfScope[l].length).join('/')} out-of-scope, ${heldOut.length} held out\n`);
for (const problem of problems) process.stdout.write(`${problem}\n`);
process.stdout.write(`${problems.length} problem(s)\n`);
process.exitCode = problems.length > 0 ? 1 : 0;
