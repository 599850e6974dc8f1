import mqtt, { type MqttClient } from 'mqtt';
import { PROTOCOL_VERSION, receiptSchema, topics } from '../../protocol/index.js';
import type { LoadOptions } from './spawn.js';
import { perStream, recordId, SIMULATED_STREAMS, simulatedData, type SimulatedStream } from './records.js';

/**
 * A load process: many simulated appliances, each an MQTT client with its own user and password under
 * the fleet ACL, sending numbered records in batches as the real publisher does (up to `window`
 * unconfirmed batches per stream, each kept until the hub's receipt and sent again when none comes).
 * Prints JSON lines: `progress` now and then, `done` with every batch's publish-to-receipt time.
 */

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;

interface Batch {
  first: number;
  last: number;
  sentAt: number;
  firstSentAt: number;
}

class SimulatedDevice {
  private client!: MqttClient;
  private readonly next: Record<SimulatedStream, number> = { session: 1, scorecard: 1 };
  private readonly inFlight: Record<SimulatedStream, Batch[]> = { session: [], scorecard: [] };
  private readonly totals = perStream(options.recordsPerDevice);
  confirmed = 0;
  resent = 0;
  readonly latencies: number[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private resender: NodeJS.Timeout | null = null;
  private finished!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(readonly id: string, private readonly password: string) {}

  async start(): Promise<void> {
    this.client = mqtt.connect(options.url, {
      protocolVersion: 5,
      clientId: `branchline-${this.id}`,
      username: this.id,
      password: this.password,
      clean: false,
      reconnectPeriod: 500,
      properties: { sessionExpiryInterval: 7 * 24 * 3600 },
    });
    this.client.on('error', () => undefined);
    this.client.on('message', (_topic, payload) => this.receipt(payload));
    await new Promise<void>((resolve) => this.client.once('connect', () => resolve()));
    await this.client.subscribeAsync(topics.deviceFilter(this.id), { qos: 1 });
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.resender = setInterval(() => this.resend(), Math.max(100, options.resendMs / 4));
    for (const stream of SIMULATED_STREAMS) this.fill(stream);
  }

  private beat(): void {
    const beat = { v: PROTOCOL_VERSION, at: new Date().toISOString(), group: 'sim', appVersion: 'sim', versions: { model: null, knowledge: null, config: null }, outboxBacklog: this.remaining(), uptimeSeconds: process.uptime() };
    this.client.publish(topics.up(this.id, 'heartbeat'), JSON.stringify(beat), { qos: 0 });
  }

  private remaining(): number {
    return options.recordsPerDevice - this.confirmed;
  }

  private send(stream: SimulatedStream, batch: Batch): void {
    const records = [];
    for (let seq = batch.first; seq <= batch.last; seq++) records.push({ id: recordId(this.id, stream, seq), seq, at: new Date().toISOString(), data: simulatedData(this.id, stream, seq) });
    batch.sentAt = Date.now();
    this.client.publish(topics.up(this.id, stream), JSON.stringify({ v: PROTOCOL_VERSION, records }), { qos: 1 });
  }

  private fill(stream: SimulatedStream): void {
    while (this.inFlight[stream].length < options.window && this.next[stream] <= this.totals[stream]) {
      const first = this.next[stream];
      const last = Math.min(this.totals[stream], first + options.batch - 1);
      this.next[stream] = last + 1;
      const now = Date.now();
      const batch = { first, last, sentAt: now, firstSentAt: now };
      this.inFlight[stream].push(batch);
      this.send(stream, batch);
    }
  }

  private receipt(payload: Buffer): void {
    let parsed;
    try {
      parsed = receiptSchema.safeParse(JSON.parse(payload.toString()));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const { stream, first, last } = parsed.data;
    if (stream !== 'session' && stream !== 'scorecard') return;
    const list = this.inFlight[stream];
    const i = list.findIndex((b) => b.first === first && b.last === last);
    if (i < 0) return;
    const [batch] = list.splice(i, 1);
    this.latencies.push(Date.now() - batch!.firstSentAt);
    this.confirmed += last - first + 1;
    this.fill(stream);
    if (this.remaining() === 0) this.finish();
  }

  private resend(): void {
    const now = Date.now();
    for (const stream of SIMULATED_STREAMS) {
      for (const batch of this.inFlight[stream]) {
        if (now - batch.sentAt < options.resendMs || !this.client.connected) continue;
        this.resent += 1;
        this.send(stream, batch);
      }
    }
  }

  private finish(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.resender) clearInterval(this.resender);
    this.beat();
    this.finished();
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

const devices = options.devices.map((d) => new SimulatedDevice(d.id, d.password));
const report = () => {
  const confirmed = devices.reduce((n, d) => n + d.confirmed, 0);
  console.log(JSON.stringify({ progress: { confirmed, resent: devices.reduce((n, d) => n + d.resent, 0) } }));
};
const progress = setInterval(report, 250);
// Connecting a few hundred clients at once would be a thundering herd no real fleet makes.
for (let i = 0; i < devices.length; i += 25) await Promise.all(devices.slice(i, i + 25).map((d) => d.start()));
console.log(JSON.stringify({ connected: devices.length }));
await Promise.all(devices.map((d) => d.done));
clearInterval(progress);
report();
console.log(JSON.stringify({ done: { latencies: devices.flatMap((d) => d.latencies), resent: devices.reduce((n, d) => n + d.resent, 0) } }));
await Promise.all(devices.map((d) => d.close()));
process.exit(0);
