import { respondedInTime } from '../routing/index.js';
import type { CallRecord, QaScorecardRecord, ServiceSessionRecord } from '../store/index.js';

/** Same customer, same intent, within this many days: a repeat inquiry. */
export const REPEAT_WINDOW_DAYS = 7;
/** A quality scorecard below this total is a service error. */
export const SERVICE_ERROR_BELOW = 60;

export const KPI_GROUPS = ['kiosk', 'skill', 'agent', 'day'] as const;
export type KpiGroup = (typeof KPI_GROUPS)[number];

export interface Kpis {
  sessions: number;
  /** Sessions whose first answer (bot or agent) came within 30 s of the start, of those old enough to know. */
  responseRate30s: number | null;
  /** Seconds agents spent in calls per handled session (all of its calls, so a transfer counts twice). */
  averageHandleSeconds: number | null;
  /** Wrapped-up sessions resolved by the first agent, not reopened, with no repeat inquiry within 7 days. */
  firstContactResolution: number | null;
  /** Scorecards with a total below 60, of all scorecards. */
  serviceErrorRate: number | null;
  /** Survey answers of 4 or 5 stars, of all star answers. */
  csat: number | null;
  averageStars: number | null;
  /** Promoters (9-10) minus detractors (0-6), in percentage points, of all recommend answers. */
  nps: number | null;
  surveyAnswers: number;
  /** Identified sessions followed by another of the same customer and intent within 7 days. */
  repeatInquiryRate: number | null;
  /** Sessions that asked for an agent and left before one answered. */
  abandonmentRate: number | null;
  transferred: number;
  reopened: number;
}

