import type { PRESENCE_STATES } from '../../protocol/api/index.js';
import type { EventBus } from '../bus.js';

export { PRESENCE_STATES } from '../../protocol/api/index.js';
export type PresenceState = (typeof PRESENCE_STATES)[number];

export interface AgentPresence {
  userId: string;
  state: PresenceState;
  since: string;
}

/** Where each agent stands right now. Kept in memory: after a restart every agent starts away. */
export class Presence {
  private readonly states = new Map<string, AgentPresence>();

  constructor(private readonly bus: EventBus) {}

  get(userId: string): AgentPresence {
    return this.states.get(userId) ?? { userId, state: 'away', since: new Date(0).toISOString() };
  }

  set(userId: string, state: PresenceState): AgentPresence {
    const current = this.states.get(userId);
    if (current?.state === state) return current;
    const next = { userId, state, since: new Date().toISOString() };
    this.states.set(userId, next);
    this.bus.emit('agent.presence', { userId, presence: state, at: next.since });
    return next;
  }
}
