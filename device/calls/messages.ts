import type { MediaKind, PeerRole } from '../media/index.js';
import type { ChatMessage, EndReason, SenseAlert } from '../store/index.js';

/** A waiting customer as an agent sees them in the queues of their skills. */
export interface QueueItem {
  callId: string;
  lang: string;
  kioskName: string;
  requestedAt: string;
  skill: string;
  vipLine: boolean;
  priority: number;
}

/** What the appliance tells a kiosk or an agent about calls, whatever carries it (WebSocket today). */
export type CallEvent =
  | { type: 'queued'; callId: string; position: number; etaSeconds: number; waiting: number }
  | { type: 'queue'; waiting: QueueItem[] }
  | {
      type: 'callStarted';
      callId: string;
      role: PeerRole;
      resumed: boolean;
      peerName: string;
      sessionId: string | null;
      routerRtpCapabilities: unknown;
      producers: { producerId: string; kind: MediaKind; paused: boolean }[];
      chat: ChatMessage[];
      /** How long the appliance holds the call for a side whose connection dropped. */
      graceSeconds: number;
    }
  | { type: 'newProducer'; producerId: string; kind: MediaKind; paused: boolean }
  | { type: 'producerPaused'; producerId: string; kind: MediaKind; paused: boolean }
  | { type: 'consumerClosed'; consumerId: string }
  | { type: 'peerConnection'; connected: boolean; graceSeconds: number }
  | { type: 'chat'; message: ChatMessage }
  | { type: 'callEnded'; callId: string; reason: EndReason }
  | { type: 'alert'; alert: SenseAlert; kioskName: string }
  | {
      type: 'emotion';
      sessionId: string;
      callId: string | null;
      channel: string;
      fused: { valence: number; arousal: number; label: string };
      face: { dominant: string | null; score: number; micro: string | null } | null;
    };

export type Party = { kind: 'kiosk'; kioskId: string } | { kind: 'agent'; userId: string };

/** One string per party, for maps keyed by who is connected. */
export function partyKey(party: Party): string {
  return party.kind === 'kiosk' ? `kiosk:${party.kioskId}` : `agent:${party.userId}`;
}

/** How the call service reaches the people in it; the signalling server implements it. */
export interface CallNotifier {
  send(to: Party, event: CallEvent): void;
  /** Agents with an open connection: the ones a call can be given to. */
  connectedAgents(): string[];
}
