import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCoachingTexts, QaError, qaTables, QualityInspection, ScorecardRepository, type SessionFacts } from '../../device/qa/index.js';
import { Store, type QaScorecardRecord } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';
import { fullScans, statementsOf } from '../helpers/query-plan.js';

const TEXTS = loadCoachingTexts(fileURLToPath(new URL('../../models/qa/coaching.json', import.meta.url)));
const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A served session: the agent greets, is empathic and closes; the customer is calmer at the end. */
const facts = (sessionId: string, agentId: string | null = 'agent-1'): SessionFacts => ({
  sessionId,
  callId: `${sessionId}-call`,
  agentId,
  lang: 'en',
  waitMs: 10_000,
  handleMs: 200_000,
  endReason: 'agent-ended',
  messages: [
    { from: 'agent', text: 'Hello, welcome to Branchline', atMs: 2000 },
    { from: 'customer', text: 'My parcel is late', atMs: 10_000 },
    { from: 'agent', text: 'I understand, let me walk you through it step by step', atMs: 20_000 },
    { from: 'agent', text: 'Thank you, goodbye', atMs: 190_000 },
  ],
  transcript: null,
  customerIdentified: false,
  routing: { label: 'ecommerce.logistics.delivery_time_estimate', confirmed: true },
  resolved: true,
  solutions: [],
  ticketOpened: false,
  emotion: { startValence: -0.4, endValence: 0.2 },
  talk: null,
  alerts: [],
  csat: 5,
  transfers: 0,
});

const card = (id: string, sessionId: string, at: number, agentId: string | null = 'agent-1', total: number | null = 80): QaScorecardRecord => ({
  id,
  sessionId,
  callId: null,
  agentId,
  formVersion: 1,
  at: iso(at),
  total,
  items: [{ sectionId: 'conduct', questionId: 'empathy', title: 'Shows empathy', weight: 5, score: 0, evidence: [{ quote: 'ok' }] }],
  overrides: [],
  disputes: [],
});

const closing: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

async function inspection(source: (sessionId: string) => SessionFacts | null = (id) => facts(id)) {
  const { journal, bus } = await openTestJournal([qaTables]);
  const store = await Store.open(join(mkdtempSync(join(tmpdir(), 'branchline-qa-')), 'store.json'));
  closing.push(() => journal.close(), () => store.close());
  const quality = new QualityInspection(journal, store, bus, source, TEXTS, { unwrappedAfterMs: 60_000, onScoreFailed: () => undefined }, () => NOW);
  return { journal, bus, store, quality, repo: new ScorecardRepository(journal) };
}

