import { randomUUID } from 'node:crypto';
import type { EventBus, FactJournal } from '../bus.js';
import type { SenseAlert, SenseCallStats, SenseEvent } from '../store/index.js';
import type { FaceReading } from './face.js';
import { EmotionFusion, type Channel, type Emotion } from './fusion.js';
import { MicroExpressionSpotter, type MicroExpression } from './micro.js';
import { alertReason } from './reasons.js';
import { evaluate, type EscalationRule, type Observation } from './rules.js';
import { SenseRepository, type CallEmotion, type EmotionSummary } from './sense-repository.js';
import type { TextSentiment } from './text.js';
import type { ConversationStats, Utterance } from './voice.js';

/** Where each face emotion sits on the valence (-1..1) and arousal (0..1) plane. */
const FACE_AFFECT: Record<string, Emotion> = {
  happy: { valence: 0.8, arousal: 0.5 },
  neutral: { valence: 0, arousal: 0.1 },
  surprise: { valence: 0, arousal: 0.8 },
  angry: { valence: -0.8, arousal: 0.9 },
  disgust: { valence: -0.7, arousal: 0.6 },
  fear: { valence: -0.6, arousal: 0.9 },
  sad: { valence: -0.7, arousal: 0.3 },
};
/** Face frames arrive several times a second; the timeline keeps one face entry per this interval. */
const FACE_RECORD_MS = 2000;
const NEGATIVE_MICRO = new Set(['anger', 'contempt', 'disgust', 'fear', 'sadness']);
/**
 * A session nothing was heard of for this long is forgotten: a bot-only session never ends with a
 * call, and a branch sees hundreds a day. A customer who comes back starts from a calm state.
 */
const IDLE_MS = 3_600_000;

export interface SessionRef {
  sessionId: string;
  callId: string | null;
  kioskId: string;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** What the appliance keeps in memory of a session while it is going on. */
interface SessionState {
  fusion: EmotionFusion;
  spotter: MicroExpressionSpotter;
  lastFaceRecord: number;
  /** When each rule last raised an alert for the session. */
  lastFired: Map<string, number>;
  touchedAt: number;
}

/**
 * The emotion state of every session: text, voice (and face) signals are fused into one smoothed state
 * kept as a timeline with the session; escalation rules turn signals into alerts (stored with their
 * evidence and announced, in the same transaction, for the agent, the supervisor, the queues and the
 * cloud). A kiosk whose analysis is switched off produces nothing at all.
 */
export class EmotionSensing {
  /** Least recently heard first, so the idle ones are found at the front. */
  private readonly sessions = new Map<string, SessionState>();
  private readonly records: SenseRepository;

  constructor(
    private readonly journal: FactJournal,
    bus: EventBus,
    private readonly text: TextSentiment,
    private readonly rules: readonly EscalationRule[],
    private readonly analysisEnabled: (kioskId: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.records = new SenseRepository(journal);
    bus.on('routing.decided', (e) => this.onText({ sessionId: e.sessionId, callId: null, kioskId: e.kioskId }, e.text));
    bus.on('call.chat', (e) => (e.from === 'customer' && e.sessionId ? this.onText({ sessionId: e.sessionId, callId: e.callId, kioskId: e.kioskId }, e.text) : undefined));
    bus.on('call.ended', (e) => void (e.sessionId && this.sessions.delete(e.sessionId)));
  }

  async onText(ref: SessionRef, message: string): Promise<SenseAlert[]> {
    const signal = this.text.analyse(message);
    const evidence = `"${message.slice(0, 120)}"${signal.triggers.length ? ` triggers: ${signal.triggers.join(', ')}` : ''}${signal.hits.length ? ` words: ${signal.hits.map((h) => `${h.negated ? 'not ' : ''}${h.term}`).join(', ')}` : ''}`;
    return this.record(ref, 'text', { valence: signal.sentiment, arousal: signal.arousal }, evidence, { sentiment: signal.sentiment, triggers: signal.triggers });
  }

  async onUtterance(ref: SessionRef, u: Utterance): Promise<SenseAlert[]> {
    if (u.agitation === null) return [];
    const evidence = `utterance ${(u.startMs / 1000).toFixed(1)}-${(u.endMs / 1000).toFixed(1)} s: F0 ${u.f0Mean.toFixed(0)} Hz, ${u.energyDb.toFixed(1)} dB, ${u.rate.toFixed(1)} syll/s, agitation ${u.agitation.toFixed(2)}`;
    return this.record(ref, 'voice', { valence: -0.7 * u.agitation, arousal: u.agitation }, evidence, { warning: u.warning });
  }

  /**
   * One analysed camera frame at `atMs` into the call. Every frame moves the state and feeds the
   * micro-expression spotter; the timeline and the agent hear of it every two seconds, or at once when
   * a micro-expression was seen.
   */
  async onFace(ref: SessionRef, reading: FaceReading, atMs: number): Promise<SenseAlert[]> {
    if (!reading.present || !reading.aus || !this.analysisEnabled(ref.kioskId)) return [];
    const signal = Object.entries(reading.emotions).reduce(
      (sum, [emotion, p]) => ({ valence: sum.valence + (FACE_AFFECT[emotion]?.valence ?? 0) * p, arousal: sum.arousal + (FACE_AFFECT[emotion]?.arousal ?? 0) * p }),
      { valence: 0, arousal: 0 },
    );
    const state = this.stateOf(ref.sessionId);
    const micro: MicroExpression | undefined = state.spotter.push({ t: atMs, aus: reading.aus, yaw: reading.yaw, pitch: reading.pitch })[0];
    if (!micro && atMs - state.lastFaceRecord < FACE_RECORD_MS) {
      state.fusion.add('face', signal);
      return [];
    }
    state.lastFaceRecord = atMs;
    const face = { dominant: reading.dominant, score: reading.dominant ? (reading.emotions[reading.dominant] ?? 0) : 0, micro: micro?.label ?? null };
    const evidence = `face ${face.dominant ?? 'unknown'} ${(face.score * 100).toFixed(0)}%, yaw ${reading.yaw.toFixed(0)}°${micro ? `; micro-expression ${micro.label} at ${(micro.onset / 1000).toFixed(1)} s for ${Math.round(micro.offset - micro.onset)} ms (${micro.units.join(', ')})` : ''}`;
    return this.record(ref, 'face', signal, evidence, { expression: micro && NEGATIVE_MICRO.has(micro.label) ? micro.label : null }, face);
  }

  /** The session's state, marked as just heard of; sessions idle for long are let go on the way. */
  private stateOf(sessionId: string): SessionState {
    const now = this.now();
    for (const [id, idle] of this.sessions) {
      if (now - idle.touchedAt < IDLE_MS) break;
      this.sessions.delete(id);
    }
    const state = this.sessions.get(sessionId) ?? { fusion: new EmotionFusion(), spotter: new MicroExpressionSpotter(), lastFaceRecord: -Infinity, lastFired: new Map<string, number>(), touchedAt: now };
    state.touchedAt = now;
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, state);
    return state;
  }

