import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.js';
import { CallMedia, CallMediaError, CallRecorder, otherRole, type MediaKind, type MediaWorkers, type PeerRole, type RtcSettings, type TransportInfo } from '../media/index.js';
import type { Presence } from '../routing/index.js';
import type { CallRecord, ChatMessage, EndReason, Language, Store } from '../store/index.js';
import { partyKey, type CallEvent, type CallNotifier, type Party } from './messages.js';

export interface CallsOptions {
  reconnectSeconds: number;
  rtc: RtcSettings;
  recordingsDir: string;
}

export interface NameLookup {
  kiosk(kioskId: string): string;
  agent(userId: string): string;
}

/** A request the caller made wrongly (unknown call, wrong state); the message is shown to the client. */
export class CallError extends Error {
  override name = 'CallError';
}

interface Waiting {
  callId: string;
  kioskId: string;
  lang: Language;
  requestedAt: string;
  lostTimer: NodeJS.Timeout | null;
}

interface Active {
  id: string;
  kioskId: string;
  agentId: string;
  media: CallMedia;
  recorder: CallRecorder;
  connected: Record<PeerRole, boolean>;
  lostTimers: Partial<Record<PeerRole, NodeJS.Timeout>>;
}

/**
 * Calls between kiosks and agents: the first-come queue, the call's media, chat, reconnection and the
 * call record. It learns who is connected from the signalling layer and talks back through a notifier.
 */
