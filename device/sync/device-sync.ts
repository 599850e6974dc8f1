import path from 'node:path';
import type { Logger } from 'pino';
import type { MqttLink } from './connection.js';
import type { Outbox } from './outbox.js';
import { heartbeatSchema, PROTOCOL_VERSION, topics, type Heartbeat } from '../../protocol/index.js';
import { OutboxPublisher, type PublisherStats } from './publisher.js';
import { Updater, type ReleaseHandler } from './updater.js';
import type { ReleaseKind } from '../../protocol/index.js';

export interface DeviceSyncOptions {
  deviceId: string;
  group: string;
  appVersion: string;
  dataDir: string;
  heartbeatSeconds: number;
  publicKeyPem: string | null;
  handlers: Record<ReleaseKind, ReleaseHandler>;
  checkSettings(settings: Record<string, unknown>): string | null;
  remoteConfigVersion: string | null;
}

export interface SyncStatus {
  connected: boolean;
  broker: string;
  backlog: number;
  publisher: PublisherStats;
  versions: Heartbeat['versions'];
  lastHeartbeatAt: string | null;
}

/**
 * What the appliance runs to talk to the cloud: the publisher that drains the outbox, heartbeats and
 * updates. The outbox is the journal's and is fed inside its transactions whether or not this runs.
 */
export class DeviceSync {
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastHeartbeatAt: string | null = null;
  private readonly started = Date.now();

  private constructor(
    private readonly link: MqttLink,
    readonly outbox: Outbox,
    readonly publisher: OutboxPublisher,
    readonly updater: Updater,
    private readonly options: DeviceSyncOptions,
    private readonly log: Logger,
  ) {}

  static async start(link: MqttLink, outbox: Outbox, options: DeviceSyncOptions, log: Logger): Promise<DeviceSync> {
    const publisher = new OutboxPublisher(outbox, link.client, { deviceId: options.deviceId }, log);
    const updater = new Updater(
      link.client,
      outbox,
      {
        deviceId: options.deviceId,
        root: path.join(options.dataDir, 'releases'),
        publicKeyPem: options.publicKeyPem,
        handlers: options.handlers,
        remoteConfigFile: path.join(options.dataDir, 'remote-config.json'),
        checkSettings: options.checkSettings,
      },
      log,
    );
    const sync = new DeviceSync(link, outbox, publisher, updater, options, log);
    await updater.start();
    const beat = (): void => void sync.heartbeat().catch((err: Error) => log.warn({ err: err.message }, 'heartbeat could not be made'));
    link.client.on('connect', beat);
    sync.heartbeatTimer = setInterval(beat, options.heartbeatSeconds * 1000);
    sync.heartbeatTimer.unref();
    if (link.client.connected) await sync.heartbeat();
    return sync;
  }

  private async versions(): Promise<Heartbeat['versions']> {
    return { ...(await this.updater.versions()), config: this.options.remoteConfigVersion };
  }

  /** Heartbeats are not kept in the outbox: only the latest one means anything. */
  async heartbeat(): Promise<void> {
    if (!this.link.client.connected) return;
    const beat = heartbeatSchema.parse({
      v: PROTOCOL_VERSION,
      at: new Date().toISOString(),
      group: this.options.group,
      appVersion: this.options.appVersion,
      versions: await this.versions(),
      outboxBacklog: this.outbox.backlog,
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
    });
    try {
      await this.link.client.publishAsync(topics.up(this.options.deviceId, 'heartbeat'), JSON.stringify(beat), { qos: 1 });
      this.lastHeartbeatAt = beat.at;
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'heartbeat not sent');
    }
  }

  async status(): Promise<SyncStatus> {
    return {
      connected: this.link.client.connected,
      broker: this.link.safeUrl,
      backlog: this.outbox.backlog,
      publisher: { ...this.publisher.stats },
      versions: await this.versions(),
      lastHeartbeatAt: this.lastHeartbeatAt,
    };
  }

  close(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.publisher.stop();
    this.updater.stop();
  }
}
