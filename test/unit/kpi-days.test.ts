import { afterEach, describe, expect, it } from 'vitest';
import type { FactJournal } from '../../device/bus.js';
import { KPI_GROUPS, KpiDays, KpiReports, metricsTables, type KpiGroup } from '../../device/metrics/index.js';
import type { CallRecord, QaScorecardRecord } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';
import { arraySources, type KpiData } from '../helpers/kpi-sources.js';
import { craftedSession } from '../helpers/sessions.js';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (n: number) => iso(T0 + n * DAY_MS).slice(0, 10);
const INTENTS = ['finance.cards.lost_card', 'finance.loans.rates', 'general.hours.opening'];

/**
 * A branch's visits on the given days: customers who come back about the same thing across days (repeats
 * over a day's end), bot answers, agents, transfers, reopened and abandoned requests, surveys, scorecards.
 */
function branch(dayNumbers: number[], perDay = 24): KpiData {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const data: KpiData = { sessions: [], calls: [], scorecards: [], alerts: [] };
  for (const day of dayNumbers) {
    for (let i = 0; i < perDay; i++) {
      const start = T0 + day * DAY_MS + Math.floor(((i + 0.5) / perDay) * DAY_MS);
      const at = (s: number) => iso(start + s * 1000);
      const id = `d${day}-${i}`;
      const label = INTENTS[next(INTENTS.length)]!;
      const decisions = [{ at: at(1), text: 'q', kind: 'queue' as const, label, confidence: 0.8, candidates: [], route: { skill: 'cards', vipLine: false, priority: 0 }, rules: [], explanation: '' }];
      const customer = next(3) === 0 ? null : { id: `c${next(6)}`, tier: 'standard' as const };
      const kioskId = `kiosk-${next(2)}`;
      const survey = next(2) === 0 ? { stars: 1 + next(5), recommend: next(11), at: at(900) } : null;
      const kind = next(5);
      if (kind === 0) {
        data.sessions.push(craftedSession(id, at(0), { kioskId, customer, decisions, botAnsweredAt: at(4), firstResponseAt: at(4), survey }));
        continue;
      }
      const skill = next(2) === 0 ? 'cards' : 'loans';
      const call = (n: number, agentId: string | null, from: number, answered: number | null, ended: number, endReason: CallRecord['endReason']): CallRecord => ({
        id: `${id}-call${n}`,
        kioskId,
        sessionId: id,
        skill,
        agentId,
        lang: 'en',
        requestedAt: at(from),
        answeredAt: answered === null ? null : at(answered),
        endedAt: at(ended),
        endReason,
        chat: [],
        recording: null,
      });
      if (kind === 1) {
        data.sessions.push(craftedSession(id, at(0), { kioskId, customer, decisions, queuedAt: at(2), abandonedAt: at(40 + next(60)) }));
        data.calls.push(call(0, null, 2, null, 60, 'abandoned'));
        continue;
      }
      const agent = `a${next(3)}`;
      const answeredIn = 5 + next(50);
      const wrapUp = { routedLabel: label, label: next(4) === 0 ? INTENTS[0]! : label, confirmed: true, resolved: next(3) !== 0, by: agent, at: at(700) };
      wrapUp.confirmed = wrapUp.label === label;
      data.sessions.push(craftedSession(id, at(0), { kioskId, customer, decisions, queuedAt: at(2), agentAnsweredAt: at(2 + answeredIn), firstResponseAt: at(2 + answeredIn), wrapUp, survey }));
      data.calls.push(call(0, agent, 2, 2 + answeredIn, 300 + next(300), 'agent-ended'));
      // A transfer, or the customer asking again after the wrap-up.
      if (kind === 3) data.calls.push(call(1, agent === 'a0' ? 'a1' : 'a0', 610, 620, 690, 'agent-ended'));
      if (kind === 4) data.calls.push(call(1, agent, 800, 810, 850, 'agent-ended'));
      const card: QaScorecardRecord = { id: `qa-${id}`, sessionId: id, callId: `${id}-call0`, agentId: agent, formVersion: 1, at: at(1500), total: 30 + next(70), items: [], overrides: [], disputes: [] };
      data.scorecards.push(card);
    }
  }
  return data;
}

const noAccounts = { listKiosks: () => [], listUsers: () => [] };
let journal: FactJournal;
afterEach(() => journal?.close());

async function setUp(data: KpiData, recordRetentionDays: number, now: number) {
  ({ journal } = await openTestJournal([metricsTables]));
  const sources = arraySources(data);
  const options = { recordRetentionDays };
  const days = new KpiDays(journal, sources, options);
  const clock = { now };
  const reports = new KpiReports(sources, days, noAccounts, () => clock.now);
  /** What the record retention deletes: every session, call and scorecard older than its age. */
  const prune = (beforeIso: string) => {
    data.sessions.splice(0, data.sessions.length, ...data.sessions.filter((s) => s.startedAt >= beforeIso));
    data.calls.splice(0, data.calls.length, ...data.calls.filter((c) => c.requestedAt >= beforeIso));
    data.scorecards.splice(0, data.scorecards.length, ...data.scorecards.filter((c) => c.at >= beforeIso));
  };
  return { sources, days, reports, clock, prune };
}

const ALL_REPORTS: (KpiGroup | undefined)[] = [undefined, ...KPI_GROUPS];

