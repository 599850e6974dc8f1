import type { Logger } from 'pino';
import type { FactJournal } from '../bus.js';
import type { EmotionSummary } from '../sense/index.js';
import type { Outbox, OutboxTx } from './outbox.js';
import { MAX_CORRECTION_CHARS, recordData, type DurableStream, type RecordData } from '../../protocol/index.js';

/** What the feed reads from other modules, inside the transaction of the fact it is turning into a record. */
export interface FeedSources {
  emotionSummary(sessionId: string): EmotionSummary | null;
}

const seconds = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10);
/** Summaries carry three decimals: enough for a trend, and no float noise in the cloud. */
const figure = (x: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, x)) * 1000) / 1000;

/**
 * Turns the facts the journal records into outbox records, inside the transaction that records them:
 * a fact is committed with its record or not at all. Nothing in the modules that produce these facts
 * knows about the cloud; this is the only place that decides what leaves the device, and it sends
 * figures and identifiers, never media, transcripts or customer details, with one exception the device's
 * owner switches: the questions agents labelled at wrap-up (`options.corrections`).
 */
export interface FeedOptions {
  /** Send the agents' intent labels with the customers' questions (the `correction` stream). */
  corrections: boolean;
}

export function feedOutbox(journal: FactJournal, outbox: Outbox, sources: FeedSources, options: FeedOptions, log: Logger): void {
  const put = <S extends DurableStream>(tx: OutboxTx, stream: S, data: RecordData<S>, at: string): void => {
    // The schemas are the contract with the hub: a record that breaks it is a bug here, not data to
    // send, and no reason to refuse the fact it describes.
    const checked = recordData[stream].safeParse(data);
    if (!checked.success) {
      log.error({ stream, problem: checked.error.issues[0]?.message }, 'outbox record does not match its schema; not sent');
      return;
    }
    outbox.add(tx, stream, checked.data, at);
  };

  journal.inTransaction('qa.scorecard', (e, tx) => put(tx, 'scorecard', { scorecardId: e.scorecardId, sessionId: e.sessionId, agentId: e.agentId, total: e.total, formVersion: e.formVersion }, e.at));
  journal.inTransaction('knowledge.ticket.opened', (e, tx) => put(tx, 'ticket', { ticketId: e.ticketId, number: e.number, event: 'opened', intent: e.intent, dueAt: e.dueAt, articleId: null }, e.at));
  journal.inTransaction('knowledge.ticket.warning', (e, tx) => put(tx, 'ticket', { ticketId: e.ticketId, number: e.number, event: e.kind, intent: null, dueAt: e.dueAt, articleId: null }, e.at));
  journal.inTransaction('knowledge.ticket.resolved', (e, tx) => put(tx, 'ticket', { ticketId: e.ticketId, number: e.number, event: 'resolved', intent: null, dueAt: null, articleId: e.articleId }, e.at));
  journal.inTransaction('routing.decided', (e, tx) =>
    put(tx, 'session', { event: 'decided', sessionId: e.sessionId, kioskId: e.kioskId, kind: e.kind, label: e.label, confidence: e.confidence, answered: e.answered, lang: e.lang as 'en' }, e.at),
  );
  journal.inTransaction('routing.wrapped-up', (e, tx) => put(tx, 'session', { event: 'wrapped-up', sessionId: e.sessionId, agentId: e.agentId, label: e.label, confirmed: e.confirmed, resolved: e.resolved }, e.at));
  if (options.corrections) {
    journal.inTransaction('routing.wrapped-up', (e, tx) => {
      if (e.question.trim() !== '') put(tx, 'correction', { sessionId: e.sessionId, text: e.question.slice(0, MAX_CORRECTION_CHARS), lang: e.lang as 'en', routedLabel: e.routedLabel, label: e.label }, e.at);
    });
  }
  journal.inTransaction('sense.alert', (e, tx) =>
    put(tx, 'emotion', { event: 'alert', sessionId: e.alert.sessionId, callId: e.alert.callId, kioskId: e.kioskId, level: e.alert.level, rule: e.alert.rule }, e.alert.at),
  );
  journal.inTransaction('call.ended', (e, tx) => {
    put(
      tx,
      'session',
      {
        event: 'call-ended',
        sessionId: e.sessionId,
        callId: e.callId,
        kioskId: e.kioskId,
        skill: e.skill,
        agentId: e.agentId,
        waitSeconds: seconds(e.requestedAt, e.answeredAt ?? e.at),
        handleSeconds: e.answeredAt === null ? null : seconds(e.answeredAt, e.at),
        reason: e.reason,
      },
      e.at,
    );
    const summary = e.sessionId ? sources.emotionSummary(e.sessionId) : null;
    if (e.sessionId && summary && summary.samples > 0) {
      put(
        tx,
        'emotion',
        {
          event: 'summary',
          sessionId: e.sessionId,
          callId: summary.callId,
          kioskId: e.kioskId,
          samples: summary.samples,
          meanValence: figure(summary.meanValence, -1, 1),
          minValence: figure(summary.minValence, -1, 1),
          meanArousal: figure(summary.meanArousal, 0, 1),
          labels: summary.labels,
        },
        e.at,
      );
    }
  });
}
