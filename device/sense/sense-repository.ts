import type { Statement } from 'better-sqlite3';
import type { FactJournal } from '../bus.js';
import type { LegacyJournals, LocalizedText, SenseAlert, SenseCallStats, SenseEvent } from '../store/index.js';

/** What a session's recorded emotion came to: the cloud's summary record of a call. */
export interface EmotionSummary {
  /** The first call the readings were taken in; null when all came before a call (kiosk text). */
  callId: string | null;
  samples: number;
  meanValence: number;
  minValence: number;
  meanArousal: number;
  /** Readings per fused label. */
  labels: Record<string, number>;
}

/** The customer's valence at the first and the last reading of a call (at least two readings). */
export interface CallEmotion {
  startValence: number;
  endValence: number;
}

interface EventRow {
  session_id: string;
  call_id: string | null;
  at: string;
  channel: SenseEvent['channel'];
  signal_valence: number;
  signal_arousal: number;
  fused_valence: number;
  fused_arousal: number;
  fused_label: string;
  evidence: string;
}

interface AlertRow {
  id: string;
  session_id: string;
  call_id: string | null;
  at: string;
  level: SenseAlert['level'];
  rule: string;
  reason: string;
  reason_code: string | null;
  reason_params: string | null;
  suggestion: string;
  evidence_channel: string;
  evidence_detail: string;
}

interface CallStatsRow {
  call_id: string;
  session_id: string | null;
  at: string;
  customer_talk_ms: number;
  agent_talk_ms: number;
  silence_ms: number;
  overlap_ms: number;
  overlaps: number;
}

const EVENT_COLUMNS = 'session_id, call_id, at, channel, signal_valence, signal_arousal, fused_valence, fused_arousal, fused_label, evidence';
const EVENT_VALUES = '@sessionId, @callId, @at, @channel, @signalValence, @signalArousal, @fusedValence, @fusedArousal, @fusedLabel, @evidence';
const ALERT_COLUMNS = 'id, session_id, call_id, at, level, rule, reason, reason_code, reason_params, suggestion, evidence_channel, evidence_detail';
const ALERT_VALUES = '@id, @sessionId, @callId, @at, @level, @rule, @reason, @reasonCode, @reasonParams, @suggestion, @evidenceChannel, @evidenceDetail';
const STATS_COLUMNS = 'call_id, session_id, at, customer_talk_ms, agent_talk_ms, silence_ms, overlap_ms, overlaps';
const STATS_VALUES = '@callId, @sessionId, @at, @customerTalkMs, @agentTalkMs, @silenceMs, @overlapMs, @overlaps';

const eventParams = (e: SenseEvent) => ({
  sessionId: e.sessionId,
  callId: e.callId,
  at: e.at,
  channel: e.channel,
  signalValence: e.signal.valence,
  signalArousal: e.signal.arousal,
  fusedValence: e.fused.valence,
  fusedArousal: e.fused.arousal,
  fusedLabel: e.fused.label,
  evidence: e.evidence,
});
const alertParams = (a: SenseAlert) => ({
  id: a.id,
  sessionId: a.sessionId,
  callId: a.callId,
  at: a.at,
  level: a.level,
  rule: a.rule,
  reason: a.reason,
  reasonCode: a.code ?? null,
  reasonParams: a.code ? JSON.stringify(a.params ?? {}) : null,
  suggestion: JSON.stringify(a.suggestion),
  evidenceChannel: a.evidence.channel,
  evidenceDetail: a.evidence.detail,
});
type EventParams = ReturnType<typeof eventParams>;
type AlertParams = ReturnType<typeof alertParams>;

const eventOf = (r: EventRow): SenseEvent => ({
  sessionId: r.session_id,
  callId: r.call_id,
  at: r.at,
  channel: r.channel,
  signal: { valence: r.signal_valence, arousal: r.signal_arousal },
  fused: { valence: r.fused_valence, arousal: r.fused_arousal, label: r.fused_label },
  evidence: r.evidence,
});
const alertOf = (r: AlertRow): SenseAlert => ({
  id: r.id,
  sessionId: r.session_id,
  callId: r.call_id,
  at: r.at,
  level: r.level,
  rule: r.rule,
  reason: r.reason,
  ...(r.reason_code ? { code: r.reason_code, params: JSON.parse(r.reason_params ?? '{}') as Record<string, string | number> } : {}),
  suggestion: JSON.parse(r.suggestion) as LocalizedText,
  evidence: { channel: r.evidence_channel, detail: r.evidence_detail },
});
const callStatsOf = (r: CallStatsRow): SenseCallStats => ({
  callId: r.call_id,
  sessionId: r.session_id,
  at: r.at,
  customerTalkMs: r.customer_talk_ms,
  agentTalkMs: r.agent_talk_ms,
  silenceMs: r.silence_ms,
  overlapMs: r.overlap_ms,
  overlaps: r.overlaps,
});

