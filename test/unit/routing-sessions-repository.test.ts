import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FactJournal } from '../../device/bus.js';
import { routingTables, SessionRepository } from '../../device/routing/index.js';
import type { ServiceSessionRecord, StoredDecision } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';
import { craftedSession } from '../helpers/sessions.js';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function decision(seconds: number, overrides: Partial<StoredDecision> = {}): StoredDecision {
  return {
    at: at(seconds),
    text: '我的包裹在哪裡？',
    kind: 'bot',
    label: 'e.logistics.track',
    // Confidences are kept to the last digit, as the JSON store kept them.
    confidence: 0.1 + 0.2,
    candidates: [{ label: 'e.logistics.track', confidence: 0.30000000000000004 }, { label: 'f.cards.fees', confidence: 1e-7 }],
    route: { skill: 'logistics', vipLine: false, priority: 0 },
    rules: ['bot-tier'],
    explanation: 'e.logistics.track at 30%: the bot answers (agent offered).',
    ...overrides,
  };
}

let journal: FactJournal;
let repository: SessionRepository;

beforeEach(async () => {
  ({ journal } = await openTestJournal([routingTables]));
  repository = new SessionRepository(journal.db);
});
afterEach(() => journal.close());

const insert = (...sessions: ServiceSessionRecord[]) => journal.write(() => sessions.forEach((s) => repository.insert(s)));

