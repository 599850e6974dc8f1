/**
 * npm run -s bench:knowledge -- --articles 10000 [--queries 300]
 *
 * Builds a knowledge base of that many articles (zh-Hant, zh-Hans and en text composed from the product
 * taxonomy's utterances, each solving one of its intents) in a scratch store, then runs a fixed query set
 * (taxonomy utterances in all three scripts) through search and through recommendation. Progress on
 * stderr; the last line of stdout is one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EventBus, type BusEvents } from '../../device/bus.js';
import { importBundle, Knowledge, knowledgeTables, Synonyms } from '../../device/knowledge/index.js';
import { Journal, LANGUAGES, Store, type Language } from '../../device/store/index.js';
import { INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { loadTaxonomy } from '../../models/intent/src/taxonomy.js';

const { values } = parseArgs({ options: { articles: { type: 'string', default: '10000' }, queries: { type: 'string', default: '300' }, seed: { type: 'string', default: '7' } }, strict: true });
const articleCount = Number(values.articles);
const queryCount = Number(values.queries);
if (!Number.isInteger(articleCount) || articleCount < 1 || !Number.isInteger(queryCount) || queryCount < 1) {
  process.stderr.write('usage: npm run -s bench:knowledge -- --articles N [--queries M]\n');
  process.exit(2);
}

let state = Number(values.seed);
const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const round = (v: number) => Math.round(v * 1000) / 1000;

const taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
const dir = mkdtempSync(path.join(tmpdir(), 'bench-knowledge-'));
const store = await Store.open(path.join(dir, 'store.json'));
const bus = new EventBus();
const journal = await Journal.open<BusEvents>(path.join(dir, 'journal.db'), { owners: [knowledgeTables], announce: (name, payload) => bus.emit(name, payload) });
try {
  const knowledge = new Knowledge(journal, store, bus, new Synonyms(fileURLToPath(new URL('../../device/knowledge/synonyms.json', import.meta.url))));
  const compose = (lang: Language, label: (typeof taxonomy.labels)[number], sentences: number) =>
    Array.from({ length: sentences }, () => pick(label.utterances[lang])).join(lang === 'en' ? ' ' : '');
  const articles = Array.from({ length: articleCount }, (_, i) => {
    const label = pick(taxonomy.labels);
    const localized = (sentences: number) => Object.fromEntries(LANGUAGES.map((lang) => [lang, compose(lang, label, sentences).slice(0, sentences === 1 ? 200 : 5000)]));
    return { key: `art-bench-${i}`, intents: [label.id], title: localized(1), body: localized(6), validFrom: '2026-01-01T00:00:00.000Z' };
  });
  process.stderr.write(`building ${articleCount} articles\n`);
  const built = performance.now();
  await importBundle(knowledge, { version: 'bench', articles }, 'bench');
  const buildSeconds = (performance.now() - built) / 1000;

  const queries = Array.from({ length: queryCount }, () => {
    const label = pick(taxonomy.labels);
    const lang = pick(LANGUAGES);
    return { text: pick(label.utterances[lang]), lang, intent: label.id };
  });
  for (const q of queries.slice(0, 20)) knowledge.indexes.search(q.text, q.lang, 10);
  process.stderr.write(`running ${queryCount} searches and recommendations\n`);
  const searchMs: number[] = [];
  const recommendMs: number[] = [];
  for (const q of queries) {
    let started = performance.now();
    knowledge.indexes.search(q.text, q.lang, 10);
    searchMs.push(performance.now() - started);
    started = performance.now();
    knowledge.recommender.recommend({ text: q.text, intent: q.intent, lang: q.lang });
    recommendMs.push(performance.now() - started);
  }
  searchMs.sort((a, b) => a - b);
  recommendMs.sort((a, b) => a - b);
  const summary = {
    articles: knowledge.indexes.articleCount,
    queries: queryCount,
    searchMsP50: round(percentile(searchMs, 50)),
    searchMsP99: round(percentile(searchMs, 99)),
    recommendMsP50: round(percentile(recommendMs, 50)),
    recommendMsP99: round(percentile(recommendMs, 99)),
    heapMB: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
    buildSeconds: round(buildSeconds),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  journal.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
