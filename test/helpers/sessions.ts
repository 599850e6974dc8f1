import { newServiceSession } from '../../device/routing/index.js';
import type { ServiceSessionRecord } from '../../device/store/index.js';

/** A stored service session crafted by hand: a new one, with what the test says happened. */
export function craftedSession(id: string, startedAt: string, overrides: Partial<ServiceSessionRecord> = {}): ServiceSessionRecord {
  return { ...newServiceSession({ id, kioskId: 'kiosk-1', lang: 'en', startedAt }), ...overrides };
}
