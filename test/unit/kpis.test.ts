import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FactJournal } from '../../device/bus.js';
import { KpiDays, KpiReports, metricsTables, type KpiGroup } from '../../device/metrics/index.js';
import type { CallRecord, QaScorecardRecord, ServiceSessionRecord } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';
import { arraySources } from '../helpers/kpi-sources.js';
import { craftedSession } from '../helpers/sessions.js';

const T0 = Date.parse('2026-11-02T09:00:00Z');
const DAY = 86_400;
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const decided = (label: string, seconds: number) => ({ at: at(seconds), text: 'q', kind: 'queue' as const, label, confidence: 0.9, candidates: [], route: { skill: 'general', vipLine: false, priority: 0 }, rules: [], explanation: '' });

const session = (id: string, start: number, overrides: Partial<ServiceSessionRecord> = {}) => craftedSession(id, at(start), overrides);

function call(sessionId: string, agentId: string | null, requested: number, answered: number | null, ended: number, skill: string, endReason: CallRecord['endReason'] = 'agent-ended'): CallRecord {
  return { id: `${sessionId}-${requested}`, kioskId: 'kiosk-1', sessionId, skill, agentId, lang: 'en', requestedAt: at(requested), answeredAt: answered === null ? null : at(answered), endedAt: at(ended), endReason, chat: [], recording: null };
}

const card = (sessionId: string, total: number): QaScorecardRecord => ({ id: `qa-${sessionId}`, sessionId, callId: null, agentId: 'a1', formVersion: 1, at: at(500), total, items: [], overrides: [], disputes: [] });
const wrap = (seconds: number, resolved = true) => ({ routedLabel: 'finance.cards.x', label: 'finance.cards.x', confirmed: true, resolved, by: 'a1', at: at(seconds) });
const c1 = { id: 'c1', tier: 'standard' as const };
const c2 = { id: 'c2', tier: 'vip' as const };

const sessions: ServiceSessionRecord[] = [
  // Before the period: it does not count, and it cannot make a later session a repeat.
  session('s0', -2 * DAY, { customer: c1, decisions: [decided('general.hours.opening', -2 * DAY)], firstResponseAt: at(-2 * DAY + 1) }),
  // A bot answer in 5 s, a delighted customer, who comes back about the same thing 3 days later (s6).
  session('s1', 0, { customer: c1, decisions: [decided('general.hours.opening', 1)], botAnsweredAt: at(5), firstResponseAt: at(5), survey: { stars: 5, recommend: 10, at: at(30) } }),
  // Answered by an agent in 18 s of the request, handled in 120 s, resolved; a passive customer.
  session('s2', 100, { queuedAt: at(102), agentAnsweredAt: at(120), firstResponseAt: at(120), wrapUp: wrap(300), survey: { stars: 4, recommend: 8, at: at(310) } }),
  // Asked for an agent and left after 50 s.
  session('s3', 200, { queuedAt: at(203), abandonedAt: at(250) }),
  // Transferred from a1 to a2: resolved in the end, but not at the first contact; a poor scorecard; a detractor.
  session('s4', 300, { queuedAt: at(301), agentAnsweredAt: at(310), firstResponseAt: at(310), wrapUp: wrap(520), survey: { stars: 2, recommend: 3, at: at(530) } }),
  // Wrapped up as resolved, then the customer asked for an agent again in the same session: reopened.
  session('s5', 400, { queuedAt: at(401), agentAnsweredAt: at(415), firstResponseAt: at(415), wrapUp: wrap(490) }),
  session('s6', 3 * DAY, { customer: c1, decisions: [decided('general.hours.opening', 3 * DAY + 1)], botAnsweredAt: at(3 * DAY + 2), firstResponseAt: at(3 * DAY + 2) }),
  // The same customer and intent again, but 8 days later: not a repeat.
  session('s8', DAY, { customer: c2, decisions: [decided('finance.loans.rates', DAY + 1)], firstResponseAt: at(DAY + 3) }),
  session('s9', 9 * DAY, { customer: c2, decisions: [decided('finance.loans.rates', 9 * DAY + 1)], firstResponseAt: at(9 * DAY + 3) }),
  // After the period.
  session('s10', 20 * DAY, { firstResponseAt: at(20 * DAY + 1), decisions: [decided('x.y.z', 20 * DAY)] }),
];

