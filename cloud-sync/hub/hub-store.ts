import { ClassicLevel } from 'classic-level';
import type { DurableStream, Heartbeat, RecordData, ReleaseKind } from '../protocol.js';

const SEQ_WIDTH = 16;

export interface StoredRecord {
  id: string;
  deviceId: string;
  stream: DurableStream;
  seq: number;
  at: string;
  receivedAt: string;
  data: unknown;
}

export interface DeviceStatus {
  deviceId: string;
  group: string;
  lastSeen: string;
  appVersion: string;
  versions: Heartbeat['versions'];
  outboxBacklog: number;
  uptimeSeconds: number;
}

export type RolloutTarget = { all: true } | { group: string } | { percent: number };

export interface Rollout {
  id: string;
  releaseId: string;
  kind: ReleaseKind;
  version: string;
  target: RolloutTarget;
  devices: string[];
  createdAt: string;
  rolledBackAt: string | null;
}

export interface DeviceRolloutState {
  state: string;
  reason: string | null;
  at: string;
}

/** Running sums from which every KPI on the fleet page is a ratio; kept per device and for the fleet. */
export interface KpiSums {
  sessions: number;
  botAnswered: number;
  calls: number;
  answeredWithin30s: number;
  abandoned: number;
  waitSeconds: number;
  handled: number;
  handleSeconds: number;
  wrapUps: number;
  resolved: number;
  scorecards: number;
  scoreTotal: number;
  ticketsOpened: number;
  ticketsResolved: number;
  ticketsBreached: number;
  alertsAmber: number;
  alertsRed: number;
  emotionSummaries: number;
  valenceTotal: number;
}

const emptySums = (): KpiSums => ({
  sessions: 0,
  botAnswered: 0,
  calls: 0,
  answeredWithin30s: 0,
  abandoned: 0,
  waitSeconds: 0,
  handled: 0,
  handleSeconds: 0,
  wrapUps: 0,
  resolved: 0,
  scorecards: 0,
  scoreTotal: 0,
  ticketsOpened: 0,
  ticketsResolved: 0,
  ticketsBreached: 0,
  alertsAmber: 0,
  alertsRed: 0,
  emotionSummaries: 0,
  valenceTotal: 0,
});

function addToSums(sums: KpiSums, stream: DurableStream, data: unknown): void {
  switch (stream) {
    case 'session': {
      const d = data as RecordData<'session'>;
      if (d.event === 'decided') {
        sums.sessions += 1;
        if (d.kind === 'bot' && d.answered) sums.botAnswered += 1;
      } else if (d.event === 'call-ended') {
        sums.calls += 1;
        if (d.handleSeconds !== null) {
          sums.handled += 1;
          sums.handleSeconds += d.handleSeconds;
          if (d.waitSeconds !== null && d.waitSeconds <= 30) sums.answeredWithin30s += 1;
        }
        if (d.reason === 'abandoned') sums.abandoned += 1;
        sums.waitSeconds += d.waitSeconds ?? 0;
      } else {
        sums.wrapUps += 1;
        if (d.resolved) sums.resolved += 1;
      }
      return;
    }
    case 'scorecard': {
      const d = data as RecordData<'scorecard'>;
      sums.scorecards += 1;
      sums.scoreTotal += d.total ?? 0;
      return;
    }
    case 'ticket': {
      const d = data as RecordData<'ticket'>;
      if (d.event === 'opened') sums.ticketsOpened += 1;
      else if (d.event === 'resolved') sums.ticketsResolved += 1;
      else if (d.event === 'breached') sums.ticketsBreached += 1;
      return;
    }
    case 'emotion': {
      const d = data as RecordData<'emotion'>;
      if (d.event === 'alert') {
        if (d.level === 'red') sums.alertsRed += 1;
        else sums.alertsAmber += 1;
      } else {
        sums.emotionSummaries += 1;
        sums.valenceTotal += d.meanValence;
      }
      return;
    }
    case 'rollout':
    case 'correction':
      return;
  }
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);

export function kpisOf(s: KpiSums) {
  return {
    sessions: s.sessions,
    botContainmentRate: ratio(s.botAnswered, s.sessions),
    calls: s.calls,
    responseRate30s: ratio(s.answeredWithin30s, s.calls),
    abandonmentRate: ratio(s.abandoned, s.calls),
    meanWaitSeconds: ratio(s.waitSeconds, s.calls),
    meanHandleSeconds: ratio(s.handleSeconds, s.handled),
    resolutionRate: ratio(s.resolved, s.wrapUps),
    qaScorecards: s.scorecards,
    meanQaScore: ratio(s.scoreTotal, s.scorecards),
    ticketsOpened: s.ticketsOpened,
    ticketsResolved: s.ticketsResolved,
    ticketsBreached: s.ticketsBreached,
    emotionAlerts: { amber: s.alertsAmber, red: s.alertsRed },
    meanValence: ratio(s.valenceTotal, s.emotionSummaries),
  };
}
export type Kpis = ReturnType<typeof kpisOf>;

