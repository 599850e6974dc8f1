import type { Logger } from 'pino';
import { CallMedia, CallRecorder, otherRole, type MediaWorkers, type PeerRole, type RtcSettings } from '../media/index.js';
import type { Presence } from '../routing/index.js';
import type { ChatMessage, EndReason } from '../store/index.js';
import type { CallDesk, CallRequest } from './call-queue.js';
import type { CallRecords } from './call-records.js';
import type { Directory } from './directory.js';
import { CallError } from './errors.js';
import { partyKey, type CallEvent, type CallNotifier, type Party } from './messages.js';

/** A call between a kiosk and an agent, from its answer to its end. */
export interface LiveCall {
  id: string;
  kioskId: string;
  sessionId: string | null;
  agentId: string;
  media: CallMedia;
  recorder: CallRecorder;
  connected: Record<PeerRole, boolean>;
  lostTimers: Partial<Record<PeerRole, NodeJS.Timeout>>;
}

export interface LiveCallsOptions {
  reconnectSeconds: number;
  rtc: RtcSettings;
  recordingsDir: string;
}

/**
 * The calls in progress and each one's life: started for both sides, a side that drops held for the
 * reconnect grace and put back when it returns, media moved to another worker when its worker dies,
 * and the end, told to both sides whatever happens to its record.
 */
export class LiveCalls implements CallDesk {
  private readonly active = new Map<string, LiveCall>();
  /** The end of a call, kept for a side that was away when it ended, to tell it when it comes back. */
  private readonly missedEnds = new Map<string, CallEvent>();

  constructor(
    private readonly records: CallRecords,
    private readonly workers: MediaWorkers,
    private readonly presence: Presence,
    private readonly directory: Directory,
    private readonly options: LiveCallsOptions,
    private readonly notifier: CallNotifier,
    private readonly log: Logger,
  ) {}

  find(party: Party): { call: LiveCall; role: PeerRole } | null {
    for (const call of this.active.values()) {
      if (party.kind === 'kiosk' && call.kioskId === party.kioskId) return { call, role: 'customer' };
      if (party.kind === 'agent' && call.agentId === party.userId) return { call, role: 'agent' };
    }
    return null;
  }

  require(party: Party): { call: LiveCall; role: PeerRole } {
    const found = this.find(party);
    if (!found) throw new CallError('you are not in a call');
    return found;
  }

  inCall(party: Party): boolean {
    return this.find(party) !== null;
  }

  get(callId: string): LiveCall | undefined {
    return this.active.get(callId);
  }

  all(): LiveCall[] {
    return [...this.active.values()];
  }

  sendRole(call: LiveCall, role: PeerRole, event: CallEvent): void {
    this.notifier.send(partyOf(call, role), event);
  }

  /** The chosen agent takes the chosen customer: media is set up and both sides are told. */
  async answer(request: CallRequest, agentId: string, via: string, claim: () => boolean): Promise<void> {
    const media = await CallMedia.create(this.workers, this.options.rtc, () => this.onMediaLost(request.id));
    if (!claim()) {
      // The customer gave up while the media was being set up.
      media.close();
      return;
    }
    const call: LiveCall = {
      id: request.id,
      kioskId: request.kioskId,
      sessionId: request.sessionId,
      agentId,
      media,
      recorder: new CallRecorder(this.options.recordingsDir, request.id, this.log),
      connected: { customer: true, agent: true },
      lostTimers: {},
    };
    this.active.set(call.id, call);
    this.presence.set(agentId, 'busy');
    await this.records.answered(call, agentId, via, new Date().toISOString());
    this.log.info({ callId: call.id, worker: media.workerPid, skill: request.skill, via }, 'call started');
    this.startPeer(call, 'customer', false);
    this.startPeer(call, 'agent', false);
  }

