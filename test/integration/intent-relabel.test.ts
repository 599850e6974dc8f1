import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus, type FactJournal } from '../../device/bus.js';
import { importBundle, Knowledge, knowledgeTables, Synonyms } from '../../device/knowledge/index.js';
import { applyLabelRenames } from '../../device/label-renames.js';
import { IntentExampleRepository, newServiceSession, routingTables, SessionRepository } from '../../device/routing/index.js';
import { Store, type StoredDecision } from '../../device/store/index.js';
import { INTENT_TAXONOMY_DIR } from '../../models/intent/src/paths.js';
import { labelRenames, loadTaxonomy } from '../../models/intent/src/taxonomy.js';
import { openTestJournal } from '../helpers/journal.js';

const synonyms = new Synonyms(fileURLToPath(new URL('../../device/knowledge/synonyms.json', import.meta.url)));
const text = (en: string) => ({ 'zh-Hant': en, 'zh-Hans': en, en });
const log = pino({ level: 'silent' });
const OLD_A = 'ecommerce.quality.old_escalation';
const OLD_B = 'ecommerce.orders.old_escalation';
const MERGED = 'ecommerce.service.complaint_escalation';
const RENAMES = new Map([
  [OLD_A, MERGED],
  [OLD_B, MERGED],
]);

const decision = (label: string | null, candidates: string[]): StoredDecision => ({
  at: '2026-11-20T09:00:00.000Z',
  text: 'I want to escalate my complaint',
  kind: 'queue',
  label,
  confidence: 0.8,
  candidates: candidates.map((c, i) => ({ label: c, confidence: 0.8 - i / 10 })),
  route: { skill: 'aftersales', vipLine: true, priority: 2 },
  rules: [],
  explanation: '',
});

