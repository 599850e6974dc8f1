import type { Logger } from 'pino';
import type { EventBus } from '../device/bus.js';
import type { Outbox } from './outbox.js';
import { recordData, type DurableStream, type RecordData } from './protocol.js';

interface OpenCall {
  kioskId: string;
  sessionId: string | null;
  skill: string;
  requestedAt: number;
  answeredAt: number | null;
  agentId: string | null;
}

interface EmotionTally {
  callId: string | null;
  kioskId: string;
  samples: number;
  valence: number;
  minValence: number;
  arousal: number;
  labels: Record<string, number>;
}

const seconds = (from: number, to: number) => Math.max(0, Math.round((to - from) / 100) / 10);
/** Summaries carry three decimals: enough for a trend, and no float noise in the cloud. */
const figure = (x: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, x)) * 1000) / 1000;

/**
 * Turns the appliance's bus events into outbox records. Nothing in the modules that produce these facts
 * knows about the cloud; this is the only place that decides what leaves the device, and it sends
 * figures and identifiers, never media, transcripts or customer details.
 */
export function feedOutbox(bus: EventBus, outbox: Outbox, log: Logger): () => void {
  const calls = new Map<string, OpenCall>();
  const emotions = new Map<string, EmotionTally>();

  const put = <S extends DurableStream>(stream: S, data: RecordData<S>, at: string): void => {
    // The schemas are the contract with the hub: a record that breaks it is a bug here, not data to send.
    const checked = recordData[stream].safeParse(data);
    if (!checked.success) {
      log.error({ stream, problem: checked.error.issues[0]?.message }, 'outbox record does not match its schema; not sent');
      return;
    }
    outbox.add(stream, checked.data, at).catch((err: Error) => log.error({ stream, err: err.message }, 'could not add record to the outbox'));
  };

  const unsubscribe = [
    bus.on('qa.scorecard', (e) => put('scorecard', { scorecardId: e.scorecardId, sessionId: e.sessionId, agentId: e.agentId, total: e.total, formVersion: e.formVersion }, e.at)),
    bus.on('knowledge.ticket.opened', (e) => put('ticket', { ticketId: e.ticketId, number: e.number, event: 'opened', intent: e.intent, dueAt: e.dueAt, articleId: null }, e.at)),
    bus.on('knowledge.ticket.warning', (e) => put('ticket', { ticketId: e.ticketId, number: e.number, event: e.kind, intent: null, dueAt: e.dueAt, articleId: null }, e.at)),
    bus.on('knowledge.ticket.resolved', (e) => put('ticket', { ticketId: e.ticketId, number: e.number, event: 'resolved', intent: null, dueAt: null, articleId: e.articleId }, e.at)),
    bus.on('routing.decided', (e) =>
      put('session', { event: 'decided', sessionId: e.sessionId, kioskId: e.kioskId, kind: e.kind, label: e.label, confidence: e.confidence, answered: e.answered, lang: e.lang as 'en' }, e.at),
    ),
    bus.on('routing.wrapped-up', (e) => put('session', { event: 'wrapped-up', sessionId: e.sessionId, agentId: e.agentId, label: e.label, confirmed: e.confirmed, resolved: e.resolved }, e.at)),
    bus.on('call.requested', (e) => {
      calls.set(e.callId, { kioskId: e.kioskId, sessionId: e.sessionId, skill: e.skill, requestedAt: Date.parse(e.at), answeredAt: null, agentId: null });
    }),
    bus.on('call.answered', (e) => {
      const call = calls.get(e.callId);
      if (call && call.answeredAt === null) {
        call.answeredAt = Date.parse(e.at);
        call.agentId = e.agentId;
      }
    }),
    bus.on('sense.state', (e) => {
      const tally = emotions.get(e.sessionId) ?? { callId: e.callId, kioskId: e.kioskId, samples: 0, valence: 0, minValence: 1, arousal: 0, labels: {} };
      tally.callId ??= e.callId;
      tally.samples += 1;
      tally.valence += e.fused.valence;
      tally.minValence = Math.min(tally.minValence, e.fused.valence);
      tally.arousal += e.fused.arousal;
      tally.labels[e.fused.label] = (tally.labels[e.fused.label] ?? 0) + 1;
      emotions.set(e.sessionId, tally);
    }),
    bus.on('sense.alert', (e) => put('emotion', { event: 'alert', sessionId: e.alert.sessionId, callId: e.alert.callId, kioskId: e.kioskId, level: e.alert.level, rule: e.alert.rule }, e.alert.at)),
    bus.on('call.ended', (e) => {
      const call = calls.get(e.callId);
      calls.delete(e.callId);
      const ended = Date.parse(e.at);
      if (call) {
        put(
          'session',
          {
            event: 'call-ended',
            sessionId: e.sessionId,
            callId: e.callId,
            kioskId: call.kioskId,
            skill: call.skill,
            agentId: call.agentId,
            waitSeconds: seconds(call.requestedAt, call.answeredAt ?? ended),
            handleSeconds: call.answeredAt === null ? null : seconds(call.answeredAt, ended),
            reason: e.reason,
          },
          e.at,
        );
      }
      const tally = e.sessionId ? emotions.get(e.sessionId) : undefined;
      if (e.sessionId && tally && tally.samples > 0) {
        emotions.delete(e.sessionId);
        put(
          'emotion',
          {
            event: 'summary',
            sessionId: e.sessionId,
            callId: tally.callId,
            kioskId: tally.kioskId,
            samples: tally.samples,
            meanValence: figure(tally.valence / tally.samples, -1, 1),
            minValence: figure(tally.minValence, -1, 1),
            meanArousal: figure(tally.arousal / tally.samples, 0, 1),
            labels: tally.labels,
          },
          e.at,
        );
      }
    }),
  ];
  return () => {
    for (const off of unsubscribe) off();
  };
}