  private startPeer(call: LiveCall, role: PeerRole, resumed: boolean): void {
    this.sendRole(call, role, {
      type: 'callStarted',
      callId: call.id,
      role,
      resumed,
      peerName: role === 'customer' ? this.directory.agent(call.agentId) : this.directory.kiosk(call.kioskId),
      sessionId: call.sessionId,
      routerRtpCapabilities: call.media.rtpCapabilities,
      producers: call.media.producers(otherRole(role)).map((p) => ({ producerId: p.id, kind: p.kind, paused: p.paused })),
      chat: this.records.repository.chatOf(call.id),
      graceSeconds: this.options.reconnectSeconds,
    });
  }

  /** A client whose transports failed starts over within the same call: new transports, new producers. */
  rejoin(party: Party): void {
    const { call, role } = this.require(party);
    call.media.resetPeer(role);
    this.startPeer(call, role, true);
  }

  async chat(party: Party, text: string): Promise<ChatMessage> {
    const { call, role } = this.require(party);
    const message: ChatMessage = { from: role, text, at: new Date().toISOString() };
    await this.records.chat(call, message);
    this.sendRole(call, 'customer', { type: 'chat', message });
    this.sendRole(call, 'agent', { type: 'chat', message });
    return message;
  }

  async end(party: Party): Promise<void> {
    const { call, role } = this.require(party);
    await this.finish(call, role === 'customer' ? 'customer-ended' : 'agent-ended');
  }

  private async finish(call: LiveCall, reason: EndReason): Promise<void> {
    if (!this.active.delete(call.id)) return;
    for (const timer of Object.values(call.lostTimers)) clearTimeout(timer);
    // The recorder's legs must stop before the router goes, so ffmpeg can close its files cleanly.
    const stopping = call.recorder.finish();
    call.media.close();
    // The call is over whether or not its end can be written: both sides and the agent's presence must
    // move on, and a record left open is closed at the next start (`repairInterrupted`).
    let recordError: unknown = null;
    try {
      await this.records.ended(call.id, reason, new Date().toISOString());
    } catch (err) {
      recordError = err;
    }
    if (this.presence.get(call.agentId).state === 'busy') this.presence.set(call.agentId, 'wrap-up');
    for (const role of ['customer', 'agent'] as const) {
      const event: CallEvent = { type: 'callEnded', callId: call.id, reason };
      if (call.connected[role]) this.sendRole(call, role, event);
      else this.missedEnds.set(partyKey(partyOf(call, role)), event);
    }
    this.log.info({ callId: call.id, reason }, 'call ended');
    const recording = await stopping;
    if (recordError) throw recordError;
    if (recording) await this.records.recorded(call.id, recording);
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

  /** A kiosk or agent connection authenticated: it hears of an end it missed, or takes its place in its call again. */
  connected(party: Party): void {
    const missed = this.missedEnds.get(partyKey(party));
    if (missed) {
      this.missedEnds.delete(partyKey(party));
      this.notifier.send(party, missed);
    }
    const found = this.find(party);
    if (!found) return;
    const { call, role } = found;
    const timer = call.lostTimers[role];
    if (timer) clearTimeout(timer);
    delete call.lostTimers[role];
    call.connected[role] = true;
    this.rejoin(party);
    this.sendRole(call, otherRole(role), { type: 'peerConnection', connected: true, graceSeconds: this.options.reconnectSeconds });
  }

  /** A connection closed. The side has the reconnect grace period to come back before its call ends. */
  disconnected(party: Party): void {
    const found = this.find(party);
    if (!found) return;
    const { call, role } = found;
    call.connected[role] = false;
    this.sendRole(call, otherRole(role), { type: 'peerConnection', connected: false, graceSeconds: this.options.reconnectSeconds });
    call.lostTimers[role] ??= setTimeout(() => {
      this.finish(call, role === 'customer' ? 'customer-lost' : 'agent-lost').catch((err: Error) => this.log.error({ callId: call.id, err: err.message }, 'could not end a call whose side did not come back'));
    }, this.options.reconnectSeconds * 1000);
  }

  async closeAll(): Promise<void> {
    for (const call of [...this.active.values()]) await this.finish(call, 'shutdown');
  }
}

function partyOf(call: { kioskId: string; agentId: string }, role: PeerRole): Party {
  return role === 'customer' ? { kind: 'kiosk', kioskId: call.kioskId } : { kind: 'agent', userId: call.agentId };
}
