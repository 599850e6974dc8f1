import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.js';
import { CallMediaError, otherRole, type ConsumerInfo, type MediaKind, type PeerRole, type TransportInfo } from '../media/index.js';
import { CallError } from './errors.js';
import type { LiveCall, LiveCalls } from './live-calls.js';
import type { Party } from './messages.js';

/**
 * The media of the calls in progress, passed through for their two sides: transports, producers and
 * consumers, with the other side told of what changes and every track handed to the call's recorder.
 */
export class MediaRelay {
  constructor(
    private readonly live: LiveCalls,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  private async inCall<T>(party: Party, action: (call: LiveCall, role: PeerRole) => Promise<T>): Promise<T> {
    const { call, role } = this.live.require(party);
    try {
      return await action(call, role);
    } catch (err) {
      if (err instanceof CallMediaError) throw new CallError(err.message);
      throw err;
    }
  }

  createTransport(party: Party): Promise<TransportInfo> {
    return this.inCall(party, (call, role) => call.media.createTransport(role));
  }

  connectTransport(party: Party, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    return this.inCall(party, (call, role) => call.media.connectTransport(role, transportId, dtlsParameters));
  }

  restartIce(party: Party, transportId: string): Promise<types.IceParameters> {
    return this.inCall(party, (call, role) => call.media.restartIce(role, transportId));
  }

  produce(party: Party, transportId: string, kind: MediaKind, rtpParameters: types.RtpParameters, paused: boolean): Promise<string> {
    return this.inCall(party, async (call, role) => {
      const producer = await call.media.produce(role, transportId, kind, rtpParameters, paused);
      this.live.sendRole(call, otherRole(role), { type: 'newProducer', producerId: producer.id, kind, paused });
      call.recorder.addTrack(call.media.router, producer, role).catch((err: Error) => this.log.warn({ callId: call.id, err: err.message }, 'a track could not be recorded'));
      this.bus.emit('call.producer', { callId: call.id, role, kind, producerId: producer.id, at: new Date().toISOString() });
      return producer.id;
    });
  }

  consume(party: Party, transportId: string, producerId: string, rtpCapabilities: types.RtpCapabilities): Promise<ConsumerInfo> {
    return this.inCall(party, async (call, role) => {
      const { info, consumer } = await call.media.consume(role, transportId, producerId, rtpCapabilities);
      consumer.on('producerclose', () => this.live.sendRole(call, role, { type: 'consumerClosed', consumerId: consumer.id }));
      return info;
    });
  }

  resumeConsumer(party: Party, consumerId: string): Promise<void> {
    return this.inCall(party, (call, role) => call.media.resumeConsumer(role, consumerId));
  }

  setProducerPaused(party: Party, producerId: string, paused: boolean): Promise<void> {
    return this.inCall(party, async (call, role) => {
      await call.media.setProducerPaused(role, producerId, paused);
      const kind = call.media.producers(role).find((p) => p.id === producerId)!.kind;
      this.live.sendRole(call, otherRole(role), { type: 'producerPaused', producerId, kind, paused });
    });
  }

  /** A side's audio or video producer of a live call, with its router, for analysis taps. */
  producerOf(callId: string, role: PeerRole, kind: MediaKind): { router: types.Router; producer: types.Producer } | null {
    const call = this.live.get(callId);
    const producer = call?.media.producers(role).find((p) => p.kind === kind);
    return call && producer ? { router: call.media.router, producer } : null;
  }
}