type Value = StoredRecord | DeviceStatus | Rollout | DeviceRolloutState | 1;

/**
 * The hub's own database (LevelDB). Record ids are keys, so a record that arrives twice (a resend after
 * a lost PUBACK, or after the device restarted) is recognised and counted once.
 */
export class HubStore {
  private readonly fleet = emptySums();
  private readonly perDevice = new Map<string, KpiSums>();
  private recordCount = 0;
  duplicates = 0;

  private constructor(private readonly db: ClassicLevel<string, Value>) {}

  static async open(dir: string): Promise<HubStore> {
    const db = new ClassicLevel<string, Value>(dir, { valueEncoding: 'json' });
    await db.open();
    const store = new HubStore(db);
    for await (const value of db.values({ gt: 'rec!', lt: 'rec~' })) store.tally(value as StoredRecord);
    return store;
  }

  private tally(record: StoredRecord): void {
    this.recordCount += 1;
    addToSums(this.fleet, record.stream, record.data);
    let sums = this.perDevice.get(record.deviceId);
    if (!sums) this.perDevice.set(record.deviceId, (sums = emptySums()));
    addToSums(sums, record.stream, record.data);
  }

  /** Stores the records not seen before, in one synced write; returns them. */
  async ingest(records: StoredRecord[]): Promise<StoredRecord[]> {
    const seen = await this.db.getMany(records.map((r) => `id!${r.id}`));
    const fresh: StoredRecord[] = [];
    const inBatch = new Set<string>();
    records.forEach((r, i) => {
      if (seen[i] !== undefined || inBatch.has(r.id)) {
        this.duplicates += 1;
        return;
      }
      inBatch.add(r.id);
      fresh.push(r);
    });
    if (fresh.length === 0) return fresh;
    const ops = fresh.flatMap((r): { type: 'put'; key: string; value: Value }[] => [
      { type: 'put', key: `id!${r.id}`, value: 1 },
      { type: 'put', key: `rec!${r.deviceId}!${r.stream}!${String(r.seq).padStart(SEQ_WIDTH, '0')}`, value: r },
    ]);
    await this.db.batch(ops, { sync: true });
    for (const r of fresh) this.tally(r);
    return fresh;
  }

  get records(): number {
    return this.recordCount;
  }

  /** Records of one device and stream in sequence order. */
  async recordsOf(deviceId: string, stream: DurableStream, limit = 1000): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for await (const value of this.db.values({ gt: `rec!${deviceId}!${stream}!`, lt: `rec!${deviceId}!${stream}!~`, limit })) out.push(value as StoredRecord);
    return out;
  }

  /** The `correction` records of every device, device by device in sequence order. */
  async corrections(): Promise<(RecordData<'correction'> & { deviceId: string; at: string })[]> {
    const out: (RecordData<'correction'> & { deviceId: string; at: string })[] = [];
    for (const device of await this.devices()) {
      for await (const value of this.db.values({ gt: `rec!${device.deviceId}!correction!`, lt: `rec!${device.deviceId}!correction!~` })) {
        const record = value as StoredRecord;
        out.push({ ...(record.data as RecordData<'correction'>), deviceId: record.deviceId, at: record.at });
      }
    }
    return out;
  }

  kpis(deviceId?: string): Kpis {
    return kpisOf(deviceId ? (this.perDevice.get(deviceId) ?? emptySums()) : this.fleet);
  }

  async saveDevice(status: DeviceStatus): Promise<void> {
    await this.db.put(`dev!${status.deviceId}`, status);
  }

  async devices(): Promise<DeviceStatus[]> {
    const out: DeviceStatus[] = [];
    for await (const value of this.db.values({ gt: 'dev!', lt: 'dev~' })) out.push(value as DeviceStatus);
    return out;
  }

  async saveRollout(rollout: Rollout): Promise<void> {
    await this.db.put(`rollout!${rollout.id}`, rollout, { sync: true });
  }

  async rollout(id: string): Promise<Rollout | null> {
    return ((await this.db.get(`rollout!${id}`)) as Rollout | undefined) ?? null;
  }

  async rollouts(): Promise<Rollout[]> {
    const out: Rollout[] = [];
    for await (const value of this.db.values({ gt: 'rollout!', lt: 'rollout~' })) out.push(value as Rollout);
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async saveDeviceRolloutState(releaseId: string, deviceId: string, state: DeviceRolloutState): Promise<void> {
    await this.db.put(`rstate!${releaseId}!${deviceId}`, state);
  }

  async deviceRolloutStates(releaseId: string): Promise<Map<string, DeviceRolloutState>> {
    const out = new Map<string, DeviceRolloutState>();
    for await (const [key, value] of this.db.iterator({ gt: `rstate!${releaseId}!`, lt: `rstate!${releaseId}!~` })) out.set(key.slice(`rstate!${releaseId}!`.length), value as DeviceRolloutState);
    return out;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
