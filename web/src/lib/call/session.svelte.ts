import { Device, types } from 'mediasoup-client';
import type { ServerEvent, SignallingClient } from './signalling';

export interface ChatLine {
  from: 'customer' | 'agent';
  text: string;
  at: string;
}

export interface Quality {
  level: 'good' | 'fair' | 'poor' | 'unknown';
  rttMs: number | null;
  lossPct: number;
  fps: number;
  framesDecoded: number;
}

interface CallStarted {
  callId: string;
  role: 'customer' | 'agent';
  resumed: boolean;
  peerName: string;
  routerRtpCapabilities: types.RtpCapabilities;
  producers: { producerId: string; kind: 'audio' | 'video'; paused: boolean }[];
  chat: ChatLine[];
  graceSeconds: number;
}

const ICE_RESTART_AFTER_MS = 2000;
const STATS_EVERY_MS = 1000;

/**
 * One side of a call in the browser: a mediasoup-client Device, a send and a receive transport, the
 * local camera and microphone, and what arrives from the other side. On a rejoin (new router, or this
 * side's connection came back) everything but the local tracks is rebuilt.
 */
export class CallSession {
  callId = $state('');
  role = $state<'customer' | 'agent'>('customer');
  peerName = $state('');
  localStream = $state<MediaStream | null>(null);
  remoteStream = $state<MediaStream>(new MediaStream());
  micOn = $state(true);
  camOn = $state(true);
  remoteMicOn = $state(true);
  remoteCamOn = $state(true);
  peerConnected = $state(true);
  chat = $state<ChatLine[]>([]);
  quality = $state<Quality>({ level: 'unknown', rttMs: null, lossPct: 0, fps: 0, framesDecoded: 0 });
  mediaError = $state('');

