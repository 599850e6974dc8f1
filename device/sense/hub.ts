import { randomUUID } from 'node:crypto';
import type { EventBus } from '../bus.js';
import type { SenseAlert, SenseCallStats, SenseEvent, Store } from '../store/index.js';
import type { FaceReading } from './face.js';
import { EmotionFusion, type Channel, type Emotion } from './fusion.js';
import { MicroExpressionSpotter, type MicroExpression } from './micro.js';
import { evaluate, type EscalationRule, type Observation } from './rules.js';
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

export interface SessionRef {
  sessionId: string;
  callId: string | null;
  kioskId: string;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The emotion state of every session: text, voice (and face) signals are fused into one smoothed state
 * kept as a timeline with the session; escalation rules turn signals into alerts (stored with their
 * evidence and announced on the bus for the agent, the supervisor and the queues). A kiosk whose
 * analysis is switched off produces nothing at all.
 */
export class EmotionSensing {
  private readonly fusions = new Map<string, EmotionFusion>();
  private readonly lastFired = new Map<string, number>();
  private readonly spotters = new Map<string, MicroExpressionSpotter>();
  private readonly lastFaceRecord = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly text: TextSentiment,
    private readonly rules: readonly EscalationRule[],
    private readonly analysisEnabled: (kioskId: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {
    bus.on('routing.decided', (e) => this.onText({ sessionId: e.sessionId, callId: null, kioskId: e.kioskId }, e.text));
    bus.on('call.chat', (e) => (e.from === 'customer' && e.sessionId ? this.onText({ sessionId: e.sessionId, callId: e.callId, kioskId: e.kioskId }, e.text) : undefined));
    bus.on('call.ended', (e) => {
      if (!e.sessionId) return;
      this.fusions.delete(e.sessionId);
      this.spotters.delete(e.sessionId);
      this.lastFaceRecord.delete(e.sessionId);
    });
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
    const spotter = this.spotters.get(ref.sessionId) ?? new MicroExpressionSpotter();
    this.spotters.set(ref.sessionId, spotter);
    const micro: MicroExpression | undefined = spotter.push({ t: atMs, aus: reading.aus, yaw: reading.yaw, pitch: reading.pitch })[0];
    const last = this.lastFaceRecord.get(ref.sessionId) ?? -Infinity;
    if (!micro && atMs - last < FACE_RECORD_MS) {
      this.fusionOf(ref.sessionId).add('face', signal);
      return [];
    }
    this.lastFaceRecord.set(ref.sessionId, atMs);
    const face = { dominant: reading.dominant, score: reading.dominant ? (reading.emotions[reading.dominant] ?? 0) : 0, micro: micro?.label ?? null };
    const evidence = `face ${face.dominant ?? 'unknown'} ${(face.score * 100).toFixed(0)}%, yaw ${reading.yaw.toFixed(0)}°${micro ? `; micro-expression ${micro.label} at ${(micro.onset / 1000).toFixed(1)} s for ${Math.round(micro.offset - micro.onset)} ms (${micro.units.join(', ')})` : ''}`;
    return this.record(ref, 'face', signal, evidence, { expression: micro && NEGATIVE_MICRO.has(micro.label) ? micro.label : null }, face);
  }

  private fusionOf(sessionId: string): EmotionFusion {
    const fusion = this.fusions.get(sessionId) ?? new EmotionFusion();
    this.fusions.set(sessionId, fusion);
    return fusion;
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
    const fused = this.fusionOf(ref.sessionId).add(channel, signal);
    const at = new Date(this.now()).toISOString();
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
    for (const { rule, trigger } of evaluate(this.rules, { channel, fused, ...extra })) {
      const key = `${ref.sessionId}:${rule.id}`;
      if (this.now() - (this.lastFired.get(key) ?? -Infinity) < rule.cooldownSeconds * 1000) continue;
      this.lastFired.set(key, this.now());
      const suggestion = this.text.suggestion(trigger ?? rule.suggestion) ?? this.text.suggestion('negative')!;
      const reason = trigger
        ? `customer mentions ${trigger}`
        : rule.signal === 'expression'
          ? `brief ${extra.expression} on the customer's face`
          : rule.channel === 'fused' ? `customer ${fused.label} (valence ${fused.valence.toFixed(2)})` : `${channel}: ${rule.id.replace(/-/g, ' ')}`;
      alerts.push({ id: randomUUID(), sessionId: ref.sessionId, callId: ref.callId, at, level: rule.level, rule: rule.id, reason, suggestion, evidence: { channel, detail: evidence } });
    }
    await this.store.update((d) => {
      d.senseEvents.push(event);
      d.senseAlerts.push(...alerts);
    });
    this.bus.emit('sense.state', { sessionId: ref.sessionId, callId: ref.callId, kioskId: ref.kioskId, channel, fused: event.fused, face, at });
    for (const alert of alerts) this.bus.emit('sense.alert', { alert, kioskId: ref.kioskId });
    return alerts;
  }

  /** Keeps a finished call's talk, silence and overlap figures for quality inspection. */
  async recordCallStats(callId: string, sessionId: string | null, stats: ConversationStats): Promise<SenseCallStats> {
    const record: SenseCallStats = { callId, sessionId, at: new Date(this.now()).toISOString(), ...stats };
    await this.store.update((d) => void d.senseCallStats.push(record));
    return record;
  }

  callStats(callId: string): SenseCallStats | null {
    return this.store.read((d) => d.senseCallStats.find((s) => s.callId === callId) ?? null);
  }

  timeline(sessionId: string): SenseEvent[] {
    return this.store.read((d) => d.senseEvents.filter((e) => e.sessionId === sessionId));
  }

  alertsOf(sessionId: string): SenseAlert[] {
    return this.store.read((d) => d.senseAlerts.filter((a) => a.sessionId === sessionId));
  }

  alerts(limit: number): SenseAlert[] {
    return this.store.read((d) => d.senseAlerts.slice(-limit).reverse());
  }
}