export interface KpiInput {
  sessions: readonly ServiceSessionRecord[];
  calls: readonly CallRecord[];
  scorecards: readonly QaScorecardRecord[];
  /** Sessions that started in [from, to) count; later sessions still count as repeats of earlier ones. */
  from: number;
  to: number;
  now: number;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The intent a session was about: what the agent confirmed at wrap-up, else the last routing decision. */
export function sessionIntent(s: ServiceSessionRecord): string | null {
  return s.wrapUp?.label ?? [...s.decisions].reverse().find((d) => d.label)?.label ?? null;
}

interface SessionFacts {
  session: ServiceSessionRecord;
  calls: CallRecord[];
  agents: string[];
  skill: string;
  transferred: boolean;
  reopened: boolean;
  repeated: boolean;
  scorecards: QaScorecardRecord[];
}

function facts(input: KpiInput): SessionFacts[] {
  const callsBySession = new Map<string, CallRecord[]>();
  for (const c of input.calls) {
    if (!c.sessionId) continue;
    const list = callsBySession.get(c.sessionId) ?? [];
    list.push(c);
    callsBySession.set(c.sessionId, list);
  }
  const cardsBySession = new Map<string, QaScorecardRecord[]>();
  for (const card of input.scorecards) cardsBySession.set(card.sessionId, [...(cardsBySession.get(card.sessionId) ?? []), card]);
  // Every session of each customer and intent, in time order, to find repeats.
  const history = new Map<string, number[]>();
  for (const s of input.sessions) {
    const intent = sessionIntent(s);
    if (!s.customer || !intent) continue;
    const key = `${s.customer.id}\u0000${intent}`;
    history.set(key, [...(history.get(key) ?? []), Date.parse(s.startedAt)]);
  }
  const windowMs = REPEAT_WINDOW_DAYS * 86_400_000;
  const out: SessionFacts[] = [];
  for (const session of input.sessions) {
    const started = Date.parse(session.startedAt);
    if (started < input.from || started >= input.to) continue;
    const calls = (callsBySession.get(session.id) ?? []).sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
    const answered = calls.filter((c) => c.answeredAt && c.agentId);
    const agents = [...new Set(answered.map((c) => c.agentId!))];
    const wrappedAt = session.wrapUp ? Date.parse(session.wrapUp.at) : null;
    const intent = sessionIntent(session);
    const later = session.customer && intent ? (history.get(`${session.customer.id}\u0000${intent}`) ?? []) : [];
    out.push({
      session,
      calls,
      agents,
      skill: calls[0]?.skill ?? (session.botAnsweredAt ? 'bot' : 'none'),
      transferred: agents.length > 1,
      reopened: wrappedAt !== null && calls.some((c) => Date.parse(c.requestedAt) > wrappedAt),
      repeated: later.some((t) => t > started && t - started <= windowMs),
      scorecards: cardsBySession.get(session.id) ?? [],
    });
  }
  return out;
}

function kpisOf(list: SessionFacts[], now: number): Kpis {
  let counted = 0;
  let responded = 0;
  const handle: number[] = [];
  let outcomes = 0;
  let firstContact = 0;
  let cards = 0;
  let errors = 0;
  const stars: number[] = [];
  const recommend: number[] = [];
  let identified = 0;
  let repeats = 0;
  let queued = 0;
  let abandoned = 0;
  for (const f of list) {
    const s = f.session;
    const inTime = respondedInTime(s, now);
    if (inTime !== null) {
      counted++;
      if (inTime) responded++;
    }
    const talk = f.calls.filter((c) => c.answeredAt && c.endedAt).reduce((sum, c) => sum + (Date.parse(c.endedAt!) - Date.parse(c.answeredAt!)) / 1000, 0);
    if (f.agents.length > 0) handle.push(talk);
    if (s.wrapUp) {
      outcomes++;
      if (s.wrapUp.resolved && !f.transferred && !f.reopened && !f.repeated) firstContact++;
    }
    for (const card of f.scorecards) {
      cards++;
      if (card.total !== null && card.total < SERVICE_ERROR_BELOW) errors++;
    }
    if (s.survey?.stars != null) stars.push(s.survey.stars);
    if (s.survey?.recommend != null) recommend.push(s.survey.recommend);
    if (s.customer && sessionIntent(s)) {
      identified++;
      if (f.repeated) repeats++;
    }
    if (s.queuedAt || f.calls.length > 0) {
      queued++;
      if (s.abandonedAt || (f.calls.length > 0 && f.calls.every((c) => c.endReason === 'abandoned'))) abandoned++;
    }
  }
  const promoters = recommend.filter((r) => r >= 9).length;
  const detractors = recommend.filter((r) => r <= 6).length;
  return {
    sessions: list.length,
    responseRate30s: ratio(responded, counted),
    averageHandleSeconds: mean(handle),
    firstContactResolution: ratio(firstContact, outcomes),
    serviceErrorRate: ratio(errors, cards),
    csat: ratio(stars.filter((x) => x >= 4).length, stars.length),
    averageStars: mean(stars),
    nps: recommend.length === 0 ? null : ((promoters - detractors) / recommend.length) * 100,
    surveyAnswers: Math.max(stars.length, recommend.length),
    repeatInquiryRate: ratio(repeats, identified),
    abandonmentRate: ratio(abandoned, queued),
    transferred: list.filter((f) => f.transferred).length,
    reopened: list.filter((f) => f.reopened).length,
  };
}

function keysOf(f: SessionFacts, group: KpiGroup): string[] {
  switch (group) {
    case 'kiosk':
      return [f.session.kioskId];
    case 'skill':
      return [f.skill];
    case 'agent':
      return f.agents.length > 0 ? f.agents : ['(no agent)'];
    case 'day':
      return [f.session.startedAt.slice(0, 10)];
  }
}

export interface KpiReport {
  from: string;
  to: string;
  overall: Kpis;
  groups: { key: string; kpis: Kpis }[];
}

/** KPIs of the sessions that started in a period, overall and per kiosk, skill group, agent or day. */
export function computeKpis(input: KpiInput, group?: KpiGroup): KpiReport {
  const all = facts(input);
  const groups: { key: string; kpis: Kpis }[] = [];
  if (group) {
    const byKey = new Map<string, SessionFacts[]>();
    for (const f of all) for (const key of keysOf(f, group)) byKey.set(key, [...(byKey.get(key) ?? []), f]);
    for (const [key, list] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) groups.push({ key, kpis: kpisOf(list, input.now) });
  }
  return { from: new Date(input.from).toISOString(), to: new Date(input.to).toISOString(), overall: kpisOf(all, input.now), groups };
}