  private sendTransport: types.Transport | null = null;
  private recvTransport: types.Transport | null = null;
  private device: Device | null = null;
  private readonly producers = new Map<'audio' | 'video', types.Producer>();
  private readonly consumers = new Map<string, types.Consumer>();
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrames = { frames: 0, at: 0 };
  private joining: Promise<void> = Promise.resolve();
  private graceSeconds = 30;
  private giveUpTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly signalling: SignallingClient) {}

  /** Handles a call event; returns false for events that are not about the call. */
  handle(event: ServerEvent): boolean {
    switch (event.type) {
      case 'callStarted':
        this.joining = this.joining.then(() => this.join(event as unknown as CallStarted)).catch((err: Error) => {
          this.mediaError = err.message;
        });
        return true;
      case 'newProducer':
        this.joining = this.joining.then(() => this.consume(event.producerId as string, event.paused as boolean, event.kind as 'audio' | 'video'));
        return true;
      case 'consumerClosed':
        this.dropConsumer(event.consumerId as string);
        return true;
      case 'producerPaused':
        if (event.kind === 'audio') this.remoteMicOn = !event.paused;
        else this.remoteCamOn = !event.paused;
        return true;
      case 'peerConnection':
        this.peerConnected = event.connected as boolean;
        return true;
      case 'chat':
        this.chat = [...this.chat, event.message as ChatLine];
        return true;
      default:
        return false;
    }
  }

  private async join(started: CallStarted): Promise<void> {
    this.teardownTransports();
    this.callId = started.callId;
    this.role = started.role;
    this.peerName = started.peerName;
    this.chat = started.chat;
    this.graceSeconds = started.graceSeconds;
    this.peerConnected = true;
    this.device = new Device();
    await this.device.load({ routerRtpCapabilities: started.routerRtpCapabilities });
    this.sendTransport = await this.createTransport('send');
    this.recvTransport = await this.createTransport('recv');
    if (!this.localStream) {
      this.localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480, frameRate: 20 } });
    }
    for (const track of this.localStream.getTracks()) {
      const kind = track.kind as 'audio' | 'video';
      const producer = await this.sendTransport.produce({ track, stopTracks: false, ...(kind === 'video' ? { encodings: [{ maxBitrate: 600_000 }] } : {}) });
      this.producers.set(kind, producer);
      if ((kind === 'audio' && !this.micOn) || (kind === 'video' && !this.camOn)) await this.setPaused(kind, true);
    }
    for (const p of started.producers) await this.consume(p.producerId, p.paused, p.kind);
    this.startStats();
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const info = await this.signalling.request<types.TransportOptions>('createTransport');
    const transport = direction === 'send' ? this.device!.createSendTransport(info) : this.device!.createRecvTransport(info);
    transport.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.signalling.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => ok(), fail);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters }, ok, fail) => {
        this.signalling
          .request<{ producerId: string }>('produce', { transportId: transport.id, kind, rtpParameters })
          .then(({ producerId }) => ok({ id: producerId }), fail);
      });
    }
    let restartTimer: ReturnType<typeof setTimeout> | null = null;
    transport.on('connectionstatechange', (state) => {
      if (restartTimer) clearTimeout(restartTimer);
      if (state === 'disconnected') {
        // Give a brief glitch a moment to heal before restarting ICE.
        restartTimer = setTimeout(() => void this.restartIce(transport), ICE_RESTART_AFTER_MS);
      } else if (state === 'failed' && !transport.closed) {
        this.signalling.request('rejoin').catch(() => undefined);
      }
    });
    return transport;
  }

  private async restartIce(transport: types.Transport): Promise<void> {
    if (transport.closed || transport.connectionState !== 'disconnected') return;
    try {
      const { iceParameters } = await this.signalling.request<{ iceParameters: types.IceParameters }>('restartIce', { transportId: transport.id });
      await transport.restartIce({ iceParameters });
    } catch {
      // The signalling socket is down too: when it returns the server makes this side rejoin.
    }
  }

  private async consume(producerId: string, paused: boolean, kind: 'audio' | 'video'): Promise<void> {
    if (!this.recvTransport || !this.device) return;
    const info = await this.signalling.request<{ id: string; producerId: string; kind: 'audio' | 'video'; rtpParameters: types.RtpParameters }>('consume', {
      transportId: this.recvTransport.id,
      producerId,
      rtpCapabilities: this.device.rtpCapabilities,
    });
    const consumer = await this.recvTransport.consume(info);
    this.consumers.set(consumer.id, consumer);
    const stream = new MediaStream(this.remoteStream.getTracks().filter((t) => t.kind !== consumer.kind));
    stream.addTrack(consumer.track);
    this.remoteStream = stream;
    if (kind === 'audio') this.remoteMicOn = !paused;
    else this.remoteCamOn = !paused;
    await this.signalling.request('resumeConsumer', { consumerId: consumer.id });
  }

  private dropConsumer(consumerId: string): void {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) return;
    consumer.close();
    this.consumers.delete(consumerId);
    this.remoteStream = new MediaStream(this.remoteStream.getTracks().filter((t) => t !== consumer.track));
  }

  private async setPaused(kind: 'audio' | 'video', paused: boolean): Promise<void> {
    const producer = this.producers.get(kind);
    if (!producer || producer.closed) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.signalling.request('setProducerPaused', { producerId: producer.id, paused });
  }

  /**
   * Follows this side's link to the appliance. If it stays down past the appliance's grace period the
   * call is over there too, so `giveUp` ends it here without waiting for a message that cannot arrive.
   */
  connectionChanged(connected: boolean, giveUp: () => void): void {
    if (connected) {
      if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
      this.giveUpTimer = null;
    } else {
      // Every failed reconnection attempt reports "down" again; the clock runs from the first.
      this.giveUpTimer ??= setTimeout(giveUp, (this.graceSeconds + 5) * 1000);
    }
  }

  async toggleMic(): Promise<void> {
    this.micOn = !this.micOn;
    await this.setPaused('audio', !this.micOn);
  }

  async toggleCamera(): Promise<void> {
    this.camOn = !this.camOn;
    await this.setPaused('video', !this.camOn);
  }

  async sendChat(text: string): Promise<void> {
    await this.signalling.request('chat', { text });
  }

  async end(): Promise<void> {
    await this.signalling.request('endCall');
  }

  private startStats(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => void this.sampleStats(), STATS_EVERY_MS);
  }

  private async sampleStats(): Promise<void> {
    const transport = this.recvTransport;
    if (!transport || transport.closed) return;
    const report = await transport.getStats();
    let framesDecoded = 0;
    let received = 0;
    let lost = 0;
    let rttMs: number | null = null;
    report.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp') {
        if (s.kind === 'video') framesDecoded += Number(s.framesDecoded ?? 0);
        received += Number(s.packetsReceived ?? 0);
        lost += Math.max(0, Number(s.packetsLost ?? 0));
      }
      if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') rttMs = Math.round(s.currentRoundTripTime * 1000);
    });
    const now = performance.now();
    const fps = this.lastFrames.at ? Math.max(0, ((framesDecoded - this.lastFrames.frames) * 1000) / (now - this.lastFrames.at)) : 0;
    this.lastFrames = { frames: framesDecoded, at: now };
    const lossPct = received + lost > 0 ? (lost / (received + lost)) * 100 : 0;
    const level = received === 0 ? 'unknown' : lossPct > 8 || (rttMs ?? 0) > 400 ? 'poor' : lossPct > 2 || (rttMs ?? 0) > 150 ? 'fair' : 'good';
    this.quality = { level, rttMs, lossPct: Math.round(lossPct * 10) / 10, fps: Math.round(fps), framesDecoded };
  }

  private teardownTransports(): void {
    for (const consumer of this.consumers.values()) consumer.close();
    this.consumers.clear();
    this.producers.clear();
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = null;
    this.recvTransport = null;
    this.remoteStream = new MediaStream();
    this.lastFrames = { frames: 0, at: 0 };
  }

  /** Everything stops: the call is over. */
  close(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    this.teardownTransports();
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    this.localStream = null;
  }
}
