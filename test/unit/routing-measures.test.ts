import { describe, expect, it } from 'vitest';
import { computeMeasures } from '../../device/routing/index.js';
import type { ServiceSessionRecord } from '../../device/store/index.js';
import { craftedSession } from '../helpers/sessions.js';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const decision = { at: at(1), text: 'q', kind: 'queue' as const, label: 'x.y.z', confidence: 0.9, candidates: [], route: { skill: 's', vipLine: false, priority: 0 }, rules: [], explanation: '' };

function session(overrides: Partial<ServiceSessionRecord>): ServiceSessionRecord {
  return craftedSession(crypto.randomUUID(), at(0), { kioskId: 'k', decisions: [decision], ...overrides });
}

const wrap = (confirmed: boolean) => ({ routedLabel: 'x.y.z', label: confirmed ? 'x.y.z' : 'x.y.other', confirmed, resolved: true, by: 'a', at: at(300) });

describe('routing measures from stored sessions', () => {
  it('counts a bot answer or an agent within 30 s as a response, and waits 30 s before counting an open one as a miss', () => {
    const sessions = [
      session({ botAnsweredAt: at(2), firstResponseAt: at(2) }),
      session({ queuedAt: at(3), agentAnsweredAt: at(30), firstResponseAt: at(30), wrapUp: wrap(true) }),
      session({ queuedAt: at(3), agentAnsweredAt: at(95), firstResponseAt: at(95), wrapUp: wrap(false) }),
      session({ queuedAt: at(3), abandonedAt: at(50) }),
      // Nothing asked, nothing queued: a visit that never became a request.
      session({ decisions: [] }),
    ];
    expect(computeMeasures(sessions, T0 + 120_000)).toEqual({ sessions: 4, responseRate30s: 0.5, reviewed: 2, matchingAccuracy: 0.5, abandoned: 1 });
  });

  it('does not count a session still inside its first 30 s without an answer', () => {
    const open = session({ queuedAt: at(1) });
    expect(computeMeasures([open], T0 + 10_000)).toMatchObject({ sessions: 0, responseRate30s: null });
    expect(computeMeasures([open], T0 + 31_000)).toMatchObject({ sessions: 1, responseRate30s: 0 });
    expect(computeMeasures([], T0)).toEqual({ sessions: 0, responseRate30s: null, reviewed: 0, matchingAccuracy: null, abandoned: 0 });
  });
});
