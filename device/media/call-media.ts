import type { types } from 'mediasoup';
import type { MediaWorkers } from './workers.js';

type Router = types.Router;
type WebRtcTransport = types.WebRtcTransport;
type Producer = types.Producer;
type Consumer = types.Consumer;

export type PeerRole = 'customer' | 'agent';
export type MediaKind = 'audio' | 'video';

export interface RtcSettings {
  listenIp: string;
  announcedAddress?: string;
  minPort: number;
  maxPort: number;
}

export const MEDIA_CODECS: types.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 800 } },
];

// A browser needs one send and one receive transport, and a producer per track; the margin covers a
// rejoin before the old ones are gone. Anything beyond is a misbehaving client.
const MAX_TRANSPORTS_PER_PEER = 4;
const MAX_PRODUCERS_PER_PEER = 4;
const MAX_CONSUMERS_PER_PEER = 8;

export class CallMediaError extends Error {
  override name = 'CallMediaError';
}

interface Peer {
  transports: Map<string, WebRtcTransport>;
  producers: Map<string, Producer>;
  consumers: Map<string, Consumer>;
}

export interface TransportInfo {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

export interface ConsumerInfo {
  id: string;
  producerId: string;
  kind: MediaKind;
  rtpParameters: types.RtpParameters;
}

/**
 * The media side of one call: a router on one of the workers, and for each of the two peers the
 * transports, producers and consumers it owns. Every id a client sends is looked up in that peer's own
 * maps, so a client can never touch another peer's (or another call's) objects.
 */
export class CallMedia {
  private readonly peers: Record<PeerRole, Peer> = { customer: emptyPeer(), agent: emptyPeer() };
  private closed = false;

  private constructor(
    readonly router: Router,
    private readonly rtc: RtcSettings,
    readonly workerPid: number,
  ) {}

  static async create(workers: MediaWorkers, rtc: RtcSettings, onLost: () => void): Promise<CallMedia> {
    const worker = workers.leastLoaded();
    if (!worker) throw new CallMediaError('no mediasoup worker is running');
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const media = new CallMedia(router, rtc, worker.pid);
    // A router closes by itself only when its worker died: the call's media is gone.
    router.observer.once('close', () => {
      if (!media.closed) {
        media.closed = true;
        onLost();
      }
    });
    return media;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  private peer(role: PeerRole): Peer {
    if (this.closed) throw new CallMediaError('the call has no media any more');
    return this.peers[role];
  }

  private owned<T>(map: Map<string, T>, id: string, what: string): T {
    const found = map.get(id);
    if (!found) throw new CallMediaError(`unknown ${what} id`);
    return found;
  }

  async createTransport(role: PeerRole): Promise<TransportInfo> {
    const peer = this.peer(role);
    if (peer.transports.size >= MAX_TRANSPORTS_PER_PEER) throw new CallMediaError('too many transports');
    const transport = await this.router.createWebRtcTransport({
      listenInfos: [
        {
          protocol: 'udp',
          ip: this.rtc.listenIp,
          ...(this.rtc.announcedAddress ? { announcedAddress: this.rtc.announcedAddress } : {}),
          portRange: { min: this.rtc.minPort, max: this.rtc.maxPort },
        },
      ],
      enableUdp: true,
      initialAvailableOutgoingBitrate: 800_000,
    });
    peer.transports.set(transport.id, transport);
    transport.observer.once('close', () => peer.transports.delete(transport.id));
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectTransport(role: PeerRole, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.owned(this.peer(role).transports, transportId, 'transport').connect({ dtlsParameters });
  }

  async restartIce(role: PeerRole, transportId: string): Promise<types.IceParameters> {
    return this.owned(this.peer(role).transports, transportId, 'transport').restartIce();
  }

  async produce(role: PeerRole, transportId: string, kind: MediaKind, rtpParameters: types.RtpParameters, paused: boolean): Promise<Producer> {
    const peer = this.peer(role);
    if (peer.producers.size >= MAX_PRODUCERS_PER_PEER) throw new CallMediaError('too many producers');
    const transport = this.owned(peer.transports, transportId, 'transport');
    const producer = await transport.produce({ kind, rtpParameters, paused, appData: { role } });
    peer.producers.set(producer.id, producer);
    producer.observer.once('close', () => peer.producers.delete(producer.id));
    return producer;
  }

  /** A consumer for `role` of a producer of the other peer, created paused (the client resumes it once ready). */
  async consume(role: PeerRole, transportId: string, producerId: string, rtpCapabilities: types.RtpCapabilities): Promise<{ info: ConsumerInfo; consumer: Consumer }> {
    const peer = this.peer(role);
    if (peer.consumers.size >= MAX_CONSUMERS_PER_PEER) throw new CallMediaError('too many consumers');
    const transport = this.owned(peer.transports, transportId, 'transport');
    const other = this.peers[otherRole(role)];
    this.owned(other.producers, producerId, 'producer');
    if (!this.router.canConsume({ producerId, rtpCapabilities })) throw new CallMediaError('these capabilities cannot receive that producer');
    const consumer = await transport.consume({ producerId, rtpCapabilities, paused: true });
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => peer.consumers.delete(consumer.id));
    return { info: { id: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters }, consumer };
  }

  async resumeConsumer(role: PeerRole, consumerId: string): Promise<void> {
    await this.owned(this.peer(role).consumers, consumerId, 'consumer').resume();
  }

  async setProducerPaused(role: PeerRole, producerId: string, paused: boolean): Promise<void> {
    const producer = this.owned(this.peer(role).producers, producerId, 'producer');
    if (paused) await producer.pause();
    else await producer.resume();
  }

  producers(role: PeerRole): Producer[] {
    return this.closed ? [] : [...this.peers[role].producers.values()];
  }

  /** Closes everything a peer had (its producers' consumers on the other side close with them). */
  resetPeer(role: PeerRole): void {
    for (const transport of [...this.peers[role].transports.values()]) transport.close();
  }

  /** Bytes each peer's consumers have sent out, per kind: proof that media crosses the SFU. */
  async consumerBytes(): Promise<Record<PeerRole, Record<MediaKind, number>>> {
    const result: Record<PeerRole, Record<MediaKind, number>> = { customer: { audio: 0, video: 0 }, agent: { audio: 0, video: 0 } };
    for (const role of ['customer', 'agent'] as const) {
      for (const consumer of this.peers[role].consumers.values()) {
        const stats = await consumer.getStats();
        const outbound = stats.find((s) => s.type === 'outbound-rtp');
        result[role][consumer.kind] += outbound?.byteCount ?? 0;
      }
    }
    return result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.router.close();
  }
}

export function otherRole(role: PeerRole): PeerRole {
  return role === 'customer' ? 'agent' : 'customer';
}

function emptyPeer(): Peer {
  return { transports: new Map(), producers: new Map(), consumers: new Map() };
}
