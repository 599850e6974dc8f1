import { randomUUID } from 'node:crypto';
import {
  addTally,
  emptyTally,
  kpisOf,
  tallySession,
  type DurableStream,
  type Heartbeat,
  type Kpis,
  type KpiTally,
  type RecordData,
  type ReleaseKind,
  type SessionKpiFacts,
} from '../../protocol/index.js';
import { valuesList, type Sql, type SqlDb, type SqlValue } from './sql.js';

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
  createdBy: string;
  rolledBackAt: string | null;
  rolledBackBy: string | null;
}

export interface DeviceRolloutState {
  state: string;
  reason: string | null;
  at: string;
}

/** Counts of what happened beside the sessions: tickets, emotion alerts and quality scorecards. */
export interface Activity {
  ticketsOpened: number;
  ticketsResolved: number;
  ticketsBreached: number;
  alertsAmber: number;
  alertsRed: number;
  scorecards: number;
}

/** The fleet page's figures: the KPIs of the shared definitions, and the activity counts. */
export interface Figures {
  kpis: Kpis;
  activity: Activity;
}

export interface FleetFigures {
  fleet: Figures;
  devices: Map<string, Figures>;
}

export interface SealedRelease {
  manifestText: string;
  signature: string;
}

export type OperatorRole = 'viewer' | 'operator';

