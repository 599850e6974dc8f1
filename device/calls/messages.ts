import type { CallEvent } from '../../protocol/api/index.js';

// The wire's shapes (protocol/api/signalling.ts): the signalling sends them, the web app parses them.
export type { CallEvent, QueueItem } from '../../protocol/api/index.js';

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
