import { EventEmitter } from 'node:events';
import type { Journal, SenseAlert } from './store/index.js';

/**
 * The facts that cross module boundaries. Producers emit them; qa/, metrics/ and cloud-sync/ subscribe,
 * so the code that emits a fact never calls the code that reacts to it.
 */
export interface BusEvents {
  'account.created': { userId: string; role: string; at: string };
  'account.removed': { userId: string; at: string };
  /** Login sessions of a user ended: one (`sessionId`) on logout, all of them (`null`) otherwise. */
  'account.sessions.revoked': { userId: string; sessionId: string | null; reason: 'logout' | 'expired' | 'password-reset' | 'role-changed' | 'disabled' | 'removed'; at: string };
  'kiosk.registered': { kioskId: string; at: string };
  'kiosk.revoked': { kioskId: string; at: string };
  'agent.presence': { userId: string; presence: string; at: string };
  'media.worker.died': { pid: number; at: string };
  'media.worker.replaced': { oldPid: number; newPid: number; at: string };
  'mqtt.status': { connected: boolean; at: string };
  'call.requested': { callId: string; kioskId: string; sessionId: string | null; skill: string; priority: number; at: string };
  'call.answered': { callId: string; kioskId: string; sessionId: string | null; agentId: string; via: string; at: string };
  'call.producer': { callId: string; role: 'customer' | 'agent'; kind: 'audio' | 'video'; producerId: string; at: string };
  'call.chat': { callId: string; sessionId: string | null; kioskId: string; from: 'customer' | 'agent'; text: string; at: string };
  'sense.state': {
    sessionId: string;
    callId: string | null;
    kioskId: string;
    channel: string;
    fused: { valence: number; arousal: number; label: string };
    face: { dominant: string | null; score: number; micro: string | null } | null;
    at: string;
  };
  'sense.alert': { alert: SenseAlert; kioskId: string };
  /** With what the cloud's call-ended record needs, so the outbox builds it inside the same transaction. */
  'call.ended': {
    callId: string;
    sessionId: string | null;
    reason: string;
    at: string;
    kioskId: string;
    skill: string;
    agentId: string | null;
    requestedAt: string;
    answeredAt: string | null;
  };
  'routing.decided': {
    sessionId: string;
    kioskId: string;
    customerId: string | null;
    text: string;
    lang: string;
    kind: string;
    label: string | null;
    confidence: number | null;
    rules: string[];
    /** For a bot-tier question: whether the knowledge base had an answer. */
    answered: boolean;
    at: string;
  };
  'knowledge.article.saved': { articleId: string; version: number; at: string };
  'knowledge.article.retired': { articleId: string; reason: string; at: string };
  'knowledge.outcome': { exposureId: string; articleId: string; success: boolean; by: string; at: string };
  'routing.wrapped-up': { sessionId: string; agentId: string; routedLabel: string | null; label: string; confirmed: boolean; resolved: boolean; question: string; lang: string; at: string };
  'qa.scorecard': { scorecardId: string; sessionId: string; agentId: string | null; total: number | null; formVersion: number; at: string };
  'knowledge.review.ready': { articles: number; at: string };
  'knowledge.ingested': { runId: string; source: string; added: number; changed: number; unchanged: number; retired: number; rejected: number; failed: boolean; at: string };
  'knowledge.ticket.opened': { ticketId: string; number: number; intent: string | null; dueAt: string; at: string };
  'knowledge.ticket.warning': { ticketId: string; number: number; kind: 'due-soon' | 'breached'; dueAt: string; at: string };
  'knowledge.ticket.resolved': { ticketId: string; number: number; articleId: string; at: string };
}

export type BusEventName = keyof BusEvents;
/** A listener may be async: its rejection is reported like a synchronous throw. */
type Listener<K extends BusEventName> = (payload: BusEvents[K]) => unknown;

export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly errors: ((name: string, err: unknown) => void)[] = [];

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  on<K extends BusEventName>(name: K, listener: Listener<K>): () => void {
    // A failing subscriber must not break the emitter or the other subscribers.
    const guarded = (payload: BusEvents[K]): void => {
      try {
        const result = listener(payload);
        if (result instanceof Promise) result.catch((err: unknown) => this.report(name, err));
      } catch (err) {
        this.report(name, err);
      }
    };
    this.emitter.on(name, guarded);
    return () => this.emitter.off(name, guarded);
  }

  emit<K extends BusEventName>(name: K, payload: BusEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  private report(name: string, err: unknown): void {
    for (const report of this.errors) report(name, err);
  }

  onListenerError(report: (name: string, err: unknown) => void): void {
    this.errors.push(report);
  }
}

/** The journals as the device uses them: the facts they record are the bus's events. */
export type FactJournal = Journal<BusEvents>;
