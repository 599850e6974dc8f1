import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.js';
import { PRIORITY, QueueEngine, type AgentSlot, type Assignment, type Presence, type QueueRules } from '../routing/index.js';
import type { EndReason, Language } from '../store/index.js';
import type { CallRecords, CallRef } from './call-records.js';
import type { Directory } from './directory.js';
import { CallError } from './errors.js';
import type { CallNotifier, Party, QueueItem } from './messages.js';

/** Expected handle time while there are too few finished calls of a skill to measure it. */
const DEFAULT_HANDLE_SECONDS = 180;
/** Finished calls of a skill whose mean handle time estimates the wait. */
const HANDLE_SAMPLE = 20;
/** A video call takes an agent's whole attention; capacity above one is for text channels. */
const VIDEO_CALL_CAPACITY = 1;

/** A customer taken off the queue, as the agent's call starts from it. */
export interface CallRequest extends CallRef {
  skill: string;
}

interface Waiting extends CallRequest {
  lang: Language;
  requestedAt: string;
  lostTimer: NodeJS.Timeout | null;
}

/** Where the queue hands its customers to: the calls in progress. */
export interface CallDesk {
  /** Starts the call; `claim` takes the customer off the queue and is false if they left meanwhile. */
  answer(request: CallRequest, agentId: string, via: Assignment['via'], claim: () => boolean): Promise<void>;
  inCall(party: Party): boolean;
}

export interface CallQueueOptions {
  queue: QueueRules;
  reconnectSeconds: number;
}

/**
 * Customers waiting for an agent: per-skill queues with automatic distribution, their places and
 * estimated waits, and what happens to a request whose kiosk goes away.
 */
export class CallQueue {
  private readonly waiting = new Map<string, Waiting>();
  private readonly engine: QueueEngine;
  private dispatching: Promise<void> | null = null;
  private redispatch = false;
  /** Re-checks the queue while someone waits: overflow and ETAs change with time alone. */
  private readonly ticker: NodeJS.Timeout;
  /** Kiosks whose request is being recorded: claimed before the first await, so a burst makes one request. */
  private readonly requesting = new Set<string>();

  constructor(
    private readonly records: CallRecords,
    bus: EventBus,
    private readonly presence: Presence,
    private readonly directory: Directory,
    private readonly options: CallQueueOptions,
    private readonly notifier: CallNotifier,
    private readonly desk: CallDesk,
    private readonly log: Logger,
  ) {
    this.engine = new QueueEngine(options.queue);
    // An agent who becomes available takes the next customer they may serve.
    bus.on('agent.presence', ({ presence }) => {
      if (presence === 'available') this.dispatch();
      else this.announce();
    });
    // Sensing that a waiting customer is upset moves them up their queue.
    bus.on('sense.alert', ({ alert }) => {
      const entry = [...this.waiting.values()].find((w) => w.sessionId === alert.sessionId);
      const queued = entry ? this.engine.get(entry.id) : null;
      if (queued && queued.priority < PRIORITY.raised) {
        queued.priority = PRIORITY.raised;
        this.announce();
      }
    });
    this.ticker = setInterval(() => {
      if (this.engine.size > 0) this.dispatch();
    }, 1000);
    this.ticker.unref();
  }

  private waitingOf(kioskId: string): Waiting | undefined {
    return [...this.waiting.values()].find((w) => w.kioskId === kioskId);
  }

  snapshot(): QueueItem[] {
    return this.engine.ordered().map((entry) => {
      const w = this.waiting.get(entry.id)!;
      return { callId: w.id, lang: w.lang, kioskName: this.directory.kiosk(w.kioskId), requestedAt: w.requestedAt, skill: entry.skill, vipLine: entry.vipLine, priority: entry.priority };
    });
  }

  private agentSlots(): AgentSlot[] {
    return this.notifier.connectedAgents().map((userId) => {
      const presence = this.presence.get(userId);
      return {
        userId,
        skills: this.directory.agentSkills(userId),
        presence: presence.state,
        active: this.desk.inCall({ kind: 'agent', userId }) ? 1 : 0,
        capacity: VIDEO_CALL_CAPACITY,
        idleSince: Date.parse(presence.since),
      };
    });
  }

  /** Mean handle time of the last finished calls of a skill, for the estimated wait. */
  private handleSeconds(skill: string): number {
    const recent = this.records.repository.lastHandled(skill, HANDLE_SAMPLE);
    if (recent.length < 3) return DEFAULT_HANDLE_SECONDS;
    return recent.reduce((sum, c) => sum + (Date.parse(c.endedAt) - Date.parse(c.answeredAt)) / 1000, 0) / recent.length;
  }

