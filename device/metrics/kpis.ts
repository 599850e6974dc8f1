import { respondedInTime } from '../routing/index.js';
import type { CallRecord, QaScorecardRecord, ServiceSessionRecord } from '../store/index.js';

/** What the KPIs read of a service session: its moments, customer, wrap-up and survey, and of its decisions only the labels. */
export type KpiSession = Pick<ServiceSessionRecord, 'id' | 'kioskId' | 'startedAt' | 'customer' | 'botAnsweredAt' | 'queuedAt' | 'firstResponseAt' | 'abandonedAt' | 'wrapUp' | 'survey'> & {
  decisions: readonly { label: string | null }[];
};

/** Same customer, same intent, within this many days: a repeat inquiry. */
export const REPEAT_WINDOW_DAYS = 7;
/** A quality scorecard below this total is a service error. */
export const SERVICE_ERROR_BELOW = 60;
export const DAY_MS = 86_400_000;
export const REPEAT_WINDOW_MS = REPEAT_WINDOW_DAYS * DAY_MS;
/**
 * A visit's calls and scorecards are recorded within this long of its start: calls during the visit, a
 * scorecard at most a day (the longest "unwrapped" delay) after its call ended.
 */
export const FOLLOW_UP_MS = 2 * DAY_MS;

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

/** The routing page's figures: of the sessions that asked something or queued for an agent. */
export interface RoutingMeasures {
  sessions: number;
  responseRate30s: number | null;
  reviewed: number;
  matchingAccuracy: number | null;
  abandoned: number;
}

/**
 * What the figures are made of: counts and sums that add up over sessions and over days, so stored
 * days and fresh records combine into any period and any group.
 */
export const KPI_COUNTERS = [
  'sessions',
  'responseCounted',
  'responded',
  'handled',
  'handleSeconds',
  'wrappedUp',
  'firstContact',
  'scorecards',
  'serviceErrors',
  'starAnswers',
  'starsTotal',
  'satisfied',
  'recommendAnswers',
  'promoters',
  'detractors',
  'identified',
  'repeats',
  'queued',
  'abandoned',
  'transferred',
  'reopened',
  'requestsCounted',
  'requestsResponded',
  'reviewed',
  'confirmed',
  'requestsAbandoned',
] as const;
export type KpiTally = Record<(typeof KPI_COUNTERS)[number], number>;

export const emptyTally = (): KpiTally => Object.fromEntries(KPI_COUNTERS.map((c) => [c, 0])) as KpiTally;

export function addTally(into: KpiTally, tally: KpiTally): void {
  for (const c of KPI_COUNTERS) into[c] += tally[c];
}

/** The tally of `key`, created empty the first time. */
export function tallyOf(tallies: Map<string, KpiTally>, key: string): KpiTally {
  let tally = tallies.get(key);
  if (!tally) tallies.set(key, (tally = emptyTally()));
  return tally;
}

/** What the KPIs read of a call. */
export type KpiCall = Pick<CallRecord, 'sessionId' | 'skill' | 'agentId' | 'requestedAt' | 'answeredAt' | 'endedAt' | 'endReason'>;
/** What the KPIs read of a quality scorecard. */
export type KpiScorecard = Pick<QaScorecardRecord, 'sessionId' | 'total'>;

/** The records the KPIs of the sessions started in a period need. */
export interface KpiRecords {
  /** The period's sessions, and those of the repeat window after it. */
  sessions: readonly KpiSession[];
  /** Calls requested from the start of the period to `FOLLOW_UP_MS` after its end. */
  calls: readonly KpiCall[];
  /** Scorecards made from the start of the period to `FOLLOW_UP_MS` after its end. */
  scorecards: readonly KpiScorecard[];
}

/** The intent a session was about: what the agent confirmed at wrap-up, else the last routing decision. */
export function sessionIntent(s: KpiSession): string | null {
  if (s.wrapUp) return s.wrapUp.label;
  for (let i = s.decisions.length - 1; i >= 0; i--) if (s.decisions[i]!.label) return s.decisions[i]!.label;
  return null;
}

