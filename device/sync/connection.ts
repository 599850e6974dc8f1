import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export interface MqttLinkOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  /** 5 for real brokers; 4 (3.1.1) for the embedded aedes broker, which does not speak MQTT 5. */
  protocolVersion: 4 | 5;
  /** First wait before reconnecting; it doubles at each failed attempt up to `reconnectMaxMs`. */
  reconnectPeriodMs?: number;
  reconnectMaxMs?: number;
}

export interface MqttHealth {
  up: boolean;
  detail: string;
}

/**
 * The device's MQTT v5 connection. MQTT.js reconnects by itself and queues QoS 1 publishes while the
 * broker is away; this class only watches the link so the health endpoint and the logs can tell.
 */
export class MqttLink {
  readonly client: MqttClient;
  private lastError: string | null = null;
  private reconnects = 0;
  private connectedSince: string | null = null;
  private closing = false;
  private readonly listeners: ((connected: boolean) => void)[] = [];
  private failedAttempts = 0;

  constructor(
    private readonly options: MqttLinkOptions,
    private readonly log: Logger,
  ) {
    this.client = mqtt.connect(options.url, {
      protocolVersion: options.protocolVersion,
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      // A persistent session keeps QoS 1 messages for this device while it is offline.
      clean: false,
      ...(options.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 7 * 24 * 3600 } } : {}),
    });
    this.client.on('connect', () => {
      this.failedAttempts = 0;
      this.client.options.reconnectPeriod = this.initialDelay;
      this.connectedSince = new Date().toISOString();
      this.lastError = null;
      this.log.info({ broker: this.safeUrl }, 'mqtt connected');
      this.notify(true);
    });
    this.client.on('close', () => {
      if (this.connectedSince !== null && !this.closing) {
        this.log.warn({ broker: this.safeUrl }, 'mqtt connection lost; reconnecting');
        this.notify(false);
      }
      this.connectedSince = null;
    });
    this.client.on('reconnect', () => {
      this.reconnects += 1;
      this.backOff();
    });
    this.client.on('error', (err) => {
      this.lastError = err.message;
      this.log.warn({ broker: this.safeUrl, err: err.message }, 'mqtt error');
    });
  }

  private get initialDelay(): number {
    return this.options.reconnectPeriodMs ?? 1000;
  }

  /**
   * MQTT.js retries on a fixed interval. A fleet of appliances retrying every second against a broker
   * that is coming back up would flatten it, so each attempt doubles the wait (with jitter, up to the
   * maximum): the interval timer is dropped here and MQTT.js starts a new one, with the new period, when
   * this attempt's connection closes.
   */
  private backOff(): void {
    this.failedAttempts += 1;
    const ceiling = Math.min(this.options.reconnectMaxMs ?? 30_000, this.initialDelay * 2 ** this.failedAttempts);
    this.client.options.reconnectPeriod = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    const timers = this.client as unknown as { reconnectTimer: NodeJS.Timeout | null };
    if (timers.reconnectTimer) {
      clearInterval(timers.reconnectTimer);
      timers.reconnectTimer = null;
    }
  }

  /** The broker URL without any credentials it might carry. */
  get safeUrl(): string {
    const url = new URL(this.options.url);
    url.username = '';
    url.password = '';
    return url.toString();
  }

  onStatus(listener: (connected: boolean) => void): void {
    this.listeners.push(listener);
  }

  private notify(connected: boolean): void {
    for (const listener of this.listeners) listener(connected);
  }

  /** Resolves at the first connection, or rejects after the timeout (the client keeps trying). */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('connect', onConnect);
        reject(new Error(`no MQTT connection to ${this.safeUrl} within ${timeoutMs} ms${this.lastError ? `: ${this.lastError}` : ''}`));
      }, timeoutMs);
      const onConnect = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('connect', onConnect);
    });
  }

  health(): MqttHealth {
    if (this.client.connected) {
      return { up: true, detail: `connected to ${this.safeUrl} (MQTT ${this.options.protocolVersion === 5 ? '5' : '3.1.1'}) since ${this.connectedSince}` };
    }
    const why = this.lastError ? `; last error: ${this.lastError}` : '';
    return { up: false, detail: `not connected to ${this.safeUrl} (${this.reconnects} reconnect attempts${why})` };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client.endAsync();
  }
}