export class Calls {
  private notifier: CallNotifier | null = null;
  private readonly queue: Waiting[] = [];
  private readonly active = new Map<string, Active>();
  /** The end of a call, kept for a side that was away when it ended, to tell it when it comes back. */
  private readonly missedEnds = new Map<string, CallEvent>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly workers: MediaWorkers,
    private readonly presence: Presence,
    private readonly names: NameLookup,
    private readonly options: CallsOptions,
    private readonly log: Logger,
  ) {
    // An agent who becomes available needs to see who is already waiting.
    bus.on('agent.presence', ({ userId, presence }) => {
      if (presence === 'available') this.send({ kind: 'agent', userId }, { type: 'queue', waiting: this.queueSnapshot() });
    });
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

  queueSnapshot(): { callId: string; lang: string; kioskName: string; requestedAt: string }[] {
    return this.queue.map((w) => ({ callId: w.callId, lang: w.lang, kioskName: this.names.kiosk(w.kioskId), requestedAt: w.requestedAt }));
  }

  private announceQueue(): void {
    const event: CallEvent = { type: 'queue', waiting: this.queueSnapshot() };
    for (const userId of this.notifier?.availableAgents() ?? []) this.send({ kind: 'agent', userId }, event);
    this.queue.forEach((w, i) => this.send({ kind: 'kiosk', kioskId: w.kioskId }, { type: 'queued', callId: w.callId, position: i + 1, waiting: this.queue.length }));
  }

  /** A kiosk asks for an agent: it joins the end of the queue. */
  async request(kioskId: string, lang: Language): Promise<string> {
    if (this.queue.some((w) => w.kioskId === kioskId) || this.callOf({ kind: 'kiosk', kioskId })) {
      throw new CallError('this kiosk is already waiting or in a call');
    }
    const waiting: Waiting = { callId: randomUUID(), kioskId, lang, requestedAt: new Date().toISOString(), lostTimer: null };
    const record: CallRecord = {
      id: waiting.callId,
      kioskId,
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
    this.queue.push(waiting);
    this.bus.emit('call.requested', { callId: waiting.callId, kioskId, at: waiting.requestedAt });
    this.announceQueue();
    return waiting.callId;
  }

  /** The kiosk gave up waiting (or left and did not come back): the request is recorded as abandoned. */
  async cancel(kioskId: string, reason: EndReason = 'abandoned'): Promise<void> {
    const index = this.queue.findIndex((w) => w.kioskId === kioskId);
    if (index < 0) throw new CallError('this kiosk is not waiting');
    const [waiting] = this.queue.splice(index, 1);
    if (waiting!.lostTimer) clearTimeout(waiting!.lostTimer);
    const at = new Date().toISOString();
    await this.updateRecord(waiting!.callId, (r) => {
      r.endedAt = at;
      r.endReason = reason;
    });
    this.send({ kind: 'kiosk', kioskId }, { type: 'callEnded', callId: waiting!.callId, reason });
    this.bus.emit('call.ended', { callId: waiting!.callId, reason, at });
    this.announceQueue();
  }

  /** An available agent takes the customer who has waited longest. */
  async acceptNext(userId: string): Promise<string> {
    if (this.callOf({ kind: 'agent', userId })) throw new CallError('you are already in a call');
    if (this.presence.get(userId).state !== 'available') throw new CallError('set yourself available to take calls');
    const waiting = this.queue.shift();
    if (!waiting) throw new CallError('nobody is waiting');
    if (waiting.lostTimer) clearTimeout(waiting.lostTimer);
    let media: CallMedia;
    try {
      media = await CallMedia.create(this.workers, this.options.rtc, () => void this.onMediaLost(waiting.callId));
    } catch (err) {
      this.queue.unshift(waiting);
      throw err;
    }
    const call: Active = {
      id: waiting.callId,
      kioskId: waiting.kioskId,
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
    this.bus.emit('call.answered', { callId: call.id, kioskId: call.kioskId, agentId: userId, at: answeredAt });
    this.log.info({ callId: call.id, worker: media.workerPid }, 'call started');
    this.startPeer(call, 'customer', false);
    this.startPeer(call, 'agent', false);
    this.announceQueue();
    return call.id;
  }

  private startPeer(call: Active, role: PeerRole, resumed: boolean): void {
    const chat = this.store.read((d) => d.calls.find((c) => c.id === call.id)?.chat ?? []);
    this.sendRole(call, role, {
      type: 'callStarted',
      callId: call.id,
      role,
      resumed,
      peerName: role === 'customer' ? this.names.agent(call.agentId) : this.names.kiosk(call.kioskId),
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
      void call.recorder.addTrack(call.media.router, producer, role);
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
    await this.updateRecord(call.id, (r) => {
      r.endedAt = endedAt;
      r.endReason = reason;
    });
    if (this.presence.get(call.agentId).state === 'busy') this.presence.set(call.agentId, 'wrap-up');
    for (const role of ['customer', 'agent'] as const) {
      const event: CallEvent = { type: 'callEnded', callId: call.id, reason };
      if (call.connected[role]) this.sendRole(call, role, event);
      else this.missedEnds.set(partyKey(partyOf(call, role)), event);
    }
    this.bus.emit('call.ended', { callId: call.id, reason, at: endedAt });
    this.log.info({ callId: call.id, reason }, 'call ended');
    const recording = await stopping;
    if (recording) await this.updateRecord(call.id, (r) => void (r.recording = recording));
  }

  /** The media of a call went with its worker: move it to another worker and have both peers rejoin. */
  private async onMediaLost(callId: string): Promise<void> {
    const call = this.active.get(callId);
    if (!call) return;
    this.log.warn({ callId }, 'call media lost with its worker; re-establishing');
    try {
      call.media = await CallMedia.create(this.workers, this.options.rtc, () => void this.onMediaLost(callId));
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
    const waiting = party.kind === 'kiosk' ? this.queue.find((w) => w.kioskId === party.kioskId) : undefined;
    if (waiting?.lostTimer) {
      clearTimeout(waiting.lostTimer);
      waiting.lostTimer = null;
      this.announceQueue();
    }
    if (party.kind === 'agent' && this.presence.get(party.userId).state === 'available') {
      this.send(party, { type: 'queue', waiting: this.queueSnapshot() });
    }
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
      const waiting = this.queue.find((w) => w.kioskId === party.kioskId);
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
    call.lostTimers[role] ??= setTimeout(() => void this.finish(call, role === 'customer' ? 'customer-lost' : 'agent-lost'), grace);
  }

  records(limit: number): CallRecord[] {
    return this.store.read((d) => d.calls.slice(-limit).reverse());
  }

  record(id: string): CallRecord | null {
    return this.store.read((d) => d.calls.find((c) => c.id === id) ?? null);
  }

  activeCalls(): { id: string; kioskId: string; agentId: string; media: CallMedia }[] {
    return [...this.active.values()].map(({ id, kioskId, agentId, media }) => ({ id, kioskId, agentId, media }));
  }

  async closeAll(): Promise<void> {
    for (const call of [...this.active.values()]) await this.finish(call, 'shutdown');
    for (const waiting of [...this.queue]) await this.cancel(waiting.kioskId, 'shutdown');
  }
}

function partyOf(call: { kioskId: string; agentId: string }, role: PeerRole): Party {
  return role === 'customer' ? { kind: 'kiosk', kioskId: call.kioskId } : { kind: 'agent', userId: call.agentId };
}
