import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.js';
import { CallMedia, CallMediaError, CallRecorder, otherRole, type MediaKind, type MediaWorkers, type PeerRole, type RtcSettings, type TransportInfo } from '../media/index.js';
import { PRIORITY, QueueEngine, type AgentSlot, type Assignment, type QueueRoute, type QueueRules, type Presence } from '../routing/index.js';
import type { CallRecord, ChatMessage, EndReason, Language, Store } from '../store/index.js';
import { partyKey, type CallEvent, type CallNotifier, type Party, type QueueItem } from './messages.js';

export interface CallsOptions {
  reconnectSeconds: number;
  rtc: RtcSettings;
  recordingsDir: string;
  queue: QueueRules;
}

/** What the call service needs to know about kiosks, agents and where a kiosk's request goes. */
export interface Directory {
  kiosk(kioskId: string): string;
  agent(userId: string): string;
  agentSkills(userId: string): readonly string[];
  /** Throws when the session is not this kiosk's. */
  route(kioskId: string, sessionId: string | null): QueueRoute;
}

/** Expected handle time while there are too few finished calls of a skill to measure it. */
const DEFAULT_HANDLE_SECONDS = 180;
/** A video call takes an agent's whole attention; capacity above one is for text channels. */
const VIDEO_CALL_CAPACITY = 1;

/** A request the caller made wrongly (unknown call, wrong state); the message is shown to the client. */
export class CallError extends Error {
  override name = 'CallError';
}

interface Waiting {
  callId: string;
  kioskId: string;
  sessionId: string | null;
  route: QueueRoute;
  lang: Language;
  requestedAt: string;
  lostTimer: NodeJS.Timeout | null;
}

interface Active {
  id: string;
  kioskId: string;
  sessionId: string | null;
  agentId: string;
  media: CallMedia;
  recorder: CallRecorder;
  connected: Record<PeerRole, boolean>;
  lostTimers: Partial<Record<PeerRole, NodeJS.Timeout>>;
}

/**
 * Calls between kiosks and agents: per-skill queues with automatic distribution, the call's media, chat,
 * reconnection and the call record. It learns who is connected from the signalling layer and talks back
 * through a notifier.
 */
