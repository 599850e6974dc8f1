import { randomUUID } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { IntentArtifact } from '../../models/intent/src/artifact.js';
import type { EventBus } from '../bus.js';
import { LANGUAGES, type Language, type ServiceSessionRecord, type StoredDecision, type Store } from '../store/index.js';
import type { Customers, CustomerView, IdentifyMethod } from './customers.js';
import type { EscalationLexicon } from './escalation.js';
import { decide, type PolicyOptions, type QueueRoute } from './policy.js';
import { PRIORITY } from './queue-engine.js';

export const askSchema = z.strictObject({ text: z.string().trim().min(1, 'type a question').max(500) });
export const chooseSchema = z.strictObject({ label: z.string().min(1).max(100) });
export const startSessionSchema = z.strictObject({ lang: z.enum(LANGUAGES) });
export const surveySchema = z
  .strictObject({ stars: z.number().int().min(1).max(5).optional(), recommend: z.number().int().min(0).max(10).optional() })
  .refine((v) => v.stars !== undefined || v.recommend !== undefined, 'answer stars (1-5), recommend (0-10) or both');
export const wrapUpSchema = z.strictObject({ label: z.string().min(1).max(100), resolved: z.boolean() });

/** A wrong request from a client (unknown session, wrong state); its message is shown to the client. */
export class RoutingError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 403 | 404 | 409 | 429 = 400,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Unknown card or phone numbers a kiosk may try in a window before look-ups pause: no guessing numbers. */
const LOOKUP_FAILURES_PER_KIOSK = 10;
const LOOKUP_WINDOW_SECONDS = 600;

export interface LabelOption {
  label: string;
  name: string;
}

/** The bot's answer to a question: the best solution the knowledge base has for its intent. */
export interface BotAnswer {
  /** Identifies this showing of the answer, for the customer's "did this help?". */
  exposureId: string | null;
  title: string;
  body: string;
}

export type AnswerSource = (question: { intent: string; text: string; lang: Language; sessionId: string; customerId: string | null }) => Promise<BotAnswer | null>;

export interface AskResult {
  sessionId: string;
  decision: StoredDecision;
  /** The label's name in the customer's language. */
  labelName: string | null;
  /** The bot's answer (bot tier only); null when the knowledge base has none. */
  answer: BotAnswer | null;
  /** The choices of a clarifying question. */
  options: LabelOption[];
}

export interface RoutingMeasures {
  sessions: number;
  /** Share of sessions whose customer got a bot answer or an agent within 30 s of starting. */
  responseRate30s: number | null;
  /** Sessions whose routed label an agent confirmed or corrected at wrap-up. */
  reviewed: number;
  /** Share of reviewed sessions whose routed label the agent confirmed. */
  matchingAccuracy: number | null;
  abandoned: number;
}

export const RESPONSE_TARGET_MS = 30_000;

/**
 * Service sessions and their routing: classifies each question, applies the routing policy, answers
 * bot-tier questions, keeps every decision with its reasons, and follows the session through queue,
 * call and wrap-up from the bus.
 */
