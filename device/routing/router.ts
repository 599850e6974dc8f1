import { z } from 'zod';
import type { IntentArtifact } from '../../models/intent/src/artifact.js';
import type { FactJournal } from '../bus.js';
import type { Language, ServiceSessionRecord, StoredDecision } from '../store/index.js';
import type { Customers, CustomerView, IdentifyMethod } from './customers.js';
import { RoutingError } from './errors.js';
import type { EscalationLexicon } from './escalation.js';
import { CustomerIdentification } from './identification.js';
import { IntentRouting, type LabelOption } from './intent-routing.js';
import type { PolicyOptions, QueueRoute } from './policy.js';
import type { IntentExampleRepository } from './intent-examples.js';
import { routedLabelOf, ServiceSessions, type RoutedLabel, type surveySchema } from './service-sessions.js';
import type { SessionOutline, SessionRepository, SessionSurvey } from './session-repository.js';

export { askSchema, chooseSchema } from '../../protocol/api/index.js';

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

/**
 * A customer's visit as the kiosk and the staff see it: each question is routed (intent routing), a
 * bot-tier one answered from the knowledge base, and the decision kept with its session (service
 * sessions); the customer may be identified (customer identification). What the rest of the appliance
 * reads of sessions is here too.
 */
export class Router {
  private readonly sessions: ServiceSessions;
  private readonly intents: IntentRouting;
  private readonly identification: CustomerIdentification;

  constructor(
    journal: FactJournal,
    model: IntentArtifact,
    lexicon: EscalationLexicon,
    customers: Customers,
    policy: PolicyOptions,
    private readonly answers: AnswerSource,
  ) {
    this.sessions = new ServiceSessions(journal);
    this.intents = new IntentRouting(model, lexicon, policy);
    this.identification = new CustomerIdentification(customers);
  }

  /** The sessions' table, for the import of a v7 store and for retention. */
  get repository(): SessionRepository {
    return this.sessions.repository;
  }

  start(kioskId: string, lang: Language): Promise<ServiceSessionRecord> {
    return this.sessions.start(kioskId, lang);
  }

  async ask(kioskId: string, sessionId: string, text: string): Promise<AskResult> {
    return this.route(this.sessions.requireSession(kioskId, sessionId), text, undefined);
  }

  /** The customer picked one of the options of a clarifying question. */
  async choose(kioskId: string, sessionId: string, label: string): Promise<AskResult> {
    const session = this.sessions.requireSession(kioskId, sessionId);
    const last = session.decisions.at(-1);
    if (last?.kind !== 'clarify') throw new RoutingError('there is no question to choose an answer for', 409);
    if (!last.candidates.some((c) => c.label === label)) throw new RoutingError('that is not one of the options offered');
    return this.route(session, last.text, label);
  }

  private async route(session: ServiceSessionRecord, text: string, chosenLabel: string | undefined): Promise<AskResult> {
    const decision = this.intents.decide(text, session.customer?.tier ?? null, chosenLabel);
    const stored: StoredDecision = { at: new Date().toISOString(), text, ...decision };
    const answer =
      decision.kind === 'bot' && decision.label
        ? await this.answers({ intent: decision.label, text, lang: session.lang, sessionId: session.id, customerId: session.customer?.id ?? null })
        : null;
    await this.sessions.decided(session, stored, answer !== null);
    return {
      sessionId: session.id,
      decision: stored,
      labelName: decision.label ? this.intents.labelName(decision.label, session.lang) : null,
      answer,
      options: decision.kind === 'clarify' ? decision.candidates.map((c) => ({ label: c.label, name: this.intents.labelName(c.label, session.lang) })) : [],
    };
  }

  async identify(kioskId: string, sessionId: string, method: IdentifyMethod, value: string): Promise<CustomerView | null> {
    this.sessions.requireSession(kioskId, sessionId);
    const customer = await this.identification.identify(kioskId, method, value);
    if (customer) await this.sessions.identified(sessionId, { id: customer.id, tier: customer.tier });
    return customer;
  }

  /** The customer's end-of-visit answers; given once per session. */
  survey(kioskId: string, sessionId: string, answers: z.infer<typeof surveySchema>): Promise<SessionSurvey> {
    return this.sessions.survey(kioskId, sessionId, answers);
  }

  /** The agent confirms or corrects the routed intent after the call and says whether it was resolved. */
  async wrapUp(sessionId: string, agentId: string, label: string, resolved: boolean): Promise<ServiceSessionRecord> {
    if (!this.intents.knows(label)) throw new RoutingError('unknown intent label');
    return this.sessions.wrapUp(sessionId, agentId, label, resolved);
  }

  /** Where this kiosk's request for an agent goes: the session's last routing, the VIP line for a VIP. */
  queueRoute(kioskId: string, sessionId: string | null): QueueRoute {
    return this.intents.queueRoute(sessionId ? this.sessions.requireSession(kioskId, sessionId) : null);
  }

  /** The kiosk's own session; any other kiosk's, or none, is "not found". */
  requireSession(kioskId: string, sessionId: string): ServiceSessionRecord {
    return this.sessions.requireSession(kioskId, sessionId);
  }

  /** The last routed label of a session, shown to the agent who takes its call. */
  routedLabel(sessionId: string): RoutedLabel | null {
    const session = this.sessionById(sessionId);
    return session ? routedLabelOf(session) : null;
  }

  sessionById(sessionId: string): ServiceSessionRecord | null {
    return this.repository.sessionById(sessionId);
  }

  /** Sessions started in [fromIso, toIso), oldest first. */
  sessionsBetween(fromIso: string, toIso: string): ServiceSessionRecord[] {
    return this.repository.sessionsBetween(fromIso, toIso);
  }

  sessionOutlinesBetween(fromIso: string, toIso: string): SessionOutline[] {
    return this.repository.sessionOutlinesBetween(fromIso, toIso);
  }

  identifiedOutlinesBetween(fromIso: string, toIso: string): SessionOutline[] {
    return this.repository.identifiedOutlinesBetween(fromIso, toIso);
  }

  /** The newest sessions first. */
  recentSessions(limit: number): ServiceSessionRecord[] {
    return this.repository.recentSessions(limit);
  }

  labels(lang: Language): LabelOption[] {
    return this.intents.labels(lang);
  }

  /** The intent label the model in service gives a text, or null when it is out of scope. */
  classify(text: string): string | null {
    return this.intents.classify(text);
  }

  /** Puts a new intent model in service; questions already being answered finish with the old one. */
  /** The agents' labelled questions, for retraining. */
  get examples(): IntentExampleRepository {
    return this.sessions.examples;
  }

  /** The intent model in service. */
  get model(): IntentArtifact {
    return this.intents.model;
  }

  useModel(model: IntentArtifact): void {
    this.intents.useModel(model);
  }
}
