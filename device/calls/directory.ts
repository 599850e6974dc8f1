import type { QueueRoute } from '../routing/index.js';

/** What the call service needs to know about kiosks, agents and where a kiosk's request goes. */
export interface Directory {
  kiosk(kioskId: string): string;
  agent(userId: string): string;
  agentSkills(userId: string): readonly string[];
  /** Throws when the session is not this kiosk's. */
  route(kioskId: string, sessionId: string | null): QueueRoute;
}