describe('service session repository', () => {
  it('returns a session exactly as it was recorded, and reads by id, newest first and by start time', async () => {
    const full = craftedSession('s-full', at(0), {
      customer: { id: 'cu-1', tier: 'vip' },
      decisions: [decision(1, { kind: 'clarify', label: null, confidence: null }), decision(5)],
      botAnsweredAt: at(5),
      callId: 'c-1',
      queuedAt: at(6),
      agentAnsweredAt: at(20),
      firstResponseAt: at(5),
      abandonedAt: null,
      escalatedAt: at(30),
      wrapUp: { routedLabel: 'e.logistics.track', label: 'e.logistics.track', confirmed: true, resolved: false, by: 'u-agent', at: at(300) },
      survey: { stars: null, recommend: 0, at: at(310) },
    });
    // Two sessions starting in the same millisecond keep the order they were recorded in.
    const twinA = craftedSession('s-twin-a', at(60));
    const twinB = craftedSession('s-twin-b', at(60));
    const later = craftedSession('s-later', at(120));
    await insert(full, twinA, twinB, later);

    expect(repository.sessionById('s-full')).toEqual(full);
    expect(repository.sessionById('s-twin-a')).toEqual(twinA);
    expect(repository.sessionById('nope')).toBeNull();
    expect(repository.recentSessions(3).map((s) => s.id)).toEqual(['s-later', 's-twin-b', 's-twin-a']);
    expect(repository.sessionsBetween(at(0), at(120)).map((s) => s.id)).toEqual(['s-full', 's-twin-a', 's-twin-b']);
    expect(repository.sessionsBetween(at(60), at(121)).map((s) => s.id)).toEqual(['s-twin-a', 's-twin-b', 's-later']);
    expect(repository.sessionsBetween(at(1), at(60))).toEqual([]);
    await expect(insert(craftedSession('s-full', at(500)))).rejects.toThrow(/UNIQUE/);
  });

  it('appends decisions and keeps the first moment of each step', async () => {
    await insert(craftedSession('s-1', at(0)));
    await journal.write(() => {
      expect(repository.appendDecision('s-1', decision(1, { kind: 'queue' }), null)).toBe(true);
      expect(repository.appendDecision('s-1', decision(2), at(2))).toBe(true);
      expect(repository.appendDecision('s-1', decision(3), at(3))).toBe(true);
      expect(repository.appendDecision('nope', decision(3), at(3))).toBe(false);
      expect(repository.setCustomer('s-1', { id: 'cu-2', tier: 'standard' })).toBe(true);
      repository.queued('s-1', 'c-1', at(10));
      repository.queued('s-1', 'c-2', at(40));
      repository.agentAnswered('s-1', at(12));
      repository.agentAnswered('s-1', at(45));
      repository.escalated('s-1', at(13));
      repository.escalated('s-1', at(14));
      repository.abandoned('s-1', at(50));
      repository.abandoned('s-1', at(51));
    });
    const session = repository.sessionById('s-1')!;
    expect(session.decisions).toEqual([decision(1, { kind: 'queue' }), decision(2), decision(3)]);
    expect(session).toMatchObject({
      customer: { id: 'cu-2', tier: 'standard' },
      botAnsweredAt: at(2),
      firstResponseAt: at(2),
      callId: 'c-1',
      queuedAt: at(10),
      agentAnsweredAt: at(12),
      escalatedAt: at(13),
      abandonedAt: at(50),
      wrapUp: null,
      survey: null,
    });
  });

  it('outlines sessions for counting as their full records have them: the last label, one entry per decision', async () => {
    const identified = craftedSession('s-a', at(0), { customer: { id: 'cu-1', tier: 'vip' }, decisions: [decision(0), decision(1, { label: null, kind: 'clarify' })] });
    await insert(identified);
    await insert(craftedSession('s-b', at(5), { survey: { stars: 4, recommend: null, at: at(9) }, wrapUp: { routedLabel: null, label: 'x.y', confirmed: false, resolved: true, by: 'u-1', at: at(8) } }));
    await journal.write(() => {
      repository.appendDecision('s-b', decision(6, { label: 'f.cards.fees' }), null);
      repository.appendDecision('s-b', decision(7, { label: null }), null);
    });
    const outline = ({ id, kioskId, startedAt, customer, botAnsweredAt, queuedAt, firstResponseAt, abandonedAt, wrapUp, survey, decisions }: ServiceSessionRecord) => {
      const lastLabel = decisions.findLast((d) => d.label)?.label ?? null;
      return { id, kioskId, startedAt, customer, botAnsweredAt, queuedAt, firstResponseAt, abandonedAt, wrapUp, survey, labelled: lastLabel, count: decisions.length };
    };
    const fromOutline = (o: ReturnType<SessionRepository['sessionOutlinesBetween']>[number]) => {
      const { decisions, ...rest } = o;
      return { ...rest, labelled: decisions.findLast((d) => d.label)?.label ?? null, count: decisions.length };
    };
    const full = repository.sessionsBetween(at(0), at(60));
    expect(repository.sessionOutlinesBetween(at(0), at(60)).map(fromOutline)).toEqual(full.map(outline));
    expect(repository.identifiedOutlinesBetween(at(0), at(60)).map((o) => o.id)).toEqual(['s-a']);
    expect(full.map(outline).map((o) => [o.labelled, o.count])).toEqual([['e.logistics.track', 2], ['f.cards.fees', 2]]);
  });

  it('replaces a wrap-up and records a survey only once', async () => {
    await insert(craftedSession('s-1', at(0)));
    const first = { routedLabel: null, label: 'a.b.c', confirmed: false, resolved: false, by: 'u-1', at: at(100) };
    const second = { routedLabel: 'a.b.c', label: 'a.b.c', confirmed: true, resolved: true, by: 'u-2', at: at(200) };
    const survey = { stars: 4, recommend: null, at: at(210) };
    await journal.write(() => {
      expect(repository.setWrapUp('s-1', first)).toBe(true);
      expect(repository.setWrapUp('s-1', second)).toBe(true);
      expect(repository.setWrapUp('nope', second)).toBe(false);
      expect(repository.setSurvey('s-1', survey)).toBe(true);
      expect(repository.setSurvey('s-1', { stars: 1, recommend: 1, at: at(220) })).toBe(false);
    });
    expect(repository.sessionById('s-1')).toMatchObject({ wrapUp: second, survey });
  });

  it('imports the sessions of a v7 store as they were, once', async () => {
    const v7 = JSON.parse(readFileSync(new URL('../fixtures/store-v7.json', import.meta.url), 'utf8')) as { serviceSessions: ServiceSessionRecord[] };
    await insert(craftedSession('s-new', at(0)));
    expect(await journal.write(() => repository.importLegacy(v7.serviceSessions))).toBe(2);
    expect(await journal.write(() => repository.importLegacy([...v7.serviceSessions, craftedSession('s-new', at(999))]))).toBe(0);
    for (const session of v7.serviceSessions) expect(repository.sessionById(session.id)).toEqual(session);
    expect(repository.sessionById('s-new')!.startedAt).toBe(at(0));
    expect(repository.recentSessions(10)).toHaveLength(3);
  });

  it('prunes at most the given number of the oldest sessions started before the cut-off', async () => {
    await insert(...[50, 10, 40, 20, 30, 60].map((s) => craftedSession(`s-${s}`, at(s))));
    expect(await journal.write(() => repository.prune(at(45), 2))).toBe(2);
    expect(repository.sessionsBetween(at(0), at(100)).map((s) => s.id)).toEqual(['s-30', 's-40', 's-50', 's-60']);
    expect(await journal.write(() => repository.prune(at(45), 500))).toBe(2);
    expect(await journal.write(() => repository.prune(at(45), 500))).toBe(0);
    // A session started exactly at the cut-off is not older than it.
    expect(await journal.write(() => repository.prune(at(50), 500))).toBe(0);
    expect(repository.recentSessions(10).map((s) => s.id)).toEqual(['s-60', 's-50']);
  });

  it('reads through indexes, never a scan of all sessions', () => {
    const plan = (sql: string) => (journal.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    const between = plan("SELECT * FROM routing_sessions WHERE started_at >= '' AND started_at < 'z' ORDER BY started_at, rowid");
    expect(between).toMatch(/SEARCH routing_sessions USING INDEX routing_sessions_started/);
    const newest = plan('SELECT * FROM routing_sessions ORDER BY started_at DESC, rowid DESC LIMIT 5');
    expect(newest).toMatch(/SCAN routing_sessions USING INDEX routing_sessions_started/);
    for (const p of [between, newest]) expect(p).not.toMatch(/TEMP B-TREE/);
    expect(plan("SELECT * FROM routing_sessions WHERE kiosk_id = 'k' AND started_at >= ''")).toMatch(/USING INDEX routing_sessions_kiosk/);
    expect(plan("SELECT * FROM routing_sessions WHERE call_id = 'c'")).toMatch(/USING INDEX routing_sessions_call/);
    expect(plan("SELECT * FROM routing_sessions WHERE customer_id = 'cu' AND started_at >= ''")).toMatch(/USING INDEX routing_sessions_customer/);
  });
});
