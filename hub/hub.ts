import { createHash, randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { keepSubscribed } from '../protocol/index.js';
import type { Logger } from 'pino';
import {
  chunkSchema,
  DURABLE_STREAMS,
  fetchSchema,
  heartbeatSchema,
  parsePayload,
  PROTOCOL_VERSION,
  recordData,
  REMOTE_SETTINGS,
  topics,
  upBatchSchema,
  type DurableStream,
} from '../protocol/index.js';
import { HubError } from './errors.js';
import type { ReleaseShelf } from './releases.js';
import { HubStoreUnavailable, type DeviceRolloutState, type HubStore, type Rollout, type RolloutTarget, type StoredRecord } from './store/index.js';

export interface HubStats {
  messages: number;
  chunksServed: number;
  rejected: number;
  lastRejection: string | null;
  /** Messages that found the database away and were left unacknowledged, to come again. */
  unacknowledged: number;
  /** Since when the database has been away, as this instance saw it. */
  databaseDownSince: string | null;
}

/** A release is offered again to a target device that has said nothing about it after this long. */
const REOFFER_MS = 60_000;
/** How long a message waits for the database to come back before its connection is dropped for redelivery. */
const STORE_WAIT_MS = 15_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The cloud side of sync. It takes device messages through a shared subscription, stores records
 * before acknowledging them (so a hub that dies mid-message leaves the broker to redeliver), keeps the
 * fleet's status from heartbeats, serves release chunks, and pushes releases, configuration and
 * rollbacks.
 */
export class Hub {
  readonly stats: HubStats = { messages: 0, chunksServed: 0, rejected: 0, lastRejection: null, unacknowledged: 0, databaseDownSince: null };
  private readonly offered = new Map<string, number>();

  constructor(
    readonly store: HubStore,
    readonly releases: ReleaseShelf,
    private readonly client: MqttClient,
    private readonly log: Logger,
  ) {}

  /** Subscribes; with `shared`, hub instances in the same group each get a share of the devices' messages. */
  async start(shared: boolean): Promise<void> {
    // MQTT.js sends the PUBACK when this callback is called, so a record is acknowledged only once stored.
    this.client.handleMessage = (packet, done) => {
      this.stats.messages += 1;
      this.handleWhenStored(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload))
        .then(() => done())
        .catch((err: Error) => {
          // Not stored: no PUBACK and no receipt; the connection is dropped, the broker delivers the
          // message again and the device keeps the records in its outbox until a receipt comes.
          this.stats.unacknowledged += 1;
          this.log.error({ err: err.message, topic: packet.topic }, 'hub could not store a message; dropping the connection so it is redelivered');
          this.client.stream.destroy();
        });
    };
    try {
      await keepSubscribed(this.client, [topics.hubFilter(shared)], this.log);
    } catch (err) {
      throw new Error(`the hub could not subscribe: ${(err as Error).message}`);
    }
  }

  private reject(topic: string, why: string): void {
    this.stats.rejected += 1;
    this.stats.lastRejection = `${topic}: ${why}`;
    this.log.warn({ topic, why }, 'hub rejected a device message');
  }

  /**
   * Handles a message; while the database is away it waits for it (up to STORE_WAIT_MS) and tries
   * once more, so a short restart or failover costs a pause rather than a redelivery of everything.
   */
  private async handleWhenStored(topic: string, payload: Buffer): Promise<void> {
    try {
      await this.handle(topic, payload);
      this.stats.databaseDownSince = null;
      return;
    } catch (err) {
      if (!(err instanceof HubStoreUnavailable)) throw err;
      if (!this.stats.databaseDownSince) {
        this.stats.databaseDownSince = new Date().toISOString();
        this.log.error({ err: err.message }, 'hub database unavailable: messages are not acknowledged until it returns');
      }
    }
    const deadline = Date.now() + STORE_WAIT_MS;
    for (let wait = 250; Date.now() < deadline; wait = Math.min(wait * 2, 2000)) {
      await pause(wait);
      if (await this.store.ping().then(() => true, () => false)) break;
    }
    await this.handle(topic, payload);
    this.stats.databaseDownSince = null;
    this.log.info('hub database available again');
  }

  async handle(topic: string, payload: Buffer): Promise<void> {
    const where = topics.parse(topic);
    if (!where || where.direction !== 'up') return this.reject(topic, 'not a device-to-cloud topic of this protocol version');
    const { deviceId, name } = where;
    if ((DURABLE_STREAMS as readonly string[]).includes(name)) return this.ingest(topic, deviceId, name as DurableStream, payload);
    if (name === 'heartbeat') return this.heartbeat(topic, deviceId, payload);
    if (name === 'fetch') return this.serveChunk(topic, deviceId, payload);
    this.reject(topic, `unknown stream ${name}`);
  }

  private async ingest(topic: string, deviceId: string, stream: DurableStream, payload: Buffer): Promise<void> {
    const batch = parsePayload(upBatchSchema, payload);
    if (!batch.ok) return this.reject(topic, batch.error);
    const receivedAt = new Date().toISOString();
    const records: StoredRecord[] = [];
    for (const r of batch.value.records) {
      const data = recordData[stream].safeParse(r.data);
      if (!data.success) {
        this.reject(topic, `record ${r.id}: ${data.error.issues[0]?.path.join('.')}: ${data.error.issues[0]?.message}`);
        continue;
      }
      records.push({ id: r.id, deviceId, stream, seq: r.seq, at: r.at, receivedAt, data: data.data });
    }
    await this.store.ingest(records);
    // Confirmed whether new or a copy: the device drops the batch from its outbox only on this receipt.
    const seqs = batch.value.records.map((r) => r.seq);
    const receipt = { v: PROTOCOL_VERSION, stream, first: Math.min(...seqs), last: Math.max(...seqs) };
    this.send(topics.down(deviceId, 'receipt'), receipt);
  }

  private async heartbeat(topic: string, deviceId: string, payload: Buffer): Promise<void> {
    const beat = parsePayload(heartbeatSchema, payload);
    if (!beat.ok) return this.reject(topic, beat.error);
    const b = beat.value;
    await this.store.saveDevice({ deviceId, group: b.group, lastSeen: b.at, appVersion: b.appVersion, versions: b.versions, outboxBacklog: b.outboxBacklog, uptimeSeconds: b.uptimeSeconds });
    await this.reoffer(deviceId, b.versions);
  }

  /** A target device that missed a release (offline, or its broker session was lost) is offered it again. */
  private async reoffer(deviceId: string, versions: Record<string, string | null>): Promise<void> {
    for (const rollout of await this.store.rollouts()) {
      if (rollout.rolledBackAt || !rollout.devices.includes(deviceId) || versions[rollout.kind] === rollout.version) continue;
      const states = await this.store.deviceRolloutStates(rollout.releaseId);
      if (states.has(deviceId)) continue;
      const key = `${rollout.releaseId}/${deviceId}`;
      if (Date.now() - (this.offered.get(key) ?? 0) < REOFFER_MS) continue;
      await this.offer(rollout.releaseId, deviceId);
    }
  }

  private async serveChunk(topic: string, deviceId: string, payload: Buffer): Promise<void> {
    const request = parsePayload(fetchSchema, payload);
    if (!request.ok) return this.reject(topic, request.error);
    const { releaseId, file, index } = request.value;
    const rollouts = await this.store.rollouts();
    if (!rollouts.some((r) => r.releaseId === releaseId && r.devices.includes(deviceId))) return this.reject(topic, `release ${releaseId} was not pushed to ${deviceId}`);
    const chunk = await this.releases.chunk(releaseId, file, index);
    if (!chunk) return this.reject(topic, `release ${releaseId} has no file ${file}`);
    const message = chunkSchema.parse({ v: PROTOCOL_VERSION, releaseId, file, index, last: chunk.last, data: chunk.data.toString('base64') });
    this.stats.chunksServed += 1;
    this.send(topics.down(deviceId, 'chunk'), message);
  }

  /**
   * Publishes to a device without waiting for the broker's PUBACK: MQTT.js reads that PUBACK on the same
   * stream whose message `handleMessage` is still processing, so waiting for it there never ends. MQTT.js
   * keeps the QoS 1 message and resends it after a reconnect.
   */
  private send(topic: string, message: unknown): void {
    this.client.publish(topic, JSON.stringify(message), { qos: 1 }, (err) => {
      if (err) this.log.warn({ topic, err: err.message }, 'hub could not publish to a device');
    });
  }

  private async offer(releaseId: string, deviceId: string): Promise<void> {
    const release = await this.releases.get(releaseId);
    if (!release) throw new HubError('not-found', `release ${releaseId} is not on this hub`);
    this.offered.set(`${releaseId}/${deviceId}`, Date.now());
    this.send(topics.down(deviceId, 'release'), { v: PROTOCOL_VERSION, manifest: release.manifestText, signature: release.signature });
  }

  /** Which known devices a target means; a canary percentage picks a stable, evenly spread subset. */
  async targets(target: RolloutTarget, salt: string): Promise<string[]> {
    const devices = await this.store.devices();
    if ('all' in target) return devices.map((d) => d.deviceId).sort();
    if ('group' in target) return devices.filter((d) => d.group === target.group).map((d) => d.deviceId).sort();
    const ranked = devices
      .map((d) => ({ id: d.deviceId, rank: createHash('sha256').update(`${salt}/${d.deviceId}`).digest('hex') }))
      .sort((a, b) => a.rank.localeCompare(b.rank));
    return ranked
      .slice(0, Math.ceil((devices.length * target.percent) / 100))
      .map((d) => d.id)
      .sort();
  }

  async push(releaseId: string, target: RolloutTarget, actor: string): Promise<Rollout> {
    const release = await this.releases.get(releaseId);
    if (!release) throw new HubError('not-found', `release ${releaseId} is not on this hub; upload it first`);
    const id = randomUUID();
    const devices = await this.targets(target, id);
    if (devices.length === 0) throw new HubError('invalid', 'no known device matches that target');
    const at = new Date().toISOString();
    const rollout: Rollout = { id, releaseId, kind: release.manifest.kind, version: release.manifest.version, target, devices, createdAt: at, createdBy: actor, rolledBackAt: null, rolledBackBy: null };
    await this.store.saveRollout(rollout, { at, actor, action: 'release.push', detail: { rollout: id, releaseId, kind: rollout.kind, version: rollout.version, target, devices: devices.length } });
    for (const deviceId of devices) await this.offer(releaseId, deviceId);
    this.log.info({ rollout: id, release: releaseId, devices: devices.length }, 'release pushed');
    return rollout;
  }

  async status(rolloutId: string): Promise<{ rollout: Rollout; devices: (DeviceRolloutState & { deviceId: string })[]; counts: Record<string, number> }> {
    const rollout = await this.store.rollout(rolloutId);
    if (!rollout) throw new HubError('not-found', `no rollout ${rolloutId}`);
    const states = await this.store.deviceRolloutStates(rollout.releaseId);
    const devices = rollout.devices.map((deviceId) => ({ deviceId, ...(states.get(deviceId) ?? { state: 'pending', reason: null, at: rollout.createdAt }) }));
    const counts: Record<string, number> = {};
    for (const d of devices) counts[d.state] = (counts[d.state] ?? 0) + 1;
    return { rollout, devices, counts };
  }

  async rollback(rolloutId: string, actor: string): Promise<Rollout> {
    const rollout = await this.store.rollout(rolloutId);
    if (!rollout) throw new HubError('not-found', `no rollout ${rolloutId}`);
    if (rollout.rolledBackAt) throw new HubError('conflict', `rollout ${rolloutId} was already rolled back at ${rollout.rolledBackAt}`);
    const at = new Date().toISOString();
    const updated = { ...rollout, rolledBackAt: at, rolledBackBy: actor };
    await this.store.saveRollout(updated, { at, actor, action: 'release.rollback', detail: { rollout: rolloutId, releaseId: rollout.releaseId, kind: rollout.kind, version: rollout.version } });
    for (const deviceId of rollout.devices) {
      this.send(topics.down(deviceId, 'rollback'), { v: PROTOCOL_VERSION, kind: rollout.kind, releaseId: rollout.releaseId });
    }
    this.log.info({ rollout: rolloutId }, 'rollout rolled back');
    return updated;
  }

  async pushConfig(settings: Partial<Record<(typeof REMOTE_SETTINGS)[number], string | number>>, target: RolloutTarget, actor: string): Promise<{ version: string; devices: string[] }> {
    const at = new Date().toISOString();
    const version = at.replace(/[-:.TZ]/g, '').slice(0, 17);
    const devices = await this.targets(target, version);
    if (devices.length === 0) throw new HubError('invalid', 'no known device matches that target');
    // Recorded before it is sent: a change that reached a device is never missing from the log.
    await this.store.audit(null, { at, actor, action: 'config.push', detail: { version, settings, target, devices: devices.length } });
    for (const deviceId of devices) {
      this.send(topics.down(deviceId, 'config'), { v: PROTOCOL_VERSION, version, settings });
    }
    return { version, devices };
  }
}
