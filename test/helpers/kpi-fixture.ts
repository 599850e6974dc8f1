import type { CallRecord, QaScorecardRecord, ServiceSessionRecord } from '../../device/store/index.js';
import { roundFigure, type Kpis, type RoutingMeasures } from '../../protocol/index.js';
import { craftedSession } from './sessions.js';

/** Device records for KPI tests, timed in seconds after T0. */
export const T0 = Date.parse('2026-11-02T09:00:00Z');
export const DAY_MS = 86_400_000;
export const at = (seconds: number) => new Date(T0 + Math.round(seconds * 1000)).toISOString();
export const decided = (label: string, seconds: number) => ({ at: at(seconds), text: 'q', kind: 'queue' as const, label, confidence: 0.9, candidates: [], route: { skill: 'general', vipLine: false, priority: 0 }, rules: [], explanation: '' });
export const session = (id: string, start: number, overrides: Partial<ServiceSessionRecord> = {}) => craftedSession(id, at(start), overrides);
export function call(sessionId: string, agentId: string | null, requested: number, answered: number | null, ended: number, endReason: CallRecord['endReason'] = 'agent-ended'): CallRecord {
  return { id: `${sessionId}-${requested}`, kioskId: 'kiosk-1', sessionId, skill: 'cards', agentId, lang: 'en', requestedAt: at(requested), answeredAt: answered === null ? null : at(answered), endedAt: at(ended), endReason, chat: [], recording: null };
}
export const card = (sessionId: string, total: number): QaScorecardRecord => ({ id: `qa-${sessionId}`, sessionId, callId: null, agentId: 'a1', formVersion: 1, at: at(900), total, items: [], overrides: [], disputes: [] });
export const wrap = (seconds: number, confirmed: boolean, resolved: boolean) => ({ routedLabel: 'finance.cards.x', label: confirmed ? 'finance.cards.x' : 'finance.cards.y', confirmed, resolved, by: 'a1', at: at(seconds) });
export const customer = { id: 'c1', tier: 'standard' as const };
export const noAccounts = { listKiosks: () => [], listUsers: () => [] };

/** A branch's six sessions, as of `now`, with every case a figure turns on. */
export function branchA(now: number) {
  return {
    sessions: [
      // A bot answer in 5 s and a delighted customer, who comes back about the same thing an hour later (f).
      session('a', 0, { customer, decisions: [decided('general.hours.opening', 1)], botAnsweredAt: at(5), firstResponseAt: at(5), survey: { stars: 5, recommend: 10, at: at(30) } }),
      // An agent 32.5 s after the start: late. Resolved and confirmed; a poor scorecard; a passive customer.
      session('b', 100, { queuedAt: at(102), agentAnsweredAt: at(132.5), firstResponseAt: at(132.5), wrapUp: wrap(300, true, true), survey: { stars: 3, recommend: 7, at: at(310) } }),
      // Its one call was abandoned, though the session never recorded that it was.
      session('c', 200, { queuedAt: at(203) }),
      // Started 10 s before `now` and nothing yet: too early to count as late.
      session('d', (now - T0) / 1000 - 10),
      // An agent at exactly 30 s: in time. Not resolved, and the agent changed the routed label.
      session('e', 400, { queuedAt: at(401), agentAnsweredAt: at(430), firstResponseAt: at(430), wrapUp: wrap(600, false, false) }),
      session('f', 3600, { customer, decisions: [decided('general.hours.opening', 3601)], botAnsweredAt: at(3603), firstResponseAt: at(3603) }),
    ],
    calls: [call('b', 'a1', 102, 132.5, 252.5), call('c', null, 203, null, 260, 'abandoned'), call('e', 'a2', 401, 430, 490)],
    scorecards: [card('b', 50), card('e', 90)],
  };
}

/** branchA's figures, worked out by hand. */
export const BRANCH_A_KPIS: Kpis = {
  sessions: 6,
  // a, e and f in time; b late, c never answered; d too early to say.
  responseRate30s: 3 / 5,
  averageHandleSeconds: (120 + 60) / 2,
  firstContactResolution: 1 / 2,
  serviceErrorRate: 1 / 2,
  csat: 1 / 2,
  averageStars: 4,
  nps: 50,
  surveyAnswers: 2,
  repeatInquiryRate: 1 / 2,
  abandonmentRate: roundFigure(1 / 3),
  transferred: 0,
  reopened: 0,
};
export const BRANCH_A_MEASURES: RoutingMeasures = { sessions: 5, responseRate30s: 3 / 5, reviewed: 2, matchingAccuracy: 1 / 2, abandoned: 1 };