export class Router {
  private readonly failedLookups = new RateLimiterMemory({ points: LOOKUP_FAILURES_PER_KIOSK, duration: LOOKUP_WINDOW_SECONDS });

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private model: IntentArtifact,
    private readonly lexicon: EscalationLexicon,
    private readonly customers: Customers,
    private readonly policy: PolicyOptions,
    private readonly answers: AnswerSource,
  ) {
    // The bus reports a patch that fails to be written (it logs it); the session keeps its other facts.
    bus.on('call.requested', ({ sessionId, at }) => this.patch(sessionId, (s) => void (s.queuedAt ??= at)));
    bus.on('call.answered', ({ sessionId, at }) =>
      this.patch(sessionId, (s) => {
        s.agentAnsweredAt ??= at;
        s.firstResponseAt ??= at;
      }),
    );
    bus.on('sense.alert', ({ alert }) => this.patch(alert.sessionId, (s) => void (s.escalatedAt ??= alert.at)));
    bus.on('call.ended', ({ sessionId, reason, at }) => (reason === 'abandoned' ? this.patch(sessionId, (s) => void (s.abandonedAt ??= at)) : undefined));
  }

  private async patch(sessionId: string | null, change: (session: ServiceSessionRecord) => void): Promise<void> {
    if (!sessionId) return;
    await this.store.update((d) => {
      const session = d.serviceSessions.find((s) => s.id === sessionId);
      if (session) change(session);
    });
  }

  /** The customer's end-of-visit answers; given once per session. */
  async survey(kioskId: string, sessionId: string, answers: z.infer<typeof surveySchema>): Promise<NonNullable<ServiceSessionRecord['survey']>> {
    this.requireSession(kioskId, sessionId);
    return this.store.update((d) => {
      const session = d.serviceSessions.find((s) => s.id === sessionId)!;
      if (session.survey) throw new RoutingError('this visit has already been rated', 409);
      session.survey = { stars: answers.stars ?? null, recommend: answers.recommend ?? null, at: new Date().toISOString() };
      return session.survey;
    });
  }

  /** The kiosk's own session; any other kiosk's, or none, is "not found". */
  requireSession(kioskId: string, sessionId: string): ServiceSessionRecord {
    const session = this.sessionById(sessionId);
    if (!session || session.kioskId !== kioskId) throw new RoutingError('no such session at this kiosk', 404);
    return session;
  }

  sessionById(sessionId: string): ServiceSessionRecord | null {
    return this.store.read((d) => d.serviceSessions.find((s) => s.id === sessionId) ?? null);
  }

  /** Puts a new intent model in service; questions already being answered finish with the old one. */
  useModel(model: IntentArtifact): void {
    this.model = model;
  }

  /** The intent label the model in service gives a text, or null when it is out of scope. */
  classify(text: string): string | null {
    const prediction = this.model.classifier.predict(text, 1);
    return prediction.outOfScope ? null : (prediction.ranked[0]?.label ?? null);
  }

  labelName(label: string, lang: Language): string {
    return this.model.labels.get(label)?.names[lang] ?? label;
  }

  async start(kioskId: string, lang: Language): Promise<ServiceSessionRecord> {
    const session = newServiceSession({ id: randomUUID(), kioskId, lang, startedAt: new Date().toISOString() });
    await this.store.update((d) => void d.serviceSessions.push(session));
    return session;
  }

  async ask(kioskId: string, sessionId: string, text: string): Promise<AskResult> {
    const session = this.requireSession(kioskId, sessionId);
    return this.route(session, text, undefined);
  }

  /** The customer picked one of the options of a clarifying question. */
  async choose(kioskId: string, sessionId: string, label: string): Promise<AskResult> {
    const session = this.requireSession(kioskId, sessionId);
    const last = session.decisions.at(-1);
    if (last?.kind !== 'clarify') throw new RoutingError('there is no question to choose an answer for', 409);
    if (!last.candidates.some((c) => c.label === label)) throw new RoutingError('that is not one of the options offered');
    return this.route(session, last.text, label);
  }

  private async route(session: ServiceSessionRecord, text: string, chosenLabel: string | undefined): Promise<AskResult> {
    const prediction = this.model.classifier.predict(text, 3);
    const decision = decide(
      { prediction, labels: this.model.labels, customerTier: session.customer?.tier ?? null, escalation: this.lexicon.scan(text), ...(chosenLabel ? { chosenLabel } : {}) },
      this.policy,
    );
    const stored: StoredDecision = { at: new Date().toISOString(), text, ...decision };
    const answer =
      decision.kind === 'bot' && decision.label
        ? await this.answers({ intent: decision.label, text, lang: session.lang, sessionId: session.id, customerId: session.customer?.id ?? null })
        : null;
    await this.patch(session.id, (s) => {
      s.decisions.push(stored);
      if (answer) {
        s.botAnsweredAt ??= stored.at;
        s.firstResponseAt ??= stored.at;
      }
    });
    this.bus.emit('routing.decided', {
      sessionId: session.id,
      kioskId: session.kioskId,
      customerId: session.customer?.id ?? null,
      text,
      lang: session.lang,
      kind: decision.kind,
      label: decision.label,
      confidence: decision.confidence,
      rules: decision.rules,
      answered: answer !== null,
      at: stored.at,
    });
    return {
      sessionId: session.id,
      decision: stored,
      labelName: decision.label ? this.labelName(decision.label, session.lang) : null,
      answer,
      options: decision.kind === 'clarify' ? decision.candidates.map((c) => ({ label: c.label, name: this.labelName(c.label, session.lang) })) : [],
    };
  }

  async identify(kioskId: string, sessionId: string, method: IdentifyMethod, value: string): Promise<CustomerView | null> {
    this.requireSession(kioskId, sessionId);
    const failures = await this.failedLookups.get(kioskId);
    if (failures && failures.remainingPoints <= 0) {
      throw new RoutingError('too many unknown numbers from this kiosk; try again later', 429, Math.ceil(failures.msBeforeNext / 1000));
    }
    const customer = this.customers.lookup(method, value);
    if (!customer) await this.failedLookups.penalty(kioskId, 1);
    if (customer) await this.patch(sessionId, (s) => void (s.customer = { id: customer.id, tier: customer.tier }));
    return customer;
  }

  /** Where this kiosk's request for an agent goes: the session's last routing, the VIP line for a VIP. */
  queueRoute(kioskId: string, sessionId: string | null): QueueRoute {
    const fallback: QueueRoute = { skill: this.policy.fallbackSkill, vipLine: false, priority: PRIORITY.normal };
    if (!sessionId) return fallback;
    const session = this.requireSession(kioskId, sessionId);
    const route = session.decisions.at(-1)?.route ?? fallback;
    const vip = session.customer?.tier === 'vip';
    return vip ? { ...route, vipLine: true, priority: PRIORITY.vip } : { ...route, priority: route.priority as QueueRoute['priority'] };
  }

  /** The last routed label of a session, shown to the agent who takes its call. */
  routedLabel(sessionId: string): { label: string; confidence: number | null; explanation: string } | null {
    const last = this.store.read((d) => d.serviceSessions.find((s) => s.id === sessionId)?.decisions.filter((x) => x.label).at(-1));
    return last?.label ? { label: last.label, confidence: last.confidence, explanation: last.explanation } : null;
  }

  /** The agent confirms or corrects the routed intent after the call and says whether it was resolved. */
  async wrapUp(sessionId: string, agentId: string, label: string, resolved: boolean): Promise<ServiceSessionRecord> {
    if (!this.model.labels.has(label)) throw new RoutingError('unknown intent label');
    const session = this.store.read((d) => d.serviceSessions.find((s) => s.id === sessionId));
    if (!session) throw new RoutingError('no such session', 404);
    const routedLabel = this.routedLabel(sessionId)?.label ?? null;
    const wrapUp = { routedLabel, label, confirmed: routedLabel === label, resolved, by: agentId, at: new Date().toISOString() };
    await this.patch(sessionId, (s) => void (s.wrapUp = wrapUp));
    const question = session.decisions.filter((d) => d.label).at(-1)?.text ?? session.decisions.at(-1)?.text ?? '';
    this.bus.emit('routing.wrapped-up', { sessionId, agentId, label, confirmed: wrapUp.confirmed, resolved, question, lang: session.lang, at: wrapUp.at });
    return { ...session, wrapUp };
  }

  labels(lang: Language): LabelOption[] {
    return [...this.model.labels.values()].map((l) => ({ label: l.id, name: l.names[lang] })).sort((a, b) => a.label.localeCompare(b.label));
  }

  sessions(limit: number): ServiceSessionRecord[] {
    return this.store.read((d) => d.serviceSessions.slice(-limit).reverse());
  }

  measures(now = Date.now()): RoutingMeasures {
    return this.store.read((d) => computeMeasures(d.serviceSessions, now));
  }
}