/**
 * The sense tables: readings, alerts and talk statistics. Reads are index lookups by session, call or
 * time; the writes are synchronous statements for the caller's `journal.write`, so a reading, its
 * alerts and their announcements commit together.
 */
export class SenseRepository {
  private readonly insertEventStatement: Statement<[EventParams]>;
  private readonly importEventStatement: Statement<[EventParams]>;
  private readonly insertAlertStatement: Statement<[AlertParams]>;
  private readonly importAlertStatement: Statement<[AlertParams]>;
  private readonly insertStatsStatement: Statement<[SenseCallStats]>;
  private readonly importStatsStatement: Statement<[SenseCallStats]>;
  private readonly timelineStatement: Statement<[string], EventRow>;
  private readonly alertsOfStatement: Statement<[string], AlertRow>;
  private readonly recentAlertsStatement: Statement<[string, number], AlertRow>;
  private readonly callStatsStatement: Statement<[string], CallStatsRow>;
  private readonly callEmotionStatement: Statement<[{ callId: string }], CallEmotion>;
  private readonly labelsStatement: Statement<[string], { label: string; n: number; valence: number; minValence: number; arousal: number }>;
  private readonly firstCallStatement: Statement<[string], string>;
  private readonly pruneStatements: Statement<[string, number]>[];

  constructor(journal: FactJournal) {
    const db = journal.db;
    this.insertEventStatement = db.prepare(`INSERT INTO sense_events (${EVENT_COLUMNS}) VALUES (${EVENT_VALUES})`);
    // Readings have no id of their own: one is the same reading when all of it is the same.
    this.importEventStatement = db.prepare(
      `INSERT INTO sense_events (${EVENT_COLUMNS}) SELECT ${EVENT_VALUES}
       WHERE NOT EXISTS (SELECT 1 FROM sense_events WHERE session_id = @sessionId AND at = @at AND channel = @channel AND evidence = @evidence)`,
    );
    this.insertAlertStatement = db.prepare(`INSERT INTO sense_alerts (${ALERT_COLUMNS}) VALUES (${ALERT_VALUES})`);
    this.importAlertStatement = db.prepare(`INSERT OR IGNORE INTO sense_alerts (${ALERT_COLUMNS}) VALUES (${ALERT_VALUES})`);
    this.insertStatsStatement = db.prepare(`INSERT INTO sense_call_stats (${STATS_COLUMNS}) VALUES (${STATS_VALUES})`);
    this.importStatsStatement = db.prepare(`INSERT OR IGNORE INTO sense_call_stats (${STATS_COLUMNS}) VALUES (${STATS_VALUES})`);
    this.timelineStatement = db.prepare(`SELECT ${EVENT_COLUMNS} FROM sense_events WHERE session_id = ? ORDER BY at, id`);
    this.alertsOfStatement = db.prepare(`SELECT ${ALERT_COLUMNS} FROM sense_alerts WHERE session_id = ? ORDER BY at, rowid`);
    this.recentAlertsStatement = db.prepare(`SELECT ${ALERT_COLUMNS} FROM sense_alerts WHERE at >= ? ORDER BY at DESC, rowid DESC LIMIT ?`);
    this.callStatsStatement = db.prepare(`SELECT ${STATS_COLUMNS} FROM sense_call_stats WHERE call_id = ?`);
    this.callEmotionStatement = db.prepare(
      `SELECT first.fused_valence AS startValence, last.fused_valence AS endValence
       FROM (SELECT id, fused_valence FROM sense_events WHERE call_id = @callId ORDER BY at, id LIMIT 1) AS first,
            (SELECT id, fused_valence FROM sense_events WHERE call_id = @callId ORDER BY at DESC, id DESC LIMIT 1) AS last
       WHERE first.id <> last.id`,
    );
    this.labelsStatement = db.prepare(
      `SELECT fused_label AS label, COUNT(*) AS n, SUM(fused_valence) AS valence, MIN(fused_valence) AS minValence, SUM(fused_arousal) AS arousal
       FROM sense_events WHERE session_id = ? GROUP BY fused_label`,
    );
    this.firstCallStatement = db.prepare<[string], string>(`SELECT call_id FROM sense_events WHERE session_id = ? AND call_id IS NOT NULL ORDER BY at, id LIMIT 1`).pluck();
    this.pruneStatements = [
      db.prepare(`DELETE FROM sense_events WHERE id IN (SELECT id FROM sense_events WHERE at < ? ORDER BY at LIMIT ?)`),
      db.prepare(`DELETE FROM sense_alerts WHERE rowid IN (SELECT rowid FROM sense_alerts WHERE at < ? ORDER BY at LIMIT ?)`),
      db.prepare(`DELETE FROM sense_call_stats WHERE rowid IN (SELECT rowid FROM sense_call_stats WHERE at < ? ORDER BY at LIMIT ?)`),
    ];
  }

