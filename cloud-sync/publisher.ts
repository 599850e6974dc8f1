import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Outbox } from './outbox.js';
import { DURABLE_STREAMS, PROTOCOL_VERSION, topics, type DurableStream, type OutboxRecord, type UpBatch } from './protocol.js';

export interface PublisherOptions {
  deviceId: string;
  /** Records per MQTT message. */
  batchSize?: number;
  /** Unacknowledged messages at once, further capped by the broker's Receive Maximum. */
  window?: number;
}

export interface PublisherStats {
  acknowledged: number;
  published: number;
  failed: number;
  lastAckAt: string | null;
}

/**
 * Drains the outbox to the broker. Each stream is sent in order as batches of records, one QoS 1
 * message each; a batch is removed from the outbox only in the PUBACK callback. While the link is
 * down MQTT.js keeps unacknowledged messages and sends them again on reconnect; after a restart the
 * outbox still holds them and they are sent again, and the hub drops the copies by record id.
 */
export class OutboxPublisher {
  private readonly cursor = new Map<DurableStream, number>();
  private readonly inFlight = new Map<DurableStream, number>();
  private readonly rewind = new Set<DurableStream>();
  private totalInFlight = 0;
  private pumping = false;
  private again = false;
  private stopped = false;
  private readonly batchSize: number;
  private readonly window: number;
  readonly stats: PublisherStats = { acknowledged: 0, published: 0, failed: 0, lastAckAt: null };

  constructor(
    private readonly outbox: Outbox,
    private readonly client: MqttClient,
    private readonly options: PublisherOptions,
    private readonly log: Logger,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.window = options.window ?? 16;
    for (const stream of DURABLE_STREAMS) {
      this.cursor.set(stream, 0);
      this.inFlight.set(stream, 0);
    }
    outbox.onAdded(() => this.kick());
    client.on('connect', () => this.kick());
    this.kick();
  }

  private get allowedInFlight(): number {
    // The broker says in CONNACK how many QoS 1 messages it takes at once; more gets us disconnected.
    const receiveMaximum = (this.client as unknown as { _serverProperties?: { receiveMaximum?: number } })._serverProperties?.receiveMaximum;
    return Math.max(1, Math.min(this.window, receiveMaximum ?? this.window));
  }

  /** Starts a send pass unless one runs; a pass that is running goes round once more. */
  kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((err: Error) => this.log.error({ err: err.message }, 'outbox send pass failed'))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pump(): Promise<void> {
    let progress = true;
    while (progress && !this.stopped && this.client.connected) {
      progress = false;
      for (const stream of DURABLE_STREAMS) {
        if (this.totalInFlight >= this.allowedInFlight) return;
        if (this.rewind.has(stream) && this.inFlight.get(stream) === 0) {
          this.rewind.delete(stream);
          this.cursor.set(stream, 0);
        }
        if (this.rewind.has(stream)) continue;
        const records = await this.outbox.peek(stream, this.batchSize, this.cursor.get(stream));
        if (records.length === 0) continue;
        this.send(stream, records);
        progress = true;
      }
    }
  }

  private send(stream: DurableStream, records: OutboxRecord[]): void {
    this.cursor.set(stream, records[records.length - 1]!.seq);
    this.inFlight.set(stream, this.inFlight.get(stream)! + 1);
    this.totalInFlight += 1;
    const batch: UpBatch = { v: PROTOCOL_VERSION, records: records.map(({ id, seq, at, data }) => ({ id, seq, at, data })) };
    this.stats.published += records.length;
    this.client.publish(topics.up(this.options.deviceId, stream), JSON.stringify(batch), { qos: 1 }, (err) => {
      this.inFlight.set(stream, this.inFlight.get(stream)! - 1);
      this.totalInFlight -= 1;
      if (err) {
        // Not acknowledged: the records stay, and the stream is read again from its oldest record.
        this.stats.failed += records.length;
        this.rewind.add(stream);
        if (!this.stopped) this.log.warn({ stream, records: records.length, err: err.message }, 'outbox batch not acknowledged; will resend');
        this.kick();
        return;
      }
      this.outbox
        .remove(records)
        .then(() => {
          this.stats.acknowledged += records.length;
          this.stats.lastAckAt = new Date().toISOString();
        })
        .catch((removeErr: Error) => this.log.error({ err: removeErr.message }, 'could not remove acknowledged records; they will be sent again'))
        .finally(() => this.kick());
    });
  }

  stop(): void {
    this.stopped = true;
  }
}
