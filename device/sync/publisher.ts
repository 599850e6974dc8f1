import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { keepSubscribed } from '../../protocol/index.js';
import type { Outbox } from './outbox.js';
import { DURABLE_STREAMS, parsePayload, PROTOCOL_VERSION, receiptSchema, topics, type DurableStream, type OutboxRecord, type UpBatch } from '../../protocol/index.js';

export interface PublisherOptions {
  deviceId: string;
  /** Records per MQTT message. */
  batchSize?: number;
  /** Batches sent and not yet confirmed by the hub, at most; also kept under the broker's Receive Maximum. */
  window?: number;
  /** How long to wait for the hub's receipt before sending a stream again; doubles while none comes. */
  receiptTimeoutMs?: number;
}

export interface PublisherStats {
  /** Records the hub confirmed it stored. */
  acknowledged: number;
  published: number;
  resent: number;
  lastAckAt: string | null;
}

interface SentBatch {
  stream: DurableStream;
  first: number;
  last: number;
  /** How long this batch was given; the next wait doubles from it. */
  waitMs: number;
  timer: NodeJS.Timeout;
}

const MAX_RECEIPT_WAIT_MS = 2 * 60_000;

/**
 * Drains the outbox to the cloud. Each stream goes in order as batches of records, one QoS 1 message
 * each. A broker's PUBACK only means the broker has the message: a broker that restarts can still drop
 * it before any hub subscribed (mosquitto 2.0 loses shared subscriptions across a restart), so records
 * leave the outbox when the hub's receipt says they are stored. A batch with no receipt in time, or one
 * the broker refused, makes its stream start again from its oldest record; the hub drops the copies by
 * record id and confirms them again.
 */
export class OutboxPublisher {
  private readonly cursor = new Map<DurableStream, number>();
  private readonly inFlight = new Map<DurableStream, number>();
  private readonly rewind = new Set<DurableStream>();
  private readonly sent = new Map<string, SentBatch>();
  private scheduled = false;
  private stopped = false;
  private receiptWaitMs: number;
  private readonly batchSize: number;
  private readonly window: number;
  readonly stats: PublisherStats = { acknowledged: 0, published: 0, resent: 0, lastAckAt: null };

  constructor(
    private readonly outbox: Outbox,
    private readonly client: MqttClient,
    private readonly options: PublisherOptions,
    private readonly log: Logger,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.window = options.window ?? 16;
    this.receiptWaitMs = options.receiptTimeoutMs ?? 10_000;
    for (const stream of DURABLE_STREAMS) {
      this.cursor.set(stream, 0);
      this.inFlight.set(stream, 0);
    }
    const receipts = topics.down(options.deviceId, 'receipt');
    client.on('message', (topic, payload) => {
      if (topic === receipts) this.onReceipt(payload);
    });
    keepSubscribed(client, [receipts], log).catch((err: Error) => log.warn({ err: err.message }, 'could not subscribe to hub receipts'));
    client.on('connect', () => this.kick());
    outbox.onAdded(() => this.kick());
  }

  private get allowedInFlight(): number {
    // The broker says in CONNACK how many QoS 1 messages it takes at once; more gets us disconnected.
    const receiveMaximum = (this.client as unknown as { _serverProperties?: { receiveMaximum?: number } })._serverProperties?.receiveMaximum;
    return Math.max(1, Math.min(this.window, receiveMaximum ?? this.window));
  }

  /** Sends what may go now, once per turn of the event loop however often it is asked (a commit of many records asks for each). */
  kick(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.pump();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'outbox send pass failed');
      }
    });
  }

  private pump(): void {
    let progress = true;
    while (progress && !this.stopped && this.client.connected) {
      progress = false;
      for (const stream of DURABLE_STREAMS) {
        if (this.sent.size >= this.allowedInFlight) return;
        if (this.rewind.has(stream)) {
          if (this.inFlight.get(stream)! > 0) continue;
          this.rewind.delete(stream);
          this.cursor.set(stream, 0);
        }
        const records = this.outbox.peek(stream, this.batchSize, this.cursor.get(stream));
        if (records.length === 0) continue;
        this.send(stream, records);
        progress = true;
      }
    }
  }

  private send(stream: DurableStream, records: OutboxRecord[]): void {
    const first = records[0]!.seq;
    const last = records[records.length - 1]!.seq;
    this.cursor.set(stream, last);
    const key = `${stream}/${first}/${last}`;
    this.settle(key);
    this.inFlight.set(stream, this.inFlight.get(stream)! + 1);
    this.sent.set(key, { stream, first, last, waitMs: this.receiptWaitMs, timer: setTimeout(() => this.noReceipt(key), this.receiptWaitMs) });
    const batch: UpBatch = { v: PROTOCOL_VERSION, records: records.map(({ id, seq, at, data }) => ({ id, seq, at, data })) };
    this.stats.published += records.length;
    this.client.publish(topics.up(this.options.deviceId, stream), JSON.stringify(batch), { qos: 1 }, (err) => {
      if (!err || this.stopped) return;
      this.log.warn({ stream, records: records.length, err: err.message }, 'the broker did not take an outbox batch; sending the stream again');
      if (this.settle(key)) this.startOver(stream);
    });
  }

  /** Forgets a sent batch; false if it was already settled. */
  private settle(key: string): boolean {
    const batch = this.sent.get(key);
    if (!batch) return false;
    clearTimeout(batch.timer);
    this.sent.delete(key);
    this.inFlight.set(batch.stream, this.inFlight.get(batch.stream)! - 1);
    return true;
  }

  private startOver(stream: DurableStream): void {
    this.rewind.add(stream);
    this.kick();
  }

  private noReceipt(key: string): void {
    const batch = this.sent.get(key);
    if (!batch || !this.settle(key)) return;
    this.stats.resent += batch.last - batch.first + 1;
    // Batches lost together (a broker restart) time out together: they double the wait once, not each.
    this.receiptWaitMs = Math.min(MAX_RECEIPT_WAIT_MS, Math.max(this.receiptWaitMs, batch.waitMs * 2));
    this.log.warn({ stream: batch.stream, first: batch.first, last: batch.last, nextWaitMs: this.receiptWaitMs }, 'no receipt from the hub; sending the stream again');
    this.startOver(batch.stream);
  }

  private onReceipt(payload: Buffer): void {
    const receipt = parsePayload(receiptSchema, payload);
    if (!receipt.ok) return void this.log.warn({ why: receipt.error }, 'ignored a malformed receipt');
    const { stream, first, last } = receipt.value;
    this.settle(`${stream}/${first}/${last}`);
    this.receiptWaitMs = this.options.receiptTimeoutMs ?? 10_000;
    this.outbox
      .removeRange(stream, first, last)
      .then((removed) => {
        this.stats.acknowledged += removed;
        this.stats.lastAckAt = new Date().toISOString();
      })
      .catch((err: Error) => this.log.error({ err: err.message }, 'could not remove confirmed records; they will be sent again'))
      .finally(() => this.kick());
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.sent.keys()]) this.settle(key);
  }
}
