import type { PresenceState } from './presence.js';

/** Order of service: a VIP-line customer is ahead of everyone, a raised one ahead of the normal ones. */
export const PRIORITY = { normal: 0, raised: 1, vip: 2 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

export interface QueueEntry {
  id: string;
  /** The skill group the customer's intent belongs to. */
  skill: string;
  /** On the VIP line: agents of the VIP group may take them as well as agents of their skill. */
  vipLine: boolean;
  priority: Priority;
  enqueuedAt: number;
}

export interface AgentSlot {
  userId: string;
  skills: readonly string[];
  presence: PresenceState;
  /** Calls the agent holds now and at most. */
  active: number;
  capacity: number;
  /** When the agent last became free; the one free longest gets the next customer. */
  idleSince: number;
}

export interface QueueRules {
  /** After this long a customer may also be served by the fallback group. */
  overflowAfterMs: number;
  fallbackSkill: string;
  vipSkill: string;
}

export interface Assignment {
  entry: QueueEntry;
  agent: AgentSlot;
  /** Which rule made the agent eligible: their own skill, the VIP line, or overflow. */
  via: 'skill' | 'vip-line' | 'overflow';
}

export interface QueuePosition {
  position: number;
  /** Seconds until an agent is expected, from the recent handle time and the agents who could serve. */
  etaSeconds: number;
}

function compareEntries(a: QueueEntry, b: QueueEntry): number {
  return b.priority - a.priority || a.enqueuedAt - b.enqueuedAt;
}

/**
 * Per-skill queues of customers waiting for an agent. Pure logic over the entries and a snapshot of the
 * agents, so the fairness rules are tested without clocks or sockets: the customer first in service
 * order goes to the qualified agent who has been free longest.
 */
export class QueueEngine {
  private readonly entries = new Map<string, QueueEntry>();

  constructor(private readonly rules: QueueRules) {}

  add(entry: QueueEntry): void {
    this.entries.set(entry.id, entry);
  }

  remove(id: string): QueueEntry | null {
    const entry = this.entries.get(id) ?? null;
    this.entries.delete(id);
    return entry;
  }

  get(id: string): QueueEntry | null {
    return this.entries.get(id) ?? null;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Everyone waiting, in service order. */
  ordered(): QueueEntry[] {
    return [...this.entries.values()].sort(compareEntries);
  }

  /** Why an agent may take this customer, or null when they may not. */
  eligibility(agent: Pick<AgentSlot, 'skills'>, entry: QueueEntry, now: number): Assignment['via'] | null {
    if (agent.skills.includes(entry.skill)) return 'skill';
    if (entry.vipLine && agent.skills.includes(this.rules.vipSkill)) return 'vip-line';
    if (now - entry.enqueuedAt >= this.rules.overflowAfterMs && agent.skills.includes(this.rules.fallbackSkill)) return 'overflow';
    return null;
  }

  /**
   * The next customer to connect and to whom. A customer nobody free may serve does not hold up the
   * ones behind them whom a free agent can serve.
   */
  next(agents: readonly AgentSlot[], now: number): Assignment | null {
    const free = agents.filter((a) => a.presence === 'available' && a.active < a.capacity).sort((a, b) => a.idleSince - b.idleSince);
    for (const entry of this.ordered()) {
      for (const agent of free) {
        const via = this.eligibility(agent, entry, now);
        if (via) return { entry, agent, via };
      }
    }
    return null;
  }

  /**
   * A customer's place: the customers ahead in service order whom the same agents could take, and the
   * wait that means with the agents who are signed in (not away) and qualified.
   */
  position(id: string, agents: readonly AgentSlot[], now: number, handleSeconds: number): QueuePosition | null {
    const entry = this.entries.get(id);
    if (!entry) return null;
    const qualified = agents.filter((a) => a.presence !== 'away' && this.eligibility(a, entry, now) !== null);
    const ahead = this.ordered()
      .slice(0, this.ordered().findIndex((e) => e.id === id))
      .filter((other) => other.vipLine || other.skill === entry.skill).length;
    const servers = Math.max(1, qualified.reduce((sum, a) => sum + a.capacity, 0));
    // Agents busy now free up on average half a handle time from now.
    const busyOffset = qualified.length > 0 && qualified.every((a) => a.presence !== 'available') ? handleSeconds / 2 : 0;
    return { position: ahead + 1, etaSeconds: Math.round((ahead / servers) * handleSeconds + busyOffset) };
  }
}
