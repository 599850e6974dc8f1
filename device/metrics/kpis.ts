import { REPEAT_WINDOW_DAYS, RESPONSE_TARGET_SECONDS, emptyTally, tallyOf, tallySession, type KpiTally, type SessionKpiFacts } from '../../protocol/index.js';
import type { CallRecord, QaScorecardRecord, ServiceSessionRecord } from '../store/index.js';

/** What the KPIs read of a service session: its moments, customer, wrap-up and survey, and of its decisions only the labels. */
export type KpiSession = Pick<ServiceSessionRecord, 'id' | 'kioskId' | 'startedAt' | 'customer' | 'botAnsweredAt' | 'queuedAt' | 'firstResponseAt' | 'abandonedAt' | 'wrapUp' | 'survey'> & {
  decisions: readonly { label: string | null }[];
};

export const DAY_MS = 86_400_000;
export const REPEAT_WINDOW_MS = REPEAT_WINDOW_DAYS * DAY_MS;
/**
 * A visit's calls and scorecards are recorded within this long of its start: calls during the visit, a
 * scorecard at most a day (the longest "unwrapped" delay) after its call ended.
 */
export const FOLLOW_UP_MS = 2 * DAY_MS;
/** A session's facts may still change this long after its start: a later visit makes it a repeat, a scorecard comes in. */
export const FACTS_OPEN_MS = REPEAT_WINDOW_MS + FOLLOW_UP_MS;

export const KPI_GROUPS = ['kiosk', 'skill', 'agent', 'day'] as const;
export type KpiGroup = (typeof KPI_GROUPS)[number];

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
  /** The response target had passed when the facts were gathered. */
  responseDue: boolean;
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
      // A clock set back during a call must not take time off the others.
      if (c.answeredAt && c.endedAt) handleSeconds += Math.max(0, (Date.parse(c.endedAt) - Date.parse(c.answeredAt)) / 1000);
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
      responseDue: now - started > RESPONSE_TARGET_SECONDS * 1000,
      handleSeconds,
      repeated: next !== undefined && next - started <= REPEAT_WINDOW_MS,
      scorecards: cardsOf.get(session.id) ?? [],
    });
  });
  return out;
}

/** The facts the shared KPI definitions count, of a gathered session. */
export function kpiFactsOf(f: SessionFacts): SessionKpiFacts {
  const s = f.session;
  const started = Date.parse(s.startedAt);
  return {
    sessionId: s.id,
    kioskId: s.kioskId,
    startedAt: s.startedAt,
    skill: f.skill,
    agents: f.agents,
    // Nor one set back after the start a negative wait.
    firstResponseSeconds: s.firstResponseAt ? Math.max(0, (Date.parse(s.firstResponseAt) - started) / 1000) : null,
    responseDue: f.responseDue,
    asked: s.decisions.length > 0 || !!s.queuedAt,
    queued: !!s.queuedAt || f.calls.length > 0,
    abandoned: !!s.abandonedAt || (f.calls.length > 0 && f.calls.every((c) => c.endReason === 'abandoned')),
    handleSeconds: f.handleSeconds,
    wrapUp: s.wrapUp ? { resolved: s.wrapUp.resolved, confirmed: s.wrapUp.confirmed } : null,
    transferred: f.transferred,
    reopened: f.reopened,
    identified: f.identified,
    repeated: f.repeated,
    scorecardTotals: f.scorecards.map((c) => c.total),
    stars: s.survey?.stars ?? null,
    recommend: s.survey?.recommend ?? null,
  };
}

/** The keys a session counts under in a group: an agent group counts a transferred session for each agent. */
function groupKeys(f: SessionKpiFacts, group: KpiGroup): string[] {
  switch (group) {
    case 'kiosk':
      return [f.kioskId];
    case 'skill':
      return [f.skill];
    case 'agent':
      return f.agents.length > 0 ? f.agents : ['(no agent)'];
    case 'day':
      return [f.startedAt.slice(0, 10)];
  }
}

export interface Tallies<G extends KpiGroup> {
  overall: KpiTally;
  groups: Map<G, Map<string, KpiTally>>;
}

/** Tallies sessions overall and under their keys in each of `groups`, in one pass. */
export function tallyFacts<G extends KpiGroup>(facts: readonly SessionFacts[], groups: readonly G[]): Tallies<G> {
  const out: Tallies<G> = { overall: emptyTally(), groups: new Map(groups.map((g) => [g, new Map<string, KpiTally>()])) };
  for (const gathered of facts) {
    const f = kpiFactsOf(gathered);
    tallySession(out.overall, f);
    for (const [group, tallies] of out.groups) for (const key of groupKeys(f, group)) tallySession(tallyOf(tallies, key), f);
  }
  return out;
}