  /** In a journal write: one reading and the alerts it raised. */
  insertReading(event: SenseEvent, alerts: readonly SenseAlert[]): void {
    this.insertEventStatement.run(eventParams(event));
    for (const alert of alerts) this.insertAlertStatement.run(alertParams(alert));
  }

  /** In a journal write. */
  insertCallStats(stats: SenseCallStats): void {
    this.insertStatsStatement.run(stats);
  }

  /** A session's readings, oldest first. */
  timeline(sessionId: string): SenseEvent[] {
    return this.timelineStatement.all(sessionId).map(eventOf);
  }

  alertsOf(sessionId: string): SenseAlert[] {
    return this.alertsOfStatement.all(sessionId).map(alertOf);
  }

  /** The newest alerts first, at most `limit`, none older than `sinceIso`. */
  recentAlerts(limit: number, sinceIso = ''): SenseAlert[] {
    return this.recentAlertsStatement.all(sinceIso, limit).map(alertOf);
  }

  callStats(callId: string): SenseCallStats | null {
    const row = this.callStatsStatement.get(callId);
    return row ? callStatsOf(row) : null;
  }

  callEmotion(callId: string): CallEmotion | null {
    return this.callEmotionStatement.get({ callId }) ?? null;
  }

  /** Everything recorded of a session's emotion, in one pass over its readings; null when there are none. */
  emotionSummary(sessionId: string): EmotionSummary | null {
    const groups = this.labelsStatement.all(sessionId);
    if (groups.length === 0) return null;
    const samples = groups.reduce((sum, g) => sum + g.n, 0);
    return {
      callId: this.firstCallStatement.get(sessionId) ?? null,
      samples,
      meanValence: groups.reduce((sum, g) => sum + g.valence, 0) / samples,
      minValence: Math.min(...groups.map((g) => g.minValence)),
      meanArousal: groups.reduce((sum, g) => sum + g.arousal, 0) / samples,
      labels: Object.fromEntries(groups.map((g) => [g.label, g.n])),
    };
  }

  /** In a journal write: the sense records of a v7 store; what is already here is left as it is. Returns how many were added. */
  importLegacy(records: Pick<LegacyJournals, 'senseEvents' | 'senseAlerts' | 'senseCallStats'>): number {
    let added = 0;
    for (const event of records.senseEvents) added += this.importEventStatement.run(eventParams(event)).changes;
    for (const alert of records.senseAlerts) added += this.importAlertStatement.run(alertParams(alert)).changes;
    for (const stats of records.senseCallStats) added += this.importStatsStatement.run(stats).changes;
    return added;
  }

  /**
   * In a journal write: deletes at most `limit` readings, alerts and talk statistics older than
   * `beforeIso`, the oldest first; returns how many.
   */
  prune(beforeIso: string, limit: number): number {
    let left = limit;
    for (const statement of this.pruneStatements) {
      if (left <= 0) break;
      left -= statement.run(beforeIso, left).changes;
    }
    return limit - left;
  }
}