export interface SessionFacts {
  session: KpiSession;
  calls: KpiCall[];
  agents: string[];
  skill: string;
  transferred: boolean;
  reopened: boolean;
  /** The customer is known and so is the intent: the session can be (and have) a repeat. */
  identified: boolean;
  /** `respondedInTime` as of the time the facts were gathered. */
  inTime: boolean | null;
  /** Seconds agents spent in its calls. */
  handleSeconds: number;
  repeated: boolean;
  scorecards: KpiScorecard[];
}

function bySession<T extends { sessionId: string | null }>(records: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of records) {
    if (!r.sessionId) continue;
    const list = out.get(r.sessionId);
    if (list) list.push(r);
    else out.set(r.sessionId, [r]);
  }
  return out;
}

/** The first index of `sorted` whose value is greater than `x`. */
function firstAfter(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const byRequest = (a: KpiCall, b: KpiCall): number => (a.requestedAt < b.requestedAt ? -1 : a.requestedAt > b.requestedAt ? 1 : 0);

/** What happened, as of `now`, in each session that started in [from, to): its calls, agents, repeats and scorecards. */
export function sessionFacts(records: KpiRecords, from: number, to: number, now: number): SessionFacts[] {
  const callsOf = bySession(records.calls);
  const cardsOf = bySession(records.scorecards);
  const starts = records.sessions.map((s) => Date.parse(s.startedAt));
  const keys = records.sessions.map((s) => {
    const intent = sessionIntent(s);
    return s.customer && intent ? `${s.customer.id}\u0000${intent}` : null;
  });
  // When each customer came back about each intent, in time order, to find repeats.
  const visits = new Map<string, number[]>();
  keys.forEach((key, i) => {
    if (!key) return;
    const list = visits.get(key);
    if (list) list.push(starts[i]!);
    else visits.set(key, [starts[i]!]);
  });
  for (const list of visits.values()) list.sort((a, b) => a - b);
  const out: SessionFacts[] = [];
  records.sessions.forEach((session, i) => {
    const started = starts[i]!;
    if (started < from || started >= to) return;
    const calls = callsOf.get(session.id) ?? [];
    if (calls.length > 1) calls.sort(byRequest);
    const agents: string[] = [];
    let handleSeconds = 0;
    for (const c of calls) {
      if (c.answeredAt && c.agentId && !agents.includes(c.agentId)) agents.push(c.agentId);
      if (c.answeredAt && c.endedAt) handleSeconds += (Date.parse(c.endedAt) - Date.parse(c.answeredAt)) / 1000;
    }
    const wrappedAt = session.wrapUp ? Date.parse(session.wrapUp.at) : null;
    const key = keys[i];
    const later = key ? visits.get(key)! : [];
    const next = later[firstAfter(later, started)];
    out.push({
      session,
      calls,
      agents,
      skill: calls[0]?.skill ?? (session.botAnsweredAt ? 'bot' : 'none'),
      transferred: agents.length > 1,
      reopened: wrappedAt !== null && calls.some((c) => Date.parse(c.requestedAt) > wrappedAt),
      identified: key !== null,
      inTime: respondedInTime(session, now),
      handleSeconds,
      repeated: next !== undefined && next - started <= REPEAT_WINDOW_MS,
      scorecards: cardsOf.get(session.id) ?? [],
    });
  });
  return out;
}

/**
 * Adds a session to the routing measures' counters (only one that asked something or queued counts);
 * `inTime` is `respondedInTime` of it.
 */
export function tallyRequest(t: KpiTally, s: KpiSession, inTime: boolean | null): void {
  if (s.decisions.length === 0 && !s.queuedAt) return;
  if (inTime !== null) {
    t.requestsCounted++;
    if (inTime) t.requestsResponded++;
  }
  if (s.wrapUp) {
    t.reviewed++;
    if (s.wrapUp.confirmed) t.confirmed++;
  }
  if (s.abandonedAt) t.requestsAbandoned++;
}

/** Adds a session to every counter. */
function tallySession(t: KpiTally, f: SessionFacts): void {
  const s = f.session;
  t.sessions++;
  if (f.inTime !== null) {
    t.responseCounted++;
    if (f.inTime) t.responded++;
  }
  if (f.agents.length > 0) {
    t.handled++;
    t.handleSeconds += f.handleSeconds;
  }
  if (s.wrapUp) {
    t.wrappedUp++;
    if (s.wrapUp.resolved && !f.transferred && !f.reopened && !f.repeated) t.firstContact++;
  }
  for (const card of f.scorecards) {
    t.scorecards++;
    if (card.total !== null && card.total < SERVICE_ERROR_BELOW) t.serviceErrors++;
  }
  const stars = s.survey?.stars;
  if (stars != null) {
    t.starAnswers++;
    t.starsTotal += stars;
    if (stars >= 4) t.satisfied++;
  }
  const recommend = s.survey?.recommend;
  if (recommend != null) {
    t.recommendAnswers++;
    if (recommend >= 9) t.promoters++;
    if (recommend <= 6) t.detractors++;
  }
  if (f.identified) {
    t.identified++;
    if (f.repeated) t.repeats++;
  }
  if (s.queuedAt || f.calls.length > 0) {
    t.queued++;
    if (s.abandonedAt || (f.calls.length > 0 && f.calls.every((c) => c.endReason === 'abandoned'))) t.abandoned++;
  }
  if (f.transferred) t.transferred++;
  if (f.reopened) t.reopened++;
  tallyRequest(t, s, f.inTime);
}

/** The keys a session counts under in a group: an agent group counts a transferred session for each agent. */
function groupKeys(f: SessionFacts, group: KpiGroup): string[] {
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

export interface Tallies<G extends KpiGroup> {
  overall: KpiTally;
  groups: Map<G, Map<string, KpiTally>>;
}

/** Tallies sessions overall and under their keys in each of `groups`, in one pass. */
export function tallyFacts<G extends KpiGroup>(facts: readonly SessionFacts[], groups: readonly G[]): Tallies<G> {
  const out: Tallies<G> = { overall: emptyTally(), groups: new Map(groups.map((g) => [g, new Map<string, KpiTally>()])) };
  for (const f of facts) {
    tallySession(out.overall, f);
    for (const [group, tallies] of out.groups) for (const key of groupKeys(f, group)) tallySession(tallyOf(tallies, key), f);
  }
  return out;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

export function kpisOf(t: KpiTally): Kpis {
  return {
    sessions: t.sessions,
    responseRate30s: ratio(t.responded, t.responseCounted),
    averageHandleSeconds: ratio(t.handleSeconds, t.handled),
    firstContactResolution: ratio(t.firstContact, t.wrappedUp),
    serviceErrorRate: ratio(t.serviceErrors, t.scorecards),
    csat: ratio(t.satisfied, t.starAnswers),
    averageStars: ratio(t.starsTotal, t.starAnswers),
    nps: t.recommendAnswers === 0 ? null : ((t.promoters - t.detractors) / t.recommendAnswers) * 100,
    surveyAnswers: Math.max(t.starAnswers, t.recommendAnswers),
    repeatInquiryRate: ratio(t.repeats, t.identified),
    abandonmentRate: ratio(t.abandoned, t.queued),
    transferred: t.transferred,
    reopened: t.reopened,
  };
}

export function measuresOf(t: KpiTally): RoutingMeasures {
  return {
    sessions: t.requestsCounted,
    responseRate30s: ratio(t.requestsResponded, t.requestsCounted),
    reviewed: t.reviewed,
    matchingAccuracy: ratio(t.confirmed, t.reviewed),
    abandoned: t.requestsAbandoned,
  };
}