  private async record(
    ref: SessionRef,
    channel: Channel,
    signal: Emotion,
    evidence: string,
    extra: Omit<Observation, 'channel' | 'fused'>,
    face: { dominant: string | null; score: number; micro: string | null } | null = null,
  ): Promise<SenseAlert[]> {
    if (!this.analysisEnabled(ref.kioskId)) return [];
    const state = this.stateOf(ref.sessionId);
    // The state follows what was observed, stored or not, as it does for the face frames never stored.
    const fused = state.fusion.add(channel, signal);
    const now = this.now();
    const at = new Date(now).toISOString();
    const event: SenseEvent = {
      sessionId: ref.sessionId,
      callId: ref.callId,
      at,
      channel,
      signal: { valence: round(signal.valence), arousal: round(signal.arousal) },
      fused: { valence: round(fused.valence), arousal: round(fused.arousal), label: fused.label },
      evidence,
    };
    const alerts: SenseAlert[] = [];
    // Cooldowns start now so that signals arriving while this one is written do not raise the same alert.
    const cooled = new Map<string, number | undefined>();
    for (const { rule, trigger } of evaluate(this.rules, { channel, fused, ...extra })) {
      const last = state.lastFired.get(rule.id);
      if (now - (last ?? -Infinity) < rule.cooldownSeconds * 1000) continue;
      cooled.set(rule.id, last);
      state.lastFired.set(rule.id, now);
      const suggestion = this.text.suggestion(trigger ?? rule.suggestion) ?? this.text.suggestion('negative')!;
      alerts.push({ id: randomUUID(), sessionId: ref.sessionId, callId: ref.callId, at, level: rule.level, rule: rule.id, ...alertReason(rule, trigger, channel, fused, extra.expression), suggestion, evidence: { channel, detail: evidence } });
    }
    try {
      await this.journal.write((tx) => {
        this.records.insertReading(event, alerts);
        tx.emit('sense.state', { sessionId: ref.sessionId, callId: ref.callId, kioskId: ref.kioskId, channel, fused: event.fused, face, at });
        for (const alert of alerts) tx.emit('sense.alert', { alert, kioskId: ref.kioskId });
      });
    } catch (err) {
      // An alert that was not stored was not raised: the next signal may raise it.
      for (const [ruleId, last] of cooled) {
        if (state.lastFired.get(ruleId) !== now) continue;
        if (last === undefined) state.lastFired.delete(ruleId);
        else state.lastFired.set(ruleId, last);
      }
      throw err;
    }
    return alerts;
  }

  /** Keeps a finished call's talk, silence and overlap figures for quality inspection. */
  async recordCallStats(callId: string, sessionId: string | null, stats: ConversationStats): Promise<SenseCallStats> {
    const record: SenseCallStats = { callId, sessionId, at: new Date(this.now()).toISOString(), ...stats };
    await this.journal.write(() => this.records.insertCallStats(record));
    return record;
  }

  callStats(callId: string): SenseCallStats | null {
    return this.records.callStats(callId);
  }

  timeline(sessionId: string): SenseEvent[] {
    return this.records.timeline(sessionId);
  }

  alertsOf(sessionId: string): SenseAlert[] {
    return this.records.alertsOf(sessionId);
  }

  /** The newest alerts first; with `sinceIso`, only those raised since. */
  alerts(limit: number, sinceIso?: string): SenseAlert[] {
    return this.records.recentAlerts(limit, sinceIso);
  }

  /** The customer's valence at the first and last reading of a call: quality inspection's "calmer at the end". */
  callEmotion(callId: string): CallEmotion | null {
    return this.records.callEmotion(callId);
  }

  /** For the cloud's summary record, read inside the transaction that ends the call. */
  emotionSummary(sessionId: string): EmotionSummary | null {
    return this.records.emotionSummary(sessionId);
  }
}
