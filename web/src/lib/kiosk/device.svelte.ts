import { api, ApiError, type Kiosk } from '$lib/api';
import { CallClient, type CallClientHandlers } from '$lib/call/client.svelte';

const TOKEN_KEY = 'branchline.kioskToken';

/**
 * This kiosk's registration: its device token (kept on the device), the appliance's record of it, and
 * the connection that stays open so the appliance knows it is there and can call it back.
 */
export class KioskDevice {
  token = $state<string | null>(null);
  kiosk = $state<Kiosk | null>(null);
  client = $state<CallClient | null>(null);
  readonly #handlers: CallClientHandlers;

  constructor(handlers: CallClientHandlers) {
    this.#handlers = handlers;
  }

  /** The token this device was registered with before, if it still holds. */
  restore(): void {
    const saved = localStorage.getItem(TOKEN_KEY);
    if (saved) void this.register(saved);
  }

  /** Staff paste a device token: kept and connected if the appliance knows it. */
  async register(candidate: string): Promise<Kiosk | null> {
    try {
      const me = await api<{ kiosk: Kiosk }>('GET', '/api/kiosk/me', undefined, { authorization: `Bearer ${candidate}` });
      this.token = candidate;
      this.kiosk = me.kiosk;
      localStorage.setItem(TOKEN_KEY, candidate);
      this.client?.stop();
      this.client = new CallClient(candidate, 'customer-lost', this.#handlers);
      return me.kiosk;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        localStorage.removeItem(TOKEN_KEY);
        this.token = null;
        this.kiosk = null;
      }
      return null;
    }
  }

  stop(): void {
    this.client?.stop();
  }
}