  private announce(): void {
    const snapshot = this.snapshot();
    const slots = this.agentSlots();
    for (const slot of slots) {
      const mine = snapshot.filter((item) => slot.skills.includes(item.skill) || (item.vipLine && slot.skills.includes(this.options.queue.vipSkill)));
      this.notifier.send({ kind: 'agent', userId: slot.userId }, { type: 'queue', waiting: mine });
    }
    const now = Date.now();
    // One look at the call records per skill per announcement, however many wait for it.
    const handle = new Map<string, number>();
    for (const w of this.waiting.values()) {
      if (!handle.has(w.skill)) handle.set(w.skill, this.handleSeconds(w.skill));
      const place = this.engine.position(w.id, slots, now, handle.get(w.skill)!);
      if (place) this.notifier.send({ kind: 'kiosk', kioskId: w.kioskId }, { type: 'queued', callId: w.id, position: place.position, etaSeconds: place.etaSeconds, waiting: this.waiting.size });
    }
  }

  /** A kiosk asks for an agent: it joins the queue its session was routed to. */
  async request(kioskId: string, lang: Language, sessionId: string | null): Promise<string> {
    if (this.requesting.has(kioskId) || this.waitingOf(kioskId) || this.desk.inCall({ kind: 'kiosk', kioskId })) {
      throw new CallError('this kiosk is already waiting or in a call');
    }
    this.requesting.add(kioskId);
    try {
      return await this.enqueue(kioskId, lang, sessionId);
    } finally {
      this.requesting.delete(kioskId);
    }
  }

  private async enqueue(kioskId: string, lang: Language, sessionId: string | null): Promise<string> {
    const route = this.directory.route(kioskId, sessionId);
    const waiting: Waiting = { id: randomUUID(), kioskId, sessionId, skill: route.skill, lang, requestedAt: new Date().toISOString(), lostTimer: null };
    await this.records.requested(waiting, route.priority);
    this.waiting.set(waiting.id, waiting);
    this.engine.add({ id: waiting.id, skill: route.skill, vipLine: route.vipLine, priority: route.priority, enqueuedAt: Date.parse(waiting.requestedAt) });
    this.dispatch();
    return waiting.id;
  }

  private remove(waiting: Waiting): void {
    this.waiting.delete(waiting.id);
    this.engine.remove(waiting.id);
    if (waiting.lostTimer) clearTimeout(waiting.lostTimer);
  }

  /** The kiosk gave up waiting (or left and did not come back): the request is recorded as abandoned. */
  async cancel(kioskId: string, reason: EndReason = 'abandoned'): Promise<void> {
    const waiting = this.waitingOf(kioskId);
    if (!waiting) throw new CallError('this kiosk is not waiting');
    this.remove(waiting);
    // The request is gone from the queue either way; a record that could not be closed is repaired at start.
    await this.records.ended(waiting.id, reason, new Date().toISOString()).finally(() => {
      this.notifier.send({ kind: 'kiosk', kioskId }, { type: 'callEnded', callId: waiting.id, reason });
      this.announce();
    });
  }

  /**
   * Connects waiting customers to free agents until no pair fits; runs one pass at a time, and again
   * when something changed during a pass.
   */
  private dispatch(): void {
    if (this.dispatching) {
      this.redispatch = true;
      return;
    }
    this.dispatching = (async () => {
      do {
        this.redispatch = false;
        for (let assignment = this.engine.next(this.agentSlots(), Date.now()); assignment; assignment = this.engine.next(this.agentSlots(), Date.now())) {
          try {
            await this.connect(assignment);
          } catch (err) {
            this.log.error({ err: (err as Error).message }, 'could not connect a waiting customer');
            break;
          }
        }
        this.announce();
      } while (this.redispatch);
    })().finally(() => {
      this.dispatching = null;
    });
  }

  private connect({ entry, agent, via }: Assignment): Promise<void> {
    const waiting = this.waiting.get(entry.id)!;
    return this.desk.answer(waiting, agent.userId, via, () => {
      if (!this.waiting.has(entry.id)) return false;
      this.remove(waiting);
      return true;
    });
  }

  /** Waits for distribution in progress to settle; for shutdown and tests. */
  async settled(): Promise<void> {
    while (this.dispatching) await this.dispatching;
  }

  /** A connection authenticated: a kiosk that came back keeps its place, and a new agent may be the free one someone waits for. */
  connected(party: Party): void {
    const waiting = party.kind === 'kiosk' ? this.waitingOf(party.kioskId) : undefined;
    if (waiting?.lostTimer) {
      clearTimeout(waiting.lostTimer);
      waiting.lostTimer = null;
    }
    this.dispatch();
  }

  /** A connection closed: a waiting kiosk has the reconnect grace period to come back before its request is abandoned. */
  disconnected(party: Party): void {
    if (party.kind !== 'kiosk') return;
    const waiting = this.waitingOf(party.kioskId);
    if (waiting && !waiting.lostTimer) {
      waiting.lostTimer = setTimeout(() => {
        this.cancel(party.kioskId).catch((err: Error) => this.log.error({ err: err.message }, 'could not record an abandoned request'));
      }, this.options.reconnectSeconds * 1000);
    }
  }

  /** Stops distribution and ends every request still waiting, for shutdown. */
  async close(): Promise<void> {
    clearInterval(this.ticker);
    await this.settled();
    for (const waiting of [...this.waiting.values()]) await this.cancel(waiting.kioskId, 'shutdown');
  }
}