describe('scorecards', () => {
  it('stores a scorecard and announces it in the same transaction, the bus after the commit', async () => {
    const { journal, bus, quality } = await inspection();
    const inside: (string | null)[] = [];
    journal.inTransaction('qa.scorecard', (e) => void inside.push(quality.get(e.scorecardId).sessionId));
    const heard: string[] = [];
    bus.on('qa.scorecard', (e) => void heard.push(e.sessionId));
    const scored = await quality.score('s1');
    expect(scored).toMatchObject({ sessionId: 's1', agentId: 'agent-1', formVersion: 1, at: iso(NOW), overrides: [], disputes: [] });
    expect(inside).toEqual(['s1']);
    expect(heard).toEqual(['s1']);
    expect(quality.get(scored!.id)).toEqual(scored);
  });

  it('stores nothing when the announcement is refused, and the caller gets the error', async () => {
    const { journal, bus, quality } = await inspection();
    journal.inTransaction('qa.scorecard', () => {
      throw new Error('outbox refused');
    });
    const heard: string[] = [];
    bus.on('qa.scorecard', (e) => void heard.push(e.sessionId));
    await expect(quality.score('s1')).rejects.toThrow('outbox refused');
    expect(quality.list({ limit: 10 })).toEqual([]);
    expect(heard).toEqual([]);
  });

  it('lists the newest first, of everyone or of one agent, and keeps overrides and disputes', async () => {
    const { journal, quality, repo } = await inspection();
    await journal.write(() => repo.importLegacy([card('c1', 's1', NOW - 3000), card('c2', 's2', NOW - 2000, 'agent-2'), card('c3', 's3', NOW - 1000)]));
    expect(quality.list({ limit: 10 }).map((c) => c.id)).toEqual(['c3', 'c2', 'c1']);
    expect(quality.list({ limit: 1 }).map((c) => c.id)).toEqual(['c3']);
    expect(quality.list({ limit: 10, agentId: 'agent-1' }).map((c) => c.id)).toEqual(['c3', 'c1']);

    const overridden = await quality.override('c1', { questionId: 'empathy', score: 1, reason: 'said sorry in the call' }, 'sup');
    expect(overridden.overrides).toEqual([{ questionId: 'empathy', score: 1, reason: 'said sorry in the call', by: 'sup', at: iso(NOW) }]);
    const disputed = await quality.dispute('c1', { questionId: 'empathy', reason: 'I did apologise' }, 'agent-1');
    expect(quality.get('c1')).toEqual(disputed);
    expect(disputed.overrides).toHaveLength(1);
    expect(disputed.disputes).toEqual([{ questionId: 'empathy', reason: 'I did apologise', by: 'agent-1', at: iso(NOW) }]);
    expect(quality.effectiveTotal(disputed)).toBe(100);

    await expect(quality.dispute('c2', { questionId: 'empathy', reason: 'not mine' }, 'agent-1')).rejects.toMatchObject({ statusCode: 403 });
    await expect(quality.override('c1', { questionId: 'nope', score: 0, reason: 'x' }, 'sup')).rejects.toMatchObject({ statusCode: 400 });
    await expect(quality.override('missing', { questionId: 'empathy', score: 0, reason: 'x' }, 'sup')).rejects.toBeInstanceOf(QaError);
    expect(quality.get('c2').disputes).toEqual([]);
    expect(() => quality.get('missing')).toThrow(QaError);
  });

  it('gives coaching from an agent\'s scorecards of the period, and the KPIs the scorecards of a time range without their items', async () => {
    const { journal, quality, repo } = await inspection();
    await journal.write(() =>
      repo.importLegacy([
        card('old', 's0', NOW - 10 * DAY),
        card('a', 's1', NOW - 3 * DAY),
        card('b', 's2', NOW - 2 * DAY),
        card('c', 's3', NOW - DAY),
        card('other', 's4', NOW - DAY, 'agent-2'),
      ]),
    );
    const [suggestion] = quality.coaching('agent-1', 7, 'en');
    expect(suggestion).toMatchObject({ questionId: 'empathy', count: 3, sessions: ['s3', 's2', 's1'] });
    expect(quality.coaching('agent-1', 2, 'en')).toEqual([]);
    expect(quality.scorecardsBetween(iso(NOW - 3 * DAY), iso(NOW - DAY))).toEqual([
      { id: 'a', sessionId: 's1', callId: null, agentId: 'agent-1', formVersion: 1, at: iso(NOW - 3 * DAY), total: 80 },
      { id: 'b', sessionId: 's2', callId: null, agentId: 'agent-1', formVersion: 1, at: iso(NOW - 2 * DAY), total: 80 },
    ]);
  });

  it('mines the handbook from the recently scored sessions agents served only, each once, at most 3000', async () => {
    const asked: string[] = [];
    const { journal, quality, repo } = await inspection((id) => {
      asked.push(id);
      return facts(id, `agent-${Number(id.split('-')[1]) % 10}`);
    });
    const cards = [card('rescored', 'recent-3099', NOW - 2 * DAY), card('too-old', 'old-1', NOW - 91 * DAY), card('bot', 'bot-1', NOW - DAY, null)];
    for (let i = 0; i < 3100; i++) cards.push(card(`c${i}`, `recent-${i}`, NOW - 80 * DAY + i * 60_000));
    await journal.write(() => repo.importLegacy(cards));
    const handbook = quality.handbook();
    expect(asked).toHaveLength(3000);
    expect(new Set(asked).size).toBe(3000);
    // The most recently scored first: the 100 scored first in the window are left out.
    expect(asked[0]).toBe('recent-3099');
    expect(asked).not.toContain('recent-99');
    expect(asked).not.toContain('old-1');
    expect(asked).not.toContain('bot-1');
    expect(handbook.topAgents).toHaveLength(1);
    expect(handbook.groups.map((g) => g.group)).toEqual(['ecommerce.logistics']);
  });

  it('keeps the evaluation forms in the store', async () => {
    const { store, quality } = await inspection();
    const form = quality.currentForm();
    const saved = await quality.saveForm({ name: 'Edited', sections: form.sections }, 'sup');
    expect(saved.version).toBe(2);
    expect(store.read((d) => d.qaForms.map((f) => f.version))).toEqual([1, 2]);
    expect(quality.currentForm().name).toBe('Edited');
  });
});

describe('scorecard repository', () => {
  it('imports the scorecards of a v7 store once, however often it is given them', async () => {
    const { journal } = await openTestJournal([qaTables]);
    const repo = new ScorecardRepository(journal);
    const legacy = [card('c1', 's1', NOW - 1000), { ...card('c2', 's2', NOW), overrides: [{ questionId: 'empathy', score: 1, reason: 'r', by: 'sup', at: iso(NOW) }] }];
    expect(await journal.write(() => repo.importLegacy(legacy))).toBe(2);
    expect(await journal.write(() => repo.importLegacy(legacy))).toBe(0);
    expect(repo.get('c2')).toEqual(legacy[1]);
    expect(repo.isScored('s1')).toBe(true);
    expect(repo.isScored('s9')).toBe(false);
    journal.close();
  });

  it('prunes scorecards past their age, the oldest first, at most the limit', async () => {
    const { journal } = await openTestJournal([qaTables]);
    const repo = new ScorecardRepository(journal);
    const cutoff = NOW - 730 * DAY;
    await journal.write(() => repo.importLegacy([card('o1', 's1', cutoff - 3000), card('o2', 's2', cutoff - 2000), card('o3', 's3', cutoff - 1000), card('edge', 's4', cutoff), card('young', 's5', NOW)]));
    expect(await journal.write(() => repo.prune(iso(cutoff), 2))).toBe(2);
    expect(repo.get('o1')).toBeNull();
    expect(repo.get('o2')).toBeNull();
    expect(await journal.write(() => repo.prune(iso(cutoff), 100))).toBe(1);
    expect(await journal.write(() => repo.prune(iso(cutoff), 100))).toBe(0);
    expect(repo.newest(10).map((c) => c.id)).toEqual(['young', 'edge']);
    journal.close();
  });

  it('reads and deletes through indexes only: no statement of the repository reads a table whole', async () => {
    const { journal } = await openTestJournal([qaTables]);
    const { statements } = statementsOf(journal, () => new ScorecardRepository(journal));
    expect(statements.length).toBeGreaterThan(8);
    for (const sql of statements) expect(fullScans(journal, sql), sql).toEqual([]);
    journal.close();
  });
});
