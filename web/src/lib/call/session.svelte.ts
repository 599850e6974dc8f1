import { Device, types } from 'mediasoup-client';
import type { ChatMessage } from '../../../../protocol/api/index.js';
import type { ServerEvent, SignallingClient } from './signalling';

export type ChatLine = ChatMessage;

export interface Quality {
  level: 'good' | 'fair' | 'poor' | 'unknown';
  rttMs: number | null;
  lossPct: number;
  fps: number;
  framesDecoded: number;
  /** The receive transport the figures are of: a rejoin starts a new one, and its counters from zero. */
  transportId: string | null;
}

type CallStarted = Extract<ServerEvent, { type: 'callStarted' }>;

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
  quality = $state<Quality>({ level: 'unknown', rttMs: null, lossPct: 0, fps: 0, framesDecoded: 0, transportId: null });
  mediaError = $state('');

  private sendTransport: types.Transport | null = null;
  private recvTransport: types.Transport | null = null;
  private device: Device | null = null;
  private readonly producers = new Map<'audio' | 'video', types.Producer>();
  private readonly consumers = new Map<string, types.Consumer>();
  /**
   * The other side's latest mute state per producer, from every event that told it. A pause can arrive
   * while that producer is still being consumed; what the consume started from must not undo it.
   */
  private readonly remotePaused = new Map<string, boolean>();
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrames = { frames: 0, at: 0 };
  private readonly decodedSeen = new Map<string, number>();
  private decodedTotal = 0;
  private joining: Promise<void> = Promise.resolve();
  private graceSeconds = 30;
  private giveUpTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly signalling: SignallingClient) {}

  /** Handles a call event; returns false for events that are not about the call. */
  handle(event: ServerEvent): boolean {
    switch (event.type) {
      case 'callStarted':
        this.joining = this.joining.then(() => this.join(event)).catch((err: Error) => {
          this.mediaError = err.message;
        });
        return true;
      case 'newProducer':
        this.remotePaused.set(event.producerId, event.paused);
        this.joining = this.joining.then(() => this.consume(event.producerId, event.kind));
        return true;
      case 'consumerClosed':
        this.dropConsumer(event.consumerId);
        return true;
      case 'producerPaused':
        this.remotePaused.set(event.producerId, event.paused);
        this.showRemotePaused(event.kind, event.paused);
        return true;
      case 'peerConnection':
        this.peerConnected = event.connected;
        return true;
      case 'chat':
        this.chat = [...this.chat, event.message];
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
    // The appliance's router sends mediasoup's own shape; the contract carries it as an opaque object.
    await this.device.load({ routerRtpCapabilities: started.routerRtpCapabilities as types.RtpCapabilities });
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
    for (const p of started.producers) {
      this.remotePaused.set(p.producerId, p.paused);
      await this.consume(p.producerId, p.kind);
    }
    this.startStats();
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    // mediasoup's own parameters pass through the appliance as they are: the contract checks their envelope only.
    const info = (await this.signalling.request('createTransport')) as types.TransportOptions;
    const transport = direction === 'send' ? this.device!.createSendTransport(info) : this.device!.createRecvTransport(info);
    transport.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.signalling.request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => ok(), fail);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters }, ok, fail) => {
        this.signalling
          .request('produce', { transportId: transport.id, kind, rtpParameters })
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
      const { iceParameters } = (await this.signalling.request('restartIce', { transportId: transport.id })) as { iceParameters: types.IceParameters };
      await transport.restartIce({ iceParameters });
    } catch {
      // The signalling socket is down too: when it returns the server makes this side rejoin.
    }
  }

  private showRemotePaused(kind: 'audio' | 'video', paused: boolean): void {
    if (kind === 'audio') this.remoteMicOn = !paused;
    else this.remoteCamOn = !paused;
  }

  private async consume(producerId: string, kind: 'audio' | 'video'): Promise<void> {
    if (!this.recvTransport || !this.device) return;
    const info = await this.signalling.request('consume', {
      transportId: this.recvTransport.id,
      producerId,
      rtpCapabilities: this.device.rtpCapabilities,
    });
    const consumer = await this.recvTransport.consume(info as types.ConsumerOptions);
    this.consumers.set(consumer.id, consumer);
    const stream = new MediaStream(this.remoteStream.getTracks().filter((t) => t.kind !== consumer.kind));
    stream.addTrack(consumer.track);
    this.remoteStream = stream;
    this.showRemotePaused(kind, this.remotePaused.get(producerId) ?? false);
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

  /**
   * Ends the call. A press of End call while the link to the appliance is down (or drops on the way)
   * is sent again when it is back, for as long as the appliance holds the call; otherwise the call
   * would run on there until its grace ran out and be recorded as lost instead of ended.
   */
  async end(): Promise<void> {
    const deadline = Date.now() + this.graceSeconds * 1000;
    for (;;) {
      try {
        await this.signalling.request('endCall');
        return;
      } catch (err) {
        const lostLink = !this.signalling.connected || /connection lost|timed out/.test((err as Error).message);
        if (!lostLink || Date.now() >= deadline) throw err;
        await this.signalling.whenConnected(deadline - Date.now());
      }
    }
  }

  private startStats(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => void this.sampleStats(), STATS_EVERY_MS);
  }

  private async sampleStats(): Promise<void> {
    const transport = this.recvTransport;
    if (!transport || transport.closed) return;
    const report = await transport.getStats();
    let received = 0;
    let lost = 0;
    let rttMs: number | null = null;
    report.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp') {
        if (s.kind === 'video') this.countDecoded(`${transport.id}:${String(s.id)}`, Number(s.framesDecoded ?? 0));
        received += Number(s.packetsReceived ?? 0);
        lost += Math.max(0, Number(s.packetsLost ?? 0));
      }
      if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') rttMs = Math.round(s.currentRoundTripTime * 1000);
    });
    const now = performance.now();
    const framesDecoded = this.decodedTotal;
    const fps = this.lastFrames.at ? Math.max(0, ((framesDecoded - this.lastFrames.frames) * 1000) / (now - this.lastFrames.at)) : 0;
    this.lastFrames = { frames: framesDecoded, at: now };
    const lossPct = received + lost > 0 ? (lost / (received + lost)) * 100 : 0;
    const level = received === 0 ? 'unknown' : lossPct > 8 || (rttMs ?? 0) > 400 ? 'poor' : lossPct > 2 || (rttMs ?? 0) > 150 ? 'fair' : 'good';
    this.quality = { level, rttMs, lossPct: Math.round(lossPct * 10) / 10, fps: Math.round(fps), framesDecoded, transportId: transport.id };
  }

  /**
   * Frames decoded in this call so far. Each consumer's counter starts from zero, and a rejoin or the
   * other side's new producer replaces consumers, so the call's figure adds up what each one decoded.
   */
  private countDecoded(statKey: string, frames: number): void {
    const seen = this.decodedSeen.get(statKey) ?? 0;
    if (frames > seen) this.decodedTotal += frames - seen;
    this.decodedSeen.set(statKey, frames);
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
