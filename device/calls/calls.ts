import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { EventBus, FactJournal } from '../bus.js';
import type { CallMedia, ConsumerInfo, MediaKind, MediaWorkers, PeerRole, RtcSettings, TransportInfo } from '../media/index.js';
import type { Presence, QueueRules } from '../routing/index.js';
import type { CallRecord, ChatMessage, Language } from '../store/index.js';
import { CallQueue } from './call-queue.js';
import { CallRecords } from './call-records.js';
import type { Directory } from './directory.js';
import { LiveCalls } from './live-calls.js';
import { MediaRelay } from './media-relay.js';
import type { CallNotifier, Party, QueueItem } from './messages.js';

export interface CallsOptions {
  reconnectSeconds: number;
  rtc: RtcSettings;
  recordingsDir: string;
  queue: QueueRules;
}

/**
 * Calls between kiosks and agents, for the signalling layer, the HTTP API and the appliance: the queue
 * (`CallQueue`), the calls in progress (`LiveCalls`), their media (`MediaRelay`) and their records
 * (`CallRecords`). It learns who is connected from the signalling layer and talks back through a notifier.
 */
export class Calls {
  private notifier: CallNotifier | null = null;
  private readonly records: CallRecords;
  private readonly queue: CallQueue;
  private readonly live: LiveCalls;
  private readonly media: MediaRelay;

  constructor(journal: FactJournal, bus: EventBus, workers: MediaWorkers, presence: Presence, directory: Directory, options: CallsOptions, log: Logger) {
    // The parts talk to whichever signalling layer is attached, also one attached after they were made.
    const notifier: CallNotifier = { send: (to, event) => this.notifier?.send(to, event), connectedAgents: () => this.connectedAgents() };
    this.records = new CallRecords(journal);
    this.live = new LiveCalls(this.records, workers, presence, directory, options, notifier, log);
    this.queue = new CallQueue(this.records, bus, presence, directory, options, notifier, this.live, log);
    this.media = new MediaRelay(this.live, bus, log);
  }

  attach(notifier: CallNotifier): void {
    this.notifier = notifier;
  }

  /** Agents with a signalling connection open now. */
  connectedAgents(): string[] {
    return this.notifier?.connectedAgents() ?? [];
  }

  queueSnapshot(): QueueItem[] {
    return this.queue.snapshot();
  }

  request(kioskId: string, lang: Language, sessionId: string | null): Promise<string> {
    return this.queue.request(kioskId, lang, sessionId);
  }

  cancel(kioskId: string): Promise<void> {
    return this.queue.cancel(kioskId);
  }

  settled(): Promise<void> {
    return this.queue.settled();
  }

  createTransport(party: Party): Promise<TransportInfo> {
    return this.media.createTransport(party);
  }

  connectTransport(party: Party, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    return this.media.connectTransport(party, transportId, dtlsParameters);
  }

  restartIce(party: Party, transportId: string): Promise<types.IceParameters> {
    return this.media.restartIce(party, transportId);
  }

  produce(party: Party, transportId: string, kind: MediaKind, rtpParameters: types.RtpParameters, paused: boolean): Promise<string> {
    return this.media.produce(party, transportId, kind, rtpParameters, paused);
  }

  consume(party: Party, transportId: string, producerId: string, rtpCapabilities: types.RtpCapabilities): Promise<ConsumerInfo> {
    return this.media.consume(party, transportId, producerId, rtpCapabilities);
  }

  resumeConsumer(party: Party, consumerId: string): Promise<void> {
    return this.media.resumeConsumer(party, consumerId);
  }

  setProducerPaused(party: Party, producerId: string, paused: boolean): Promise<void> {
    return this.media.setProducerPaused(party, producerId, paused);
  }

  rejoin(party: Party): void {
    this.live.rejoin(party);
  }

  chat(party: Party, text: string): Promise<ChatMessage> {
    return this.live.chat(party, text);
  }

  end(party: Party): Promise<void> {
    return this.live.end(party);
  }

  /** Closes calls a crash or a failed write left without an end, as `interrupted`. Run once at start. */
  repairInterrupted(): Promise<number> {
    return this.records.repairInterrupted();
  }

  /** A kiosk or agent connection authenticated: if it was in a call or waiting, it takes its place again. */
  connected(party: Party): void {
    this.live.connected(party);
    this.queue.connected(party);
  }

  /** A connection closed. The party has the reconnect grace period to come back before it loses its place. */
  disconnected(party: Party): void {
    this.queue.disconnected(party);
    this.live.disconnected(party);
  }

  /** The newest call records first. */
  recentCalls(limit: number): CallRecord[] {
    return this.records.repository.recentCalls(limit);
  }

  record(callId: string): CallRecord | null {
    return this.records.repository.record(callId);
  }

  /** Calls requested in [fromIso, toIso), oldest first. */
  callsBetween(fromIso: string, toIso: string): CallRecord[] {
    return this.records.repository.callsBetween(fromIso, toIso);
  }

  /** The call records of a service session, oldest first. */
  callsOfSession(sessionId: string): CallRecord[] {
    return this.records.repository.callsOfSession(sessionId);
  }

  /** The agents who took calls of a service session. */
  agentsOfSession(sessionId: string): string[] {
    return this.records.repository.agentsOfSession(sessionId);
  }

  /** The agent in a call, if it is in progress. */
  agentOfCall(callId: string): string | null {
    return this.live.get(callId)?.agentId ?? null;
  }

  /** A side's audio or video producer of a live call, with its router, for analysis taps. */
  producerOf(callId: string, role: PeerRole, kind: MediaKind): { router: types.Router; producer: types.Producer } | null {
    return this.media.producerOf(callId, role, kind);
  }

  activeCalls(): { id: string; kioskId: string; agentId: string; media: CallMedia }[] {
    return this.live.all().map(({ id, kioskId, agentId, media }) => ({ id, kioskId, agentId, media }));
  }

  async closeAll(): Promise<void> {
    await this.queue.close();
    await this.live.closeAll();
  }
}
