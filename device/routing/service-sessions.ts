import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { surveySchema } from '../../protocol/api/index.js';
import type { FactJournal } from '../bus.js';
import type { Language, ServiceSessionRecord, StoredDecision } from '../store/index.js';
import { RoutingError } from './errors.js';
import { IntentExampleRepository } from './intent-examples.js';
import { SessionRepository, type SessionSurvey } from './session-repository.js';

export { startSessionSchema, surveySchema, wrapUpSchema } from '../../protocol/api/index.js';

/** The label a session was last routed to, shown to the agent who takes its call. */
export interface RoutedLabel {
  label: string;
  confidence: number | null;
  explanation: string;
  /** Absent in decisions stored before explanations had codes: the page shows `explanation` then. */
  code?: string;
  params?: Record<string, string | number>;
}

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

export function routedLabelOf(session: ServiceSessionRecord): RoutedLabel | null {
  const last = session.decisions.filter((d) => d.label).at(-1);
  if (!last?.label) return null;
  return { label: last.label, confidence: last.confidence, explanation: last.explanation, ...(last.code ? { code: last.code, params: last.params ?? {} } : {}) };
}

/**
 * A service session's life, from the start at the kiosk to the survey, each step one journal write.
 * The routing decisions and the wrap-up are facts announced in their write, so the cloud outbox records
 * them in the same transaction. What the calls and sensing tell of a session (queued, answered,
 * abandoned, escalated) is recorded inside the transaction of their own fact: a call on disk never
 * leaves its session behind.
 */
export class ServiceSessions {
  readonly repository: SessionRepository;
  readonly examples: IntentExampleRepository;

  constructor(private readonly journal: FactJournal) {
    this.repository = new SessionRepository(journal.db);
    this.examples = new IntentExampleRepository(journal.db);
    journal.inTransaction('call.requested', ({ sessionId, callId, at }) => {
      if (sessionId) this.repository.queued(sessionId, callId, at);
    });
    journal.inTransaction('call.answered', ({ sessionId, at }) => {
      if (sessionId) this.repository.agentAnswered(sessionId, at);
    });
    journal.inTransaction('call.ended', ({ sessionId, reason, at }) => {
      if (sessionId && reason === 'abandoned') this.repository.abandoned(sessionId, at);
    });
    journal.inTransaction('sense.alert', ({ alert }) => this.repository.escalated(alert.sessionId, alert.at));
  }

  /** The kiosk's own session; any other kiosk's, or none, is "not found". */
  requireSession(kioskId: string, sessionId: string): ServiceSessionRecord {
    const session = this.repository.sessionById(sessionId);
    if (!session || session.kioskId !== kioskId) throw new RoutingError('no such session at this kiosk', 404);
    return session;
  }

  async start(kioskId: string, lang: Language): Promise<ServiceSessionRecord> {
    const session = newServiceSession({ id: randomUUID(), kioskId, lang, startedAt: new Date().toISOString() });
    await this.journal.write(() => this.repository.insert(session));
    return session;
  }

  /** Records a routing decision made for the session; `answered` when the bot answered it. */
  decided(session: ServiceSessionRecord, decision: StoredDecision, answered: boolean): Promise<void> {
    return this.journal.write((tx) => {
      if (!this.repository.appendDecision(session.id, decision, answered ? decision.at : null)) throw new RoutingError('no such session', 404);
      tx.emit('routing.decided', {
        sessionId: session.id,
        kioskId: session.kioskId,
        customerId: session.customer?.id ?? null,
        text: decision.text,
        lang: session.lang,
        kind: decision.kind,
        label: decision.label,
        confidence: decision.confidence,
        rules: decision.rules,
        answered,
        at: decision.at,
      });
    });
  }

  identified(sessionId: string, customer: NonNullable<ServiceSessionRecord['customer']>): Promise<void> {
    return this.journal.write(() => {
      if (!this.repository.setCustomer(sessionId, customer)) throw new RoutingError('no such session', 404);
    });
  }

  /** The agent's confirmation or correction of the routed intent, and whether the customer's matter was resolved. */
  wrapUp(sessionId: string, agentId: string, label: string, resolved: boolean): Promise<ServiceSessionRecord> {
    const at = new Date().toISOString();
    return this.journal.write((tx) => {
      const session = this.repository.sessionById(sessionId);
      if (!session) throw new RoutingError('no such session', 404);
      const routedLabel = routedLabelOf(session)?.label ?? null;
      const wrapUp = { routedLabel, label, confirmed: routedLabel === label, resolved, by: agentId, at };
      this.repository.setWrapUp(sessionId, wrapUp);
      const question = session.decisions.filter((d) => d.label).at(-1)?.text ?? session.decisions.at(-1)?.text ?? '';
      // The agent's label on the customer's own words is the best training example there is.
      if (question.trim() !== '') this.examples.record({ sessionId, text: question, lang: session.lang, routedLabel, label, agentId, at });
      tx.emit('routing.wrapped-up', { sessionId, agentId, routedLabel, label, confirmed: wrapUp.confirmed, resolved, question, lang: session.lang, at });
      return { ...session, wrapUp };
    });
  }

  /** The customer's end-of-visit answers; given once per session. */
  async survey(kioskId: string, sessionId: string, answers: z.infer<typeof surveySchema>): Promise<SessionSurvey> {
    this.requireSession(kioskId, sessionId);
    const survey: SessionSurvey = { stars: answers.stars ?? null, recommend: answers.recommend ?? null, at: new Date().toISOString() };
    return this.journal.write(() => {
      if (!this.repository.setSurvey(sessionId, survey)) throw new RoutingError('this visit has already been rated', 409);
      return survey;
    });
  }
}
