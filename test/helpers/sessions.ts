import type { ServiceSessionRecord } from '../../device/store/index.js';

/** A stored service session with nothing happened yet, for tests that craft sessions by hand. */
export function craftedSession(id: string, startedAt: string, overrides: Partial<ServiceSessionRecord> = {}): ServiceSessionRecord {
  return {
    id,
    kioskId: 'kiosk-1',
    lang: 'en',
    startedAt,
    customer: null,
    decisions: [],
    botAnsweredAt: null,
    callId: null,
    queuedAt: null,
    agentAnsweredAt: null,
    firstResponseAt: null,
    abandonedAt: null,
    escalatedAt: null,
    wrapUp: null,
    survey: null,
    ...overrides,
  };
}