export interface Operator {
  name: string;
  role: OperatorRole;
  createdAt: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

const emptyActivity = (): Activity => ({ ticketsOpened: 0, ticketsResolved: 0, ticketsBreached: 0, alertsAmber: 0, alertsRed: 0, scorecards: 0 });

/** Which activity counter a record of `stream` with `event` adds to. */
function activityKey(stream: string, event: string | null): keyof Activity | null {
  if (stream === 'scorecard') return 'scorecards';
  if (stream === 'ticket') return event === 'opened' ? 'ticketsOpened' : event === 'resolved' ? 'ticketsResolved' : event === 'breached' ? 'ticketsBreached' : null;
  if (stream === 'emotion' && event?.startsWith('alert:')) return event === 'alert:red' ? 'alertsRed' : 'alertsAmber';
  return null;
}

/** The `event` column: what a record is within its stream, for the counts (an alert with its level). */
function eventOf(record: StoredRecord): string | null {
  const data = record.data as { event?: unknown; level?: unknown };
  if (typeof data.event !== 'string') return null;
  return data.event === 'alert' ? `alert:${String(data.level)}` : data.event;
}

/** Sums every session's tally by device, in the database: the definitions stay in protocol/kpi.ts. */
const TALLY_SUMS = {
  postgres: 'SELECT device_id, t.key AS counter, sum(t.value::numeric) AS total FROM hub_session_facts, jsonb_each_text(tally::jsonb) t GROUP BY device_id, t.key',
  sqlite: 'SELECT device_id, t.key AS counter, sum(t.value) AS total FROM hub_session_facts, json_each(hub_session_facts.tally) t GROUP BY device_id, t.key',
} as const;

const RECORD_COLUMNS = 8;

/** The rows of `rows` sorted by key, flattened to parameters: locks are taken in the same order by every instance. */
const inKeyOrder = (rows: Map<string, SqlValue[]>): SqlValue[] =>
  [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flatMap(([, row]) => row);

async function chunkAt(sql: Sql, releaseId: string, path: string, index: number): Promise<Buffer | null> {
  const [row] = await sql.query<{ data: Buffer }>('SELECT data FROM hub_release_chunks WHERE release_id = $1 AND path = $2 AND idx = $3', [releaseId, path, index]);
  return row ? Buffer.from(row.data) : null;
}

/** Uploads and the seal of one release take turns (SQLite's transactions already do). */
const RELEASE_LOCK = { postgres: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', sqlite: null } as const;

/**
 * The hub's records, fleet status, rollouts, releases, operators and audit log, in one SQL database
 * (PostgreSQL shared by every hub instance, or an embedded SQLite file). Nothing a request needs lives
 * in one instance's memory, so any instance answers for the whole fleet.
 */
export class HubStore {
  /** Copies this instance recognised: a resend after a lost receipt, or after the device restarted. */
  duplicates = 0;

  constructor(readonly db: SqlDb) {}

  get engine(): SqlDb['engine'] {
    return this.db.engine;
  }

  /**
   * Stores the records not seen before, with the session facts and rollout states they carry, in one
   * transaction; returns them. A record seen before (by any instance) is left as it is.
   */
  async ingest(records: StoredRecord[]): Promise<StoredRecord[]> {
    if (records.length === 0) return [];
    const unique = [...new Map(records.map((r) => [r.id, r])).values()];
    // Inserted in id order: concurrent transactions on other instances take the same rows' locks in the same order, never crosswise.
    const byId = [...unique].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const fresh = await this.db.transaction(async (tx) => {
      const params: SqlValue[] = byId.flatMap((r) => [r.id, r.deviceId, r.stream, r.seq, r.at, r.receivedAt, eventOf(r), JSON.stringify(r.data)]);
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO hub_records (id, device_id, stream, seq, at, received_at, event, data) VALUES ${valuesList(unique.length, RECORD_COLUMNS)} ON CONFLICT (id) DO NOTHING RETURNING id`,
        params,
      );
      const ids = new Set(inserted.map((row) => row.id));
      const stored = unique.filter((r) => ids.has(r.id));
      await this.derive(tx, stored);
      return stored;
    });
    this.duplicates += records.length - fresh.length;
    return fresh;
  }

  /**
   * What fresh records change beside themselves, one statement per kind: a session's latest facts and
   * their tally, a device's rollout state. Within a batch the newest of each key goes in (one statement
   * may not update a row twice).
   */
  private async derive(tx: Sql, records: StoredRecord[]): Promise<void> {
    const facts = new Map<string, SqlValue[]>();
    const states = new Map<string, SqlValue[]>();
    for (const r of records) {
      if (r.stream === 'session' && (r.data as { event: string }).event === 'facts') {
        const { event: _event, ...f } = r.data as RecordData<'session'> & { event: 'facts' };
        const key = `${r.deviceId}\u0000${f.sessionId}`;
        if (((facts.get(key)?.[2] as number | undefined) ?? 0) > r.seq) continue;
        const tally = emptyTally();
        tallySession(tally, f as SessionKpiFacts);
        facts.set(key, [r.deviceId, f.sessionId, r.seq, f.startedAt, JSON.stringify(tally)]);
      } else if (r.stream === 'rollout') {
        const d = r.data as RecordData<'rollout'>;
        const key = `${d.releaseId}\u0000${r.deviceId}`;
        if (((states.get(key)?.[4] as string | undefined) ?? '') > r.at) continue;
        states.set(key, [d.releaseId, r.deviceId, d.state, d.reason, r.at]);
      }
    }
    if (facts.size > 0) {
      await tx.query(
        `INSERT INTO hub_session_facts (device_id, session_id, seq, started_at, tally) VALUES ${valuesList(facts.size, 5)}
         ON CONFLICT (device_id, session_id) DO UPDATE SET seq = excluded.seq, started_at = excluded.started_at, tally = excluded.tally
         WHERE hub_session_facts.seq < excluded.seq`,
        inKeyOrder(facts),
      );
    }
    if (states.size > 0) {
      await tx.query(
        `INSERT INTO hub_rollout_states (release_id, device_id, state, reason, at) VALUES ${valuesList(states.size, 5)}
         ON CONFLICT (release_id, device_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, at = excluded.at
         WHERE hub_rollout_states.at <= excluded.at`,
        inKeyOrder(states),
      );
    }
  }

  async recordCount(deviceId?: string): Promise<number> {
    const [row] = deviceId
      ? await this.db.query<{ n: number }>('SELECT count(*) AS n FROM hub_records WHERE device_id = $1', [deviceId])
      : await this.db.query<{ n: number }>('SELECT count(*) AS n FROM hub_records');
    return Number(row?.n ?? 0);
  }

  /** Records of one device and stream in sequence order. */
  async recordsOf(deviceId: string, stream: DurableStream, limit = 1000): Promise<StoredRecord[]> {
    const rows = await this.db.query<{ id: string; seq: number; at: string; received_at: string; data: string }>(
      'SELECT id, seq, at, received_at, data FROM hub_records WHERE device_id = $1 AND stream = $2 ORDER BY seq LIMIT $3',
      [deviceId, stream, limit],
    );
    return rows.map((r) => ({ id: r.id, deviceId, stream, seq: Number(r.seq), at: r.at, receivedAt: r.received_at, data: JSON.parse(r.data) as unknown }));
  }

  /** The `correction` records of every device, device by device in sequence order. */
  async corrections(): Promise<(RecordData<'correction'> & { deviceId: string; at: string })[]> {
    const rows = await this.db.query<{ device_id: string; at: string; data: string }>("SELECT device_id, at, data FROM hub_records WHERE stream = 'correction' ORDER BY device_id, seq");
    return rows.map((r) => ({ ...(JSON.parse(r.data) as RecordData<'correction'>), deviceId: r.device_id, at: r.at }));
  }

  /** Every device's figures and the fleet's, from the session facts and the activity records. */
  async figures(): Promise<FleetFigures> {
    const tallies = new Map<string, KpiTally>();
    const activities = new Map<string, Activity>();
    const fleetTally = emptyTally();
    const fleetActivity = emptyActivity();
    for (const row of await this.db.query<{ device_id: string; counter: string; total: number }>(TALLY_SUMS[this.db.engine])) {
      let tally = tallies.get(row.device_id);
      if (!tally) tallies.set(row.device_id, (tally = emptyTally()));
      addTally(tally, { [row.counter]: Number(row.total) });
    }
    const counts = await this.db.query<{ device_id: string; stream: string; event: string | null; n: number }>(
      "SELECT device_id, stream, event, count(*) AS n FROM hub_records WHERE stream IN ('ticket', 'emotion', 'scorecard') GROUP BY device_id, stream, event",
    );
    for (const row of counts) {
      const key = activityKey(row.stream, row.event);
      if (!key) continue;
      let activity = activities.get(row.device_id);
      if (!activity) activities.set(row.device_id, (activity = emptyActivity()));
      activity[key] += Number(row.n);
    }
    const devices = new Map<string, Figures>();
    for (const id of new Set([...tallies.keys(), ...activities.keys()])) {
      const tally = tallies.get(id) ?? emptyTally();
      const activity = activities.get(id) ?? emptyActivity();
      addTally(fleetTally, tally);
      for (const key of Object.keys(fleetActivity) as (keyof Activity)[]) fleetActivity[key] += activity[key];
      devices.set(id, { kpis: kpisOf(tally), activity });
    }
    return { fleet: { kpis: kpisOf(fleetTally), activity: fleetActivity }, devices };
  }

  async saveDevice(status: DeviceStatus): Promise<void> {
    await this.db.query(
      `INSERT INTO hub_devices (device_id, grp, last_seen, status) VALUES ($1, $2, $3, $4)
       ON CONFLICT (device_id) DO UPDATE SET grp = excluded.grp, last_seen = excluded.last_seen, status = excluded.status WHERE hub_devices.last_seen <= excluded.last_seen`,
      [status.deviceId, status.group, status.lastSeen, JSON.stringify(status)],
    );
  }

  async devices(): Promise<DeviceStatus[]> {
    const rows = await this.db.query<{ status: string }>('SELECT status FROM hub_devices ORDER BY device_id');
    return rows.map((r) => JSON.parse(r.status) as DeviceStatus);
  }

  /** Saves a rollout, new or changed, with the audit entry of the change: both or neither. */
  async saveRollout(rollout: Rollout, audit: AuditEntry): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        'INSERT INTO hub_rollouts (id, release_id, created_at, body) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET body = excluded.body',
        [rollout.id, rollout.releaseId, rollout.createdAt, JSON.stringify(rollout)],
      );
      await this.audit(tx, audit);
    });
  }

  async rollout(id: string): Promise<Rollout | null> {
    const [row] = await this.db.query<{ body: string }>('SELECT body FROM hub_rollouts WHERE id = $1', [id]);
    return row ? (JSON.parse(row.body) as Rollout) : null;
  }

  async rollouts(): Promise<Rollout[]> {
    const rows = await this.db.query<{ body: string }>('SELECT body FROM hub_rollouts ORDER BY created_at DESC');
    return rows.map((r) => JSON.parse(r.body) as Rollout);
  }

  async deviceRolloutStates(releaseId: string): Promise<Map<string, DeviceRolloutState>> {
    const rows = await this.db.query<{ device_id: string; state: string; reason: string | null; at: string }>('SELECT device_id, state, reason, at FROM hub_rollout_states WHERE release_id = $1', [releaseId]);
    return new Map(rows.map((r) => [r.device_id, { state: r.state, reason: r.reason, at: r.at }]));
  }

  /** A rollout state carried over from an earlier release's data; a state already known is kept. */
  async importRolloutState(releaseId: string, deviceId: string, state: DeviceRolloutState): Promise<void> {
    await this.db.query('INSERT INTO hub_rollout_states (release_id, device_id, state, reason, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (release_id, device_id) DO NOTHING', [
      releaseId,
      deviceId,
      state.state,
      state.reason,
      state.at,
    ]);
  }

  /** Replaces one file of an unsealed release with `chunks`, in order, in one transaction. */
  async saveReleaseFile(releaseId: string, path: string, chunks: AsyncIterable<Buffer>, refuse: (why: string) => Error): Promise<number> {
    return this.db.transaction(async (tx) => {
      await this.lockRelease(tx, releaseId);
      const sealed = await tx.query('SELECT id FROM hub_releases WHERE id = $1', [releaseId]);
      if (sealed.length > 0) throw refuse(`release ${releaseId} is sealed; its files cannot change`);
      await tx.query('DELETE FROM hub_release_chunks WHERE release_id = $1 AND path = $2', [releaseId, path]);
      let index = 0;
      let size = 0;
      for await (const chunk of chunks) {
        await tx.query('INSERT INTO hub_release_chunks (release_id, path, idx, data) VALUES ($1, $2, $3, $4)', [releaseId, path, index++, chunk]);
        size += chunk.length;
      }
      if (index === 0) await tx.query('INSERT INTO hub_release_chunks (release_id, path, idx, data) VALUES ($1, $2, 0, $3)', [releaseId, path, Buffer.alloc(0)]);
      return size;
    });
  }

  private async lockRelease(tx: Sql, releaseId: string): Promise<void> {
    const lock = RELEASE_LOCK[this.db.engine];
    if (lock) await tx.query(lock, [releaseId]);
  }

  /** The chunks of an uploaded file in order, one query each (a model file is tens of megabytes). */
  private async *chunksOf(sql: Sql, releaseId: string, path: string): AsyncGenerator<Buffer> {
    for (let index = 0; ; index++) {
      const chunk = await chunkAt(sql, releaseId, path, index);
      if (!chunk) return;
      yield chunk;
    }
  }

  releaseChunk(releaseId: string, path: string, index: number): Promise<Buffer | null> {
    return chunkAt(this.db, releaseId, path, index);
  }

  async releaseChunkCount(releaseId: string, path: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM hub_release_chunks WHERE release_id = $1 AND path = $2', [releaseId, path]);
    return Number(row?.n ?? 0);
  }

  /**
   * Seals a release after `check` approved its files as they are in this transaction, so an upload cannot
   * slip in between the check and the seal; sealing it again is a no-op. Returns what is sealed now.
   */
  async sealRelease(releaseId: string, release: SealedRelease, at: string, check: (chunks: (path: string) => AsyncIterable<Buffer>) => Promise<void>): Promise<SealedRelease> {
    return this.db.transaction(async (tx) => {
      await this.lockRelease(tx, releaseId);
      const [sealed] = await tx.query<{ manifest: string; signature: string }>('SELECT manifest, signature FROM hub_releases WHERE id = $1', [releaseId]);
      if (sealed) return { manifestText: sealed.manifest, signature: sealed.signature };
      await check((path) => this.chunksOf(tx, releaseId, path));
      await tx.query('INSERT INTO hub_releases (id, manifest, signature, sealed_at) VALUES ($1, $2, $3, $4)', [releaseId, release.manifestText, release.signature, at]);
      return release;
    });
  }

  async sealedRelease(releaseId: string): Promise<SealedRelease | null> {
    const [row] = await this.db.query<{ manifest: string; signature: string }>('SELECT manifest, signature FROM hub_releases WHERE id = $1', [releaseId]);
    return row ? { manifestText: row.manifest, signature: row.signature } : null;
  }

  async addOperator(name: string, role: OperatorRole, passwordHash: string, audit: AuditEntry): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const added = await tx.query('INSERT INTO hub_operators (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING name', [name, role, passwordHash, audit.at]);
      if (added.length > 0) await this.audit(tx, audit);
      return added.length > 0;
    });
  }

  /** Changes an operator's password and signs out every session of theirs. */
  async setOperatorPassword(name: string, passwordHash: string, audit: AuditEntry): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const changed = await tx.query('UPDATE hub_operators SET password_hash = $2 WHERE name = $1 RETURNING name', [name, passwordHash]);
      if (changed.length === 0) return false;
      await tx.query('DELETE FROM hub_tokens WHERE operator = $1', [name]);
      await this.audit(tx, audit);
      return true;
    });
  }

  async removeOperator(name: string, audit: AuditEntry): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM hub_tokens WHERE operator = $1', [name]);
      const removed = await tx.query('DELETE FROM hub_operators WHERE name = $1 RETURNING name', [name]);
      if (removed.length > 0) await this.audit(tx, audit);
      return removed.length > 0;
    });
  }

  async operators(): Promise<Operator[]> {
    const rows = await this.db.query<{ name: string; role: OperatorRole; created_at: string }>('SELECT name, role, created_at FROM hub_operators ORDER BY name');
    return rows.map((r) => ({ name: r.name, role: r.role, createdAt: r.created_at }));
  }

  async operatorPassword(name: string): Promise<{ role: OperatorRole; passwordHash: string } | null> {
    const [row] = await this.db.query<{ role: OperatorRole; password_hash: string }>('SELECT role, password_hash FROM hub_operators WHERE name = $1', [name]);
    return row ? { role: row.role, passwordHash: row.password_hash } : null;
  }

  async addToken(tokenHash: string, operator: string, expiresAt: string): Promise<void> {
    await this.db.query('INSERT INTO hub_tokens (token_hash, operator, expires_at) VALUES ($1, $2, $3)', [tokenHash, operator, expiresAt]);
  }

  /** The operator a token digest belongs to, while it has not expired. */
  async tokenOperator(tokenHash: string, nowIso: string): Promise<{ name: string; role: OperatorRole } | null> {
    const [row] = await this.db.query<{ name: string; role: OperatorRole }>(
      'SELECT o.name, o.role FROM hub_tokens t JOIN hub_operators o ON o.name = t.operator WHERE t.token_hash = $1 AND t.expires_at > $2',
      [tokenHash, nowIso],
    );
    return row ?? null;
  }

  async removeToken(tokenHash: string): Promise<void> {
    await this.db.query('DELETE FROM hub_tokens WHERE token_hash = $1', [tokenHash]);
  }

  async removeExpiredTokens(nowIso: string): Promise<void> {
    await this.db.query('DELETE FROM hub_tokens WHERE expires_at <= $1', [nowIso]);
  }

  /** Records who did what; inside `tx` when it is part of a change, so the change and its entry go together. */
  async audit(tx: Sql | null, entry: AuditEntry): Promise<void> {
    // The id sorts by the moment of writing, so entries of one millisecond keep their order.
    const id = `${process.hrtime.bigint().toString().padStart(20, '0')}-${randomUUID()}`;
    await (tx ?? this.db).query('INSERT INTO hub_audit (id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)', [id, entry.at, entry.actor, entry.action, JSON.stringify(entry.detail)]);
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    const rows = await this.db.query<{ at: string; actor: string; action: string; detail: string }>('SELECT at, actor, action, detail FROM hub_audit ORDER BY at DESC, id DESC LIMIT $1', [limit]);
    return rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  /** Throws unless the database answers. */
  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