describe('daily KPI rollups in the journal', () => {
  it('stores each finished day once, a day without visits too, and is safe to repeat and to run twice at once', async () => {
    const now = T0 + 12 * DAY_MS + 3_600_000;
    const { days } = await setUp(branch([0, 1, 3, 10]), 20, now);
    // Finished: the repeat window after the day is over, so day 4 (ended on day 5, plus 7 days) is the newest.
    const [a, b] = await Promise.all([days.rollUpFinishedDays(now), days.rollUpFinishedDays(now)]);
    const firstDay = iso(now - 20 * DAY_MS).slice(0, 10);
    const stored = days.daysBefore('9999-12-31');
    expect(stored.map((d) => d.day)).toEqual(Array.from({ length: 13 }, (_, i) => iso(Date.parse(firstDay) + i * DAY_MS).slice(0, 10)));
    expect(stored.at(-1)!.day).toBe(dayOf(4));
    expect(a + b).toBe(13);
    expect(days.newestDay()).toBe(dayOf(4));
    expect(stored.find((d) => d.day === dayOf(1))!.tally.sessions).toBe(24);
    expect(stored.find((d) => d.day === dayOf(2))!.tally).toMatchObject({ sessions: 0, scorecards: 0, handleSeconds: 0 });
    expect(await days.rollUpFinishedDays(now)).toBe(0);
    expect(await days.rollUpFinishedDays(now + DAY_MS)).toBe(1);
    // Per kiosk, skill group and agent too.
    expect(days.daysBetween(dayOf(0), dayOf(1), 'kiosk').map((d) => d.key)).toEqual(['kiosk-0', 'kiosk-1']);
    expect(days.daysBetween(dayOf(0), dayOf(1), 'agent').reduce((n, d) => n + d.tally.handled, 0)).toBeGreaterThan(0);
  });

  it('gives the same report, overall and in every group, after the record retention deleted the records', async () => {
    const data = branch([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const now = T0 + 30 * DAY_MS + 7_200_000;
    const { days, reports, sources, clock, prune } = await setUp(data, 365, now);
    const periods = [
      [T0, T0 + 8 * DAY_MS],
      [T0 + 3 * DAY_MS, T0 + 15 * DAY_MS],
      // Not on day boundaries: the partial days come from the records, the whole ones from the rollups.
      [T0 + 2 * DAY_MS + 5 * 3_600_000, T0 + 14 * DAY_MS + 3 * 3_600_000],
    ] as const;
    const fromRecords = periods.map(([from, to]) => ALL_REPORTS.map((group) => reports.kpis(from, to, group)));
    // Every rule has something to count, repeats over a day's end among them.
    const overall = fromRecords[1]![0]!.overall;
    for (const figure of ['transferred', 'reopened', 'repeatInquiryRate', 'firstContactResolution', 'abandonmentRate', 'serviceErrorRate', 'csat', 'averageHandleSeconds'] as const) expect(overall[figure], figure).toBeGreaterThan(0);
    await days.rollUpFinishedDays(now);
    expect(days.newestDay()).not.toBeNull();
    periods.forEach(([from, to], i) => ALL_REPORTS.forEach((group, j) => expect(reports.kpis(from, to, group), `rolled up ${i} ${group}`).toEqual(fromRecords[i]![j])));
    // A year later: the records of the first 8 days are past a 365-day retention and deleted.
    clock.now = T0 + 373 * DAY_MS;
    const beforeIso = iso(clock.now - 365 * DAY_MS);
    await days.rollUpBefore(beforeIso, clock.now);
    prune(beforeIso);
    expect(data.sessions.length).toBeGreaterThan(0);
    expect(data.sessions.every((s) => s.startedAt >= iso(T0 + 8 * DAY_MS))).toBe(true);
    // Only whole days outlive their records: the periods on day boundaries.
    periods.slice(0, 2).forEach(([from, to], i) => ALL_REPORTS.forEach((group, j) => expect(reports.kpis(from, to, group), `${i} ${group}`).toEqual(fromRecords[i]![j])));
    // The first period is all past the retention: it reads no record.
    sources.reads.length = 0;
    expect(reports.kpis(...periods[0]).overall.sessions).toBe(8 * 24);
    expect(sources.reads).toEqual([]);
  });

  it('rolls up the days the retention is about to delete, finished or not, under a retention shorter than the repeat window', async () => {
    const now = T0 + 3 * DAY_MS + 3_600_000;
    const { days } = await setUp(branch([2, 3]), 1, now);
    expect(await days.rollUpFinishedDays(now)).toBe(0);
    const beforeIso = iso(now - DAY_MS);
    await days.rollUpBefore(beforeIso, now);
    expect(days.newestDay()).toBe(dayOf(2));
    expect(days.daysBefore(dayOf(3)).map((d) => [d.day, d.tally.sessions])).toEqual([[dayOf(2), 24]]);
  });

  it('starts the first roll-up with the oldest records a migrated store kept past the retention', async () => {
    const now = T0 + 40 * DAY_MS;
    const { days } = await setUp(branch([0, 35]), 30, now);
    await days.rollUpBefore(iso(now - 30 * DAY_MS), now);
    const stored = days.daysBefore(dayOf(40));
    expect(stored[0]).toMatchObject({ day: dayOf(0), tally: { sessions: 24 } });
    expect(stored.at(-1)!.day).toBe(dayOf(32));
    expect(stored).toHaveLength(33);
  });
});