/** Sessions younger than 30 s that have no answer yet are still open for the response rate, so they do not count. */
/** A visit that has only just started: nothing asked, answered or rated yet. */
export function newServiceSession(start: Pick<ServiceSessionRecord, 'id' | 'kioskId' | 'lang' | 'startedAt'>): ServiceSessionRecord {
  return {
    ...start,
    customer: null,
    decisions: [],
    botAnsweredAt: null,
    callId: null,
    queuedAt: null,
    agentAnsweredAt: null,
    firstResponseAt: null,
    abandonedAt: null,
    escalatedAt: null,
    wrapUp: null,
    survey: null,
  };
}

/**
 * Whether the customer had a first answer (the bot's or an agent's) within 30 s of starting the session;
 * null while that is still open.
 */
export function respondedInTime(s: ServiceSessionRecord, now: number): boolean | null {
  const started = Date.parse(s.startedAt);
  const first = s.firstResponseAt ? Date.parse(s.firstResponseAt) : null;
  if (first !== null && first - started <= RESPONSE_TARGET_MS) return true;
  return now - started > RESPONSE_TARGET_MS ? false : null;
}

export function computeMeasures(sessions: readonly ServiceSessionRecord[], now: number): RoutingMeasures {
  let counted = 0;
  let responded = 0;
  let reviewed = 0;
  let confirmed = 0;
  let abandoned = 0;
  for (const s of sessions) {
    if (s.decisions.length === 0 && !s.queuedAt) continue;
    const inTime = respondedInTime(s, now);
    if (inTime !== null) {
      counted++;
      if (inTime) responded++;
    }
    if (s.wrapUp) {
      reviewed++;
      if (s.wrapUp.confirmed) confirmed++;
    }
    if (s.abandonedAt) abandoned++;
  }
  return {
    sessions: counted,
    responseRate30s: counted ? responded / counted : null,
    reviewed,
    matchingAccuracy: reviewed ? confirmed / reviewed : null,
    abandoned,
  };
}