const calls: CallRecord[] = [
  call('s2', 'a1', 102, 120, 240, 'cards'),
  call('s3', null, 203, null, 250, 'cards', 'abandoned'),
  call('s4', 'a1', 301, 310, 370, 'loans'),
  call('s4', 'a2', 380, 400, 520, 'loans'),
  call('s5', 'a1', 401, 415, 475, 'cards'),
  call('s5', 'a1', 500, 510, 530, 'cards'),
];
const scorecards = [card('s2', 85), card('s4', 40)];
const FROM = T0 - 3600_000;
const TO = T0 + 10 * DAY * 1000;
const sources = arraySources({ sessions, calls, scorecards });
const noAccounts = { listKiosks: () => [], listUsers: () => [] };

let journal: FactJournal;
let reports: KpiReports;
beforeAll(async () => {
  ({ journal } = await openTestJournal([metricsTables]));
  reports = new KpiReports(sources, new KpiDays(journal, sources, { recordRetentionDays: 730 }), noAccounts, () => T0 + 30 * DAY * 1000);
});
afterAll(() => journal.close());

const computeKpis = (group?: KpiGroup, from = FROM, to = TO) => reports.kpis(from, to, group);

describe('service KPIs on crafted sessions', () => {
  it('computes every figure by its definition', () => {
    const { overall } = computeKpis();
    expect(overall.sessions).toBe(8);
    // s3 (abandoned, never answered) is the one late first answer of the 8.
    expect(overall.responseRate30s).toBeCloseTo(7 / 8);
    // Handled sessions: s2 120 s, s4 60 + 120 s (both calls of the transfer), s5 60 + 20 s.
    expect(overall.averageHandleSeconds).toBeCloseTo((120 + 180 + 80) / 3);
    // Wrapped up: s2 (first contact), s4 (transferred), s5 (reopened).
    expect(overall.firstContactResolution).toBeCloseTo(1 / 3);
    expect(overall.serviceErrorRate).toBe(0.5);
    expect(overall.csat).toBeCloseTo(2 / 3);
    expect(overall.averageStars).toBeCloseTo(11 / 3);
    // One promoter (10), one passive (8), one detractor (3).
    expect(overall.nps).toBe(0);
    expect(overall.surveyAnswers).toBe(3);
    // Identified sessions with an intent: s1 (repeated by s6 within 7 days), s6, s8 (s9 came 8 days later), s9.
    expect(overall.repeatInquiryRate).toBe(0.25);
    // Agent requests: s2, s3, s4, s5; s3 abandoned.
    expect(overall.abandonmentRate).toBe(0.25);
    expect(overall.transferred).toBe(1);
    expect(overall.reopened).toBe(1);
  });

  it('breaks the figures down per agent, skill group, kiosk and day', () => {
    const byAgent = computeKpis('agent').groups;
    expect(byAgent.map((g) => [g.key, g.kpis.sessions])).toEqual([
      ['(no agent)', 5],
      ['a1', 3],
      ['a2', 1],
    ]);
    expect(byAgent.find((g) => g.key === 'a2')!.kpis).toMatchObject({ averageHandleSeconds: 180, firstContactResolution: 0, serviceErrorRate: 1 });
    const bySkill = computeKpis('skill').groups;
    expect(bySkill.map((g) => [g.key, g.kpis.sessions])).toEqual([
      ['bot', 2],
      ['cards', 3],
      ['loans', 1],
      ['none', 2],
    ]);
    expect(bySkill.find((g) => g.key === 'cards')!.kpis.abandonmentRate).toBeCloseTo(1 / 3);
    expect(computeKpis('kiosk').groups).toHaveLength(1);
    expect(computeKpis('day').groups.map((g) => [g.key, g.kpis.sessions])).toEqual([
      ['2026-11-02', 5],
      ['2026-11-03', 1],
      ['2026-11-05', 1],
      ['2026-11-11', 1],
    ]);
  });

  it('reads only the records of the period and of the windows after it that the rules need', () => {
    sources.reads.length = 0;
    computeKpis('agent');
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(sources.reads).toEqual([
      { reader: 'sessionsBetween', from: iso(FROM), to: iso(TO) },
      // Later sessions of identified customers, only to find repeats: seven days.
      { reader: 'identifiedSessionsBetween', from: iso(TO), to: iso(TO + 7 * DAY * 1000) },
      // A visit's calls and its scorecard come within two days of its start.
      { reader: 'callsBetween', from: iso(FROM), to: iso(TO + 2 * DAY * 1000) },
      { reader: 'scorecardsBetween', from: iso(FROM), to: iso(TO + 2 * DAY * 1000) },
    ]);
  });

  it('leaves a figure empty rather than zero when nothing measures it', () => {
    const { overall } = computeKpis(undefined, T0 + 15 * DAY * 1000, T0 + 16 * DAY * 1000);
    expect(overall).toMatchObject({ sessions: 0, responseRate30s: null, averageHandleSeconds: null, csat: null, nps: null, abandonmentRate: null });
  });
});