export class Calls {
  private notifier: CallNotifier | null = null;
  private readonly waiting = new Map<string, Waiting>();
  private readonly engine: QueueEngine;
  private dispatching: Promise<void> | null = null;
  private redispatch = false;
  /** Re-checks the queue while someone waits: overflow and ETAs change with time alone. */
  private readonly ticker: NodeJS.Timeout;
  private readonly active = new Map<string, Active>();
  /** The end of a call, kept for a side that was away when it ended, to tell it when it comes back. */
  private readonly missedEnds = new Map<string, CallEvent>();
  /** Kiosks whose request is being recorded: claimed before the first await, so a burst makes one request. */
  private readonly requesting = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly workers: MediaWorkers,
    private readonly presence: Presence,
    private readonly directory: Directory,
    private readonly options: CallsOptions,
    private readonly log: Logger,
  ) {
    this.engine = new QueueEngine(options.queue);
    // An agent who becomes available takes the next customer they may serve.
    bus.on('agent.presence', ({ presence }) => {
      if (presence === 'available') this.dispatch();
      else this.announceQueue();
    });
    // Sensing that a waiting customer is upset moves them up their queue.
    bus.on('sense.alert', ({ alert }) => {
      const entry = [...this.waiting.values()].find((w) => w.sessionId === alert.sessionId);
      const queued = entry ? this.engine.get(entry.callId) : null;
      if (queued && queued.priority < PRIORITY.raised) {
        queued.priority = PRIORITY.raised;
        this.announceQueue();
      }
    });
    this.ticker = setInterval(() => {
      if (this.engine.size > 0) this.dispatch();
    }, 1000);
    this.ticker.unref();
  }

  attach(notifier: CallNotifier): void {
    this.notifier = notifier;
  }

  private send(to: Party, event: CallEvent): void {
    this.notifier?.send(to, event);
  }

  private sendRole(call: Active, role: PeerRole, event: CallEvent): void {
    this.send(partyOf(call, role), event);
  }

  private callOf(party: Party): { call: Active; role: PeerRole } | null {
    for (const call of this.active.values()) {
      if (party.kind === 'kiosk' && call.kioskId === party.kioskId) return { call, role: 'customer' };
      if (party.kind === 'agent' && call.agentId === party.userId) return { call, role: 'agent' };
    }
    return null;
  }

  private requireCall(party: Party): { call: Active; role: PeerRole } {
    const found = this.callOf(party);
    if (!found) throw new CallError('you are not in a call');
    return found;
  }

  private async updateRecord(callId: string, change: (record: CallRecord) => void): Promise<void> {
    await this.store.update((d) => {
      const record = d.calls.find((c) => c.id === callId);
      if (record) change(record);
    });
  }

  /** Agents with a signalling connection open now. */
  connectedAgents(): string[] {
    return this.notifier?.connectedAgents() ?? [];
  }

  queueSnapshot(): QueueItem[] {
    return this.engine.ordered().map((entry) => {
      const w = this.waiting.get(entry.id)!;
      return { callId: w.callId, lang: w.lang, kioskName: this.directory.kiosk(w.kioskId), requestedAt: w.requestedAt, skill: entry.skill, vipLine: entry.vipLine, priority: entry.priority };
    });
  }

  private agentSlots(): AgentSlot[] {
    return (this.notifier?.connectedAgents() ?? []).map((userId) => {
      const presence = this.presence.get(userId);
      return {
        userId,
        skills: this.directory.agentSkills(userId),
        presence: presence.state,
        active: this.callOf({ kind: 'agent', userId }) ? 1 : 0,
        capacity: VIDEO_CALL_CAPACITY,
        idleSince: Date.parse(presence.since),
      };
    });
  }

  /** Mean handle time of the last finished calls of a skill, for the estimated wait. */
  private handleSeconds(skill: string): number {
    const recent = this.store.read((d) => d.calls.filter((c) => c.skill === skill && c.answeredAt && c.endedAt).slice(-20));
    if (recent.length < 3) return DEFAULT_HANDLE_SECONDS;
    return recent.reduce((sum, c) => sum + (Date.parse(c.endedAt!) - Date.parse(c.answeredAt!)) / 1000, 0) / recent.length;
  }

  private announceQueue(): void {
    const snapshot = this.queueSnapshot();
    const slots = this.agentSlots();
    for (const slot of slots) {
      const mine = snapshot.filter((item) => slot.skills.includes(item.skill) || (item.vipLine && slot.skills.includes(this.options.queue.vipSkill)));
      this.send({ kind: 'agent', userId: slot.userId }, { type: 'queue', waiting: mine });
    }
    const now = Date.now();
    // One look at the call records per skill per announcement, however many wait for it.
    const handle = new Map<string, number>();
    for (const w of this.waiting.values()) {
      if (!handle.has(w.route.skill)) handle.set(w.route.skill, this.handleSeconds(w.route.skill));
      const place = this.engine.position(w.callId, slots, now, handle.get(w.route.skill)!);
      if (place) this.send({ kind: 'kiosk', kioskId: w.kioskId }, { type: 'queued', callId: w.callId, position: place.position, etaSeconds: place.etaSeconds, waiting: this.waiting.size });
    }
  }

  /** A kiosk asks for an agent: it joins the queue its session was routed to. */
  async request(kioskId: string, lang: Language, sessionId: string | null): Promise<string> {
    if (this.requesting.has(kioskId) || [...this.waiting.values()].some((w) => w.kioskId === kioskId) || this.callOf({ kind: 'kiosk', kioskId })) {
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
    const waiting: Waiting = { callId: randomUUID(), kioskId, sessionId, route, lang, requestedAt: new Date().toISOString(), lostTimer: null };
    const record: CallRecord = {
      id: waiting.callId,
      kioskId,
      sessionId,
      skill: route.skill,
      agentId: null,
      lang,
      requestedAt: waiting.requestedAt,
      answeredAt: null,
      endedAt: null,
      endReason: null,
      chat: [],
      recording: null,
    };
    await this.store.update((d) => void d.calls.push(record));
    this.waiting.set(waiting.callId, waiting);
    this.engine.add({ id: waiting.callId, skill: route.skill, vipLine: route.vipLine, priority: route.priority, enqueuedAt: Date.parse(waiting.requestedAt) });
    this.bus.emit('call.requested', { callId: waiting.callId, kioskId, sessionId, skill: route.skill, priority: route.priority, at: waiting.requestedAt });
    this.dispatch();
    return waiting.callId;
  }

  /** The kiosk gave up waiting (or left and did not come back): the request is recorded as abandoned. */
  async cancel(kioskId: string, reason: EndReason = 'abandoned'): Promise<void> {
    const waiting = [...this.waiting.values()].find((w) => w.kioskId === kioskId);
    if (!waiting) throw new CallError('this kiosk is not waiting');
    this.waiting.delete(waiting.callId);
    this.engine.remove(waiting.callId);
    if (waiting.lostTimer) clearTimeout(waiting.lostTimer);
    const at = new Date().toISOString();
    const recorded = this.updateRecord(waiting.callId, (r) => {
      r.endedAt = at;
      r.endReason = reason;
    });
    // The request is gone from the queue either way; a record that could not be closed is repaired at start.
    await recorded.finally(() => {
      this.send({ kind: 'kiosk', kioskId }, { type: 'callEnded', callId: waiting.callId, reason });
      this.bus.emit('call.ended', { callId: waiting.callId, sessionId: waiting.sessionId, reason, at });
      this.announceQueue();
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
        this.announceQueue();
      } while (this.redispatch);
    })().finally(() => {
      this.dispatching = null;
    });
  }

  /** Waits for distribution in progress to settle; for shutdown and tests. */
  async settled(): Promise<void> {
    while (this.dispatching) await this.dispatching;
  }

  /** The chosen agent takes the chosen customer: media is set up and both sides are told. */
  private async connect({ entry, agent, via }: Assignment): Promise<void> {
    const waiting = this.waiting.get(entry.id)!;
    const userId = agent.userId;
    const media = await CallMedia.create(this.workers, this.options.rtc, () => this.onMediaLost(waiting.callId));
    if (!this.waiting.has(entry.id)) {
      // The customer gave up while the media was being set up.
      media.close();
      return;
    }
    this.engine.remove(entry.id);
    this.waiting.delete(entry.id);
    if (waiting.lostTimer) clearTimeout(waiting.lostTimer);
    const call: Active = {
      id: waiting.callId,
      kioskId: waiting.kioskId,
      sessionId: waiting.sessionId,
      agentId: userId,
      media,
      recorder: new CallRecorder(this.options.recordingsDir, waiting.callId, this.log),
      connected: { customer: true, agent: true },
      lostTimers: {},
    };
    this.active.set(call.id, call);
    this.presence.set(userId, 'busy');
    const answeredAt = new Date().toISOString();
    await this.updateRecord(call.id, (r) => {
      r.agentId = userId;
      r.answeredAt = answeredAt;
    });
    this.bus.emit('call.answered', { callId: call.id, kioskId: call.kioskId, sessionId: call.sessionId, agentId: userId, via, at: answeredAt });
    this.log.info({ callId: call.id, worker: media.workerPid, skill: entry.skill, via }, 'call started');
    this.startPeer(call, 'customer', false);
    this.startPeer(call, 'agent', false);
  }

  private startPeer(call: Active, role: PeerRole, resumed: boolean): void {
    const chat = this.store.read((d) => d.calls.find((c) => c.id === call.id)?.chat ?? []);
    this.sendRole(call, role, {
      type: 'callStarted',
      callId: call.id,
      role,
      resumed,
      peerName: role === 'customer' ? this.directory.agent(call.agentId) : this.directory.kiosk(call.kioskId),
      sessionId: call.sessionId,
      routerRtpCapabilities: call.media.rtpCapabilities,
      producers: call.media.producers(otherRole(role)).map((p) => ({ producerId: p.id, kind: p.kind, paused: p.paused })),
      chat: [...chat],
      graceSeconds: this.options.reconnectSeconds,
    });
  }

  private async mediaCall<T>(party: Party, action: (call: Active, role: PeerRole) => Promise<T>): Promise<T> {
    const { call, role } = this.requireCall(party);
    try {
      return await action(call, role);
    } catch (err) {
      if (err instanceof CallMediaError) throw new CallError(err.message);
      throw err;
    }
  }

  createTransport(party: Party): Promise<TransportInfo> {
    return this.mediaCall(party, (call, role) => call.media.createTransport(role));
  }

  connectTransport(party: Party, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    return this.mediaCall(party, (call, role) => call.media.connectTransport(role, transportId, dtlsParameters));
  }

  restartIce(party: Party, transportId: string): Promise<types.IceParameters> {
    return this.mediaCall(party, (call, role) => call.media.restartIce(role, transportId));
  }

  produce(party: Party, transportId: string, kind: MediaKind, rtpParameters: types.RtpParameters, paused: boolean): Promise<string> {
    return this.mediaCall(party, async (call, role) => {
      const producer = await call.media.produce(role, transportId, kind, rtpParameters, paused);
      this.sendRole(call, otherRole(role), { type: 'newProducer', producerId: producer.id, kind, paused });
      call.recorder.addTrack(call.media.router, producer, role).catch((err: Error) => this.log.warn({ callId: call.id, err: err.message }, 'a track could not be recorded'));
      this.bus.emit('call.producer', { callId: call.id, role, kind, producerId: producer.id, at: new Date().toISOString() });
      return producer.id;
    });
  }

  consume(party: Party, transportId: string, producerId: string, rtpCapabilities: types.RtpCapabilities) {
    return this.mediaCall(party, async (call, role) => {
      const { info, consumer } = await call.media.consume(role, transportId, producerId, rtpCapabilities);
      consumer.on('producerclose', () => this.sendRole(call, role, { type: 'consumerClosed', consumerId: consumer.id }));
      return info;
    });
  }

  resumeConsumer(party: Party, consumerId: string): Promise<void> {
    return this.mediaCall(party, (call, role) => call.media.resumeConsumer(role, consumerId));
  }

  setProducerPaused(party: Party, producerId: string, paused: boolean): Promise<void> {
    return this.mediaCall(party, async (call, role) => {
      await call.media.setProducerPaused(role, producerId, paused);
      const kind = call.media.producers(role).find((p) => p.id === producerId)!.kind;
      this.sendRole(call, otherRole(role), { type: 'producerPaused', producerId, kind, paused });
    });
  }

  /** A client whose transports failed starts over within the same call: new transports, new producers. */
  rejoin(party: Party): void {
    const { call, role } = this.requireCall(party);
    call.media.resetPeer(role);
    this.startPeer(call, role, true);
  }

  async chat(party: Party, text: string): Promise<ChatMessage> {
    const { call, role } = this.requireCall(party);
    const message: ChatMessage = { from: role, text, at: new Date().toISOString() };
    await this.updateRecord(call.id, (r) => void r.chat.push(message));
    this.sendRole(call, 'customer', { type: 'chat', message });
    this.sendRole(call, 'agent', { type: 'chat', message });
    this.bus.emit('call.chat', { callId: call.id, sessionId: call.sessionId, kioskId: call.kioskId, from: role, text, at: message.at });
    return message;
  }

  async end(party: Party): Promise<void> {
    const { call, role } = this.requireCall(party);
    await this.finish(call, role === 'customer' ? 'customer-ended' : 'agent-ended');
  }

  private async finish(call: Active, reason: EndReason): Promise<void> {
    if (!this.active.delete(call.id)) return;
    for (const timer of Object.values(call.lostTimers)) clearTimeout(timer);
    // The recorder's legs must stop before the router goes, so ffmpeg can close its files cleanly.
    const stopping = call.recorder.finish();
    call.media.close();
    const endedAt = new Date().toISOString();
    // The call is over whether or not its record can be written: both sides and the agent's presence must
    // move on, and a record left open is closed at the next start (`repairInterrupted`).
    let recordError: unknown = null;
    try {
      await this.updateRecord(call.id, (r) => {
        r.endedAt = endedAt;
        r.endReason = reason;
      });
    } catch (err) {
      recordError = err;
    }
    if (this.presence.get(call.agentId).state === 'busy') this.presence.set(call.agentId, 'wrap-up');
    for (const role of ['customer', 'agent'] as const) {
      const event: CallEvent = { type: 'callEnded', callId: call.id, reason };
      if (call.connected[role]) this.sendRole(call, role, event);
      else this.missedEnds.set(partyKey(partyOf(call, role)), event);
    }
    this.bus.emit('call.ended', { callId: call.id, sessionId: call.sessionId, reason, at: endedAt });
    this.log.info({ callId: call.id, reason }, 'call ended');
    const recording = await stopping;
    if (recordError) throw recordError;
    if (recording) await this.updateRecord(call.id, (r) => void (r.recording = recording));
  }

  /**
   * Calls a crash or a failed write left without an end: each is closed as `interrupted` at the last
   * moment known of it, so KPIs and quality inspection see a finished call. Run once at start.
   */
  async repairInterrupted(): Promise<number> {
    if (!this.store.read((d) => d.calls.some((c) => !c.endedAt))) return 0;
    return this.store.update((d) => {
      let repaired = 0;
      for (const call of d.calls) {
        if (call.endedAt) continue;
        const lastSeen = [call.requestedAt, call.answeredAt, ...call.chat.map((m) => m.at)].filter((t): t is string => t !== null).sort().at(-1)!;
        call.endedAt = lastSeen;
        call.endReason = 'interrupted';
        repaired += 1;
      }
      return repaired;
    });
  }

  /** The media of a call went with its worker: move it to another worker and have both peers rejoin. */
  private onMediaLost(callId: string): void {
    this.reestablish(callId).catch((err: Error) => this.log.error({ callId, err: err.message }, 'could not end a call whose media was lost'));
  }

  private async reestablish(callId: string): Promise<void> {
    const call = this.active.get(callId);
    if (!call) return;
    this.log.warn({ callId }, 'call media lost with its worker; re-establishing');
    try {
      call.media = await CallMedia.create(this.workers, this.options.rtc, () => this.onMediaLost(callId));
    } catch (err) {
      this.log.error({ callId, err: (err as Error).message }, 'call media could not be re-established');
      await this.finish(call, 'media-failure');
      return;
    }
    this.startPeer(call, 'customer', true);
    this.startPeer(call, 'agent', true);
  }

  /** A kiosk or agent connection authenticated: if it was in a call, it takes its place again. */
  connected(party: Party): void {
    const missed = this.missedEnds.get(partyKey(party));
    if (missed) {
      this.missedEnds.delete(partyKey(party));
      this.send(party, missed);
    }
    const waiting = party.kind === 'kiosk' ? [...this.waiting.values()].find((w) => w.kioskId === party.kioskId) : undefined;
    if (waiting?.lostTimer) {
      clearTimeout(waiting.lostTimer);
      waiting.lostTimer = null;
    }
    // A newly connected agent may be the free one a customer waits for; everyone sees the queue anew.
    this.dispatch();
    const found = this.callOf(party);
    if (!found) return;
    const { call, role } = found;
    const timer = call.lostTimers[role];
    if (timer) clearTimeout(timer);
    delete call.lostTimers[role];
    call.connected[role] = true;
    this.rejoin(party);
    this.sendRole(call, otherRole(role), { type: 'peerConnection', connected: true, graceSeconds: this.options.reconnectSeconds });
  }

  /** A connection closed. The party has the reconnect grace period to come back before it loses its place. */
  disconnected(party: Party): void {
    const grace = this.options.reconnectSeconds * 1000;
    if (party.kind === 'kiosk') {
      const waiting = [...this.waiting.values()].find((w) => w.kioskId === party.kioskId);
      if (waiting && !waiting.lostTimer) {
        waiting.lostTimer = setTimeout(() => {
          this.cancel(party.kioskId).catch((err: Error) => this.log.error({ err: err.message }, 'could not record an abandoned request'));
        }, grace);
      }
    }
    const found = this.callOf(party);
    if (!found) return;
    const { call, role } = found;
    call.connected[role] = false;
    this.sendRole(call, otherRole(role), { type: 'peerConnection', connected: false, graceSeconds: this.options.reconnectSeconds });
    call.lostTimers[role] ??= setTimeout(() => {
      this.finish(call, role === 'customer' ? 'customer-lost' : 'agent-lost').catch((err: Error) => this.log.error({ callId: call.id, err: err.message }, 'could not end a call whose side did not come back'));
    }, grace);
  }

  records(limit: number): CallRecord[] {
    return this.store.read((d) => d.calls.slice(-limit).reverse());
  }

  record(id: string): CallRecord | null {
    return this.store.read((d) => d.calls.find((c) => c.id === id) ?? null);
  }

  /** The agent in the call of a session, if it is in one now. */
  agentOfCall(callId: string): string | null {
    return this.active.get(callId)?.agentId ?? null;
  }

  /** A side's audio or video producer of a live call, with its router, for analysis taps. */
  producerOf(callId: string, role: PeerRole, kind: MediaKind): { router: types.Router; producer: types.Producer } | null {
    const call = this.active.get(callId);
    const producer = call?.media.producers(role).find((p) => p.kind === kind);
    return call && producer ? { router: call.media.router, producer } : null;
  }

  /** The call records of a service session, oldest first. */
  callsOfSession(sessionId: string): CallRecord[] {
    return this.store.read((d) => d.calls.filter((c) => c.sessionId === sessionId));
  }

  /** The agents who took calls of a service session. */
  agentsOfSession(sessionId: string): string[] {
    return this.store.read((d) => d.calls.filter((c) => c.sessionId === sessionId && c.agentId).map((c) => c.agentId!));
  }

  activeCalls(): { id: string; kioskId: string; agentId: string; media: CallMedia }[] {
    return [...this.active.values()].map(({ id, kioskId, agentId, media }) => ({ id, kioskId, agentId, media }));
  }

  async closeAll(): Promise<void> {
    clearInterval(this.ticker);
    await this.settled();
    for (const call of [...this.active.values()]) await this.finish(call, 'shutdown');
    for (const waiting of [...this.waiting.values()]) await this.cancel(waiting.kioskId, 'shutdown');
  }
}

function partyOf(call: { kioskId: string; agentId: string }, role: PeerRole): Party {
  return role === 'customer' ? { kind: 'kiosk', kioskId: call.kioskId } : { kind: 'agent', userId: call.agentId };
}