let dir: string;
let store: Store;
let journal: FactJournal;
let knowledge: Knowledge;
let sessions: SessionRepository;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relabel-'));
  store = await Store.open(join(dir, 'store.json'));
  ({ journal } = await openTestJournal([routingTables, knowledgeTables], undefined, dir));
  knowledge = new Knowledge(journal, store, new EventBus(), synonyms);
  sessions = new SessionRepository(journal.db);
});
afterEach(async () => {
  journal.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function seed(): Promise<void> {
  await importBundle(
    knowledge,
    {
      version: 't',
      articles: [
        { key: 'art-a', intents: [OLD_A], title: text('Escalating a quality complaint'), body: text('a') },
        { key: 'art-b', intents: [OLD_B, MERGED], title: text('Escalating an order complaint'), body: text('b') },
      ].map((a) => ({ ...a, keywords: { 'zh-Hant': [], 'zh-Hans': [], en: [] }, validFrom: '2026-01-01T00:00:00Z' })),
    },
    'test',
  );
  const examples = new IntentExampleRepository(journal.db);
  await journal.write(() => {
    sessions.insert({
      ...newServiceSession({ id: 's1', kioskId: 'k1', lang: 'en', startedAt: '2026-11-20T09:00:00.000Z' }),
      decisions: [decision(OLD_A, [OLD_A, OLD_B, 'general.service.escalate_to_manager']), decision('general.service.escalate_to_manager', ['general.service.escalate_to_manager'])],
    });
    sessions.appendDecision('s1', decision(OLD_B, [OLD_B]), null);
    sessions.setWrapUp('s1', { routedLabel: OLD_B, label: OLD_A, confirmed: false, resolved: true, by: 'a1', at: '2026-11-20T09:10:00.000Z' });
    sessions.insert({ ...newServiceSession({ id: 's2', kioskId: 'k1', lang: 'en', startedAt: '2026-11-20T10:00:00.000Z' }), decisions: [decision('finance.cards.card_declined', ['finance.cards.card_declined'])] });
    examples.record({ sessionId: 's1', text: 'I want to escalate my complaint', lang: 'en', routedLabel: OLD_B, label: OLD_A, agentId: 'a1', at: '2026-11-20T09:10:00.000Z' });
    journal.db
      .prepare("INSERT INTO knowledge_tickets (id, number, question, intent, lang, origin, session_id, status, assignee, created_at, due_at) VALUES ('t1', 1, 'q', ?, 'en', 'manual', NULL, 'open', NULL, '2026-11-20T09:00:00.000Z', '2026-11-22T09:00:00.000Z')")
      .run(OLD_A);
  });
}

describe('a taxonomy rename (formerIds)', () => {
  it('moves stored sessions, labelled examples, tickets and knowledge links to the new id, once', async () => {
    await seed();
    await applyLabelRenames(journal, knowledge, RENAMES, log);

    const s1 = sessions.sessionById('s1')!;
    expect(s1.decisions.map((d) => d.label)).toEqual([MERGED, 'general.service.escalate_to_manager', MERGED]);
    expect(s1.decisions[0]!.candidates.map((c) => c.label)).toEqual([MERGED, MERGED, 'general.service.escalate_to_manager']);
    expect(s1.wrapUp).toMatchObject({ routedLabel: MERGED, label: MERGED });
    // The outlines read the kept last label, not the decisions.
    expect(sessions.sessionOutlinesBetween('2026-11-20', '2026-11-21').map((o) => o.decisions.at(-1)?.label)).toEqual([MERGED, 'finance.cards.card_declined']);
    expect(sessions.sessionById('s2')!.decisions[0]!.label).toBe('finance.cards.card_declined');
    expect(new IntentExampleRepository(journal.db).since()).toMatchObject([{ sessionId: 's1', routedLabel: MERGED, label: MERGED }]);
    expect(journal.db.prepare("SELECT intent FROM knowledge_tickets WHERE id = 't1'").pluck().get()).toBe(MERGED);

    // Both old intent nodes merged into the one the bundle already made for the new id; no link twice.
    const intents = store.read((d) => d.kbNodes.filter((n) => n.type === 'intent').map((n) => n.key));
    expect(intents).toEqual([MERGED]);
    expect([...knowledge.indexes.solversOf(MERGED)].sort()).toHaveLength(2);
    expect(knowledge.indexes.solversOf(OLD_A)).toEqual([]);
    const links = store.read((d) => d.kbLinks.map((l) => `${l.from}>${l.to}>${l.type}`));
    expect(new Set(links).size).toBe(links.length);

    // Applied renames are remembered: a second start does not scan again, and changes nothing.
    const before = journal.db.prepare('SELECT decisions, wrap_up_label FROM routing_sessions ORDER BY id').all();
    const writes = store.read((d) => JSON.stringify(d));
    await applyLabelRenames(journal, knowledge, RENAMES, log);
    expect(journal.db.prepare('SELECT decisions, wrap_up_label FROM routing_sessions ORDER BY id').all()).toEqual(before);
    expect(store.read((d) => JSON.stringify(d))).toBe(writes);
    expect(journal.db.prepare('SELECT former_id, id FROM routing_label_renames ORDER BY former_id').all()).toEqual([
      { former_id: OLD_B, id: MERGED },
      { former_id: OLD_A, id: MERGED },
    ]);
  });

  it('renames an intent node in place when the new id has none', async () => {
    await seed();
    await applyLabelRenames(journal, knowledge, new Map([[OLD_A, 'ecommerce.quality.renamed']]), log);
    expect(knowledge.indexes.solversOf('ecommerce.quality.renamed')).toHaveLength(1);
    expect(store.read((d) => d.kbNodes.filter((n) => n.type === 'intent').map((n) => n.key).sort())).toEqual(['ecommerce.orders.old_escalation', 'ecommerce.quality.renamed', MERGED].sort());
  });

  it('is what the shipped taxonomy asks for: every former id leads to a label of it', async () => {
    const taxonomy = await loadTaxonomy(INTENT_TAXONOMY_DIR);
    const renames = labelRenames(taxonomy.labels);
    expect(renames.size).toBeGreaterThan(0);
    const ids = new Set(taxonomy.labels.map((l) => l.id));
    for (const [former, id] of renames) {
      expect(ids.has(former)).toBe(false);
      expect(ids.has(id)).toBe(true);
    }
  });
});
