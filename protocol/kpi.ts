import { z } from 'zod';

/**
 * The one set of KPI definitions. A branch's dashboard and the fleet page compute every figure here, from
 * the same per-session facts: the device gathers a session's facts from its journals and tallies them;
 * it also sends them to the hub (the `facts` event of the `session` stream), which tallies the same
 * facts with the same function. A figure with one name therefore has one meaning everywhere.
 */

/** A session is answered in time when its first answer (bot or agent) comes within this long of its start. */
export const RESPONSE_TARGET_SECONDS = 30;
/** A quality scorecard below this total is a service error. */
export const SERVICE_ERROR_BELOW = 60;
/** Same customer, same intent, within this many days: a repeat inquiry. */
export const REPEAT_WINDOW_DAYS = 7;

const id = z.string().min(1).max(100);

/** What the KPIs need to know of one service session, as of the moment the facts were gathered. */
export const sessionKpiFactsSchema = z.strictObject({
  sessionId: id,
  kioskId: id,
  startedAt: z.iso.datetime(),
  /** The skill of its first call, else `bot` when the bot answered, else `none`. */
  skill: z.string().min(1).max(40),
  /** The agents who answered its calls, in order. */
  agents: z.array(id).max(50),
  /** Seconds from the start to the first answer, bot or agent; null while none came. */
  firstResponseSeconds: z.number().min(0).nullable(),
  /** The response target has passed: a session still unanswered counts as late. */
  responseDue: z.boolean(),
  /** It asked the router something or queued for an agent: the routing page counts it. */
  asked: z.boolean(),
  /** It asked for an agent. */
  queued: z.boolean(),
  /** It asked for an agent and left before one answered. */
  abandoned: z.boolean(),
  /** Seconds agents spent in its calls. */
  handleSeconds: z.number().min(0),
  wrapUp: z.strictObject({ resolved: z.boolean(), confirmed: z.boolean() }).nullable(),
  transferred: z.boolean(),
  reopened: z.boolean(),
  /** The customer and the intent are known: the session can be (and have) a repeat. */
  identified: z.boolean(),
  repeated: z.boolean(),
  scorecardTotals: z.array(z.number().min(0).max(100).nullable()).max(50),
  stars: z.number().int().min(1).max(5).nullable(),
  recommend: z.number().int().min(0).max(10).nullable(),
});
export type SessionKpiFacts = z.infer<typeof sessionKpiFactsSchema>;

/** true: answered in time; false: answered late or not at all once the target passed; null: too early to say. */
export function respondedInTime(f: Pick<SessionKpiFacts, 'firstResponseSeconds' | 'responseDue'>): boolean | null {
  if (f.firstResponseSeconds !== null && f.firstResponseSeconds <= RESPONSE_TARGET_SECONDS) return true;
  return f.responseDue ? false : null;
}

/**
 * What the figures are made of: counts and sums that add up over sessions, devices and days, so any
 * period and any group is the sum of its parts.
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
export type KpiCounter = (typeof KPI_COUNTERS)[number];
export type KpiTally = Record<KpiCounter, number>;

export const emptyTally = (): KpiTally => Object.fromEntries(KPI_COUNTERS.map((c) => [c, 0])) as KpiTally;

export function addTally(into: KpiTally, tally: Partial<KpiTally>): void {
  for (const c of KPI_COUNTERS) into[c] += tally[c] ?? 0;
}

/** The tally of `key`, created empty the first time. */
export function tallyOf(tallies: Map<string, KpiTally>, key: string): KpiTally {
  let tally = tallies.get(key);
  if (!tally) tallies.set(key, (tally = emptyTally()));
  return tally;
}

/** The routing page's counters: of the sessions that asked something or queued. */
export function tallyRequest(t: KpiTally, f: Pick<SessionKpiFacts, 'asked' | 'wrapUp' | 'abandoned' | 'firstResponseSeconds' | 'responseDue'>): void {
  if (!f.asked) return;
  const inTime = respondedInTime(f);
  if (inTime !== null) {
    t.requestsCounted++;
    if (inTime) t.requestsResponded++;
  }
  if (f.wrapUp) {
    t.reviewed++;
    if (f.wrapUp.confirmed) t.confirmed++;
  }
  if (f.abandoned) t.requestsAbandoned++;
}

/** Adds one session to every counter. */
export function tallySession(t: KpiTally, f: SessionKpiFacts): void {
  t.sessions++;
  const inTime = respondedInTime(f);
  if (inTime !== null) {
    t.responseCounted++;
    if (inTime) t.responded++;
  }
  if (f.agents.length > 0) {
    t.handled++;
    t.handleSeconds += f.handleSeconds;
  }
  if (f.wrapUp) {
    t.wrappedUp++;
    if (f.wrapUp.resolved && !f.transferred && !f.reopened && !f.repeated) t.firstContact++;
  }
  for (const total of f.scorecardTotals) {
    t.scorecards++;
    if (total !== null && total < SERVICE_ERROR_BELOW) t.serviceErrors++;
  }
  if (f.stars !== null) {
    t.starAnswers++;
    t.starsTotal += f.stars;
    if (f.stars >= 4) t.satisfied++;
  }
  if (f.recommend !== null) {
    t.recommendAnswers++;
    if (f.recommend >= 9) t.promoters++;
    if (f.recommend <= 6) t.detractors++;
  }
  if (f.identified) {
    t.identified++;
    if (f.repeated) t.repeats++;
  }
  if (f.queued) {
    t.queued++;
    if (f.abandoned) t.abandoned++;
  }
  if (f.transferred) t.transferred++;
  if (f.reopened) t.reopened++;
  tallyRequest(t, f);
}

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
 * Rounded to 9 decimals: sums of fractions differ in their last binary digit with the order of adding
 * (a device adds session by session, a database in its own order), and one figure must read the same on
 * both; no figure is shown to more than 3 decimals.
 */
export const roundFigure = (x: number): number => Math.round(x * 1e9) / 1e9;
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : roundFigure(part / whole));

export function kpisOf(t: KpiTally): Kpis {
  return {
    sessions: t.sessions,
    responseRate30s: ratio(t.responded, t.responseCounted),
    averageHandleSeconds: ratio(t.handleSeconds, t.handled),
    firstContactResolution: ratio(t.firstContact, t.wrappedUp),
    serviceErrorRate: ratio(t.serviceErrors, t.scorecards),
    csat: ratio(t.satisfied, t.starAnswers),
    averageStars: ratio(t.starsTotal, t.starAnswers),
    nps: t.recommendAnswers === 0 ? null : roundFigure(((t.promoters - t.detractors) / t.recommendAnswers) * 100),
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
