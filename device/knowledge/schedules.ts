import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { EventBus, FactJournal } from '../bus.js';
import type { Ingestion } from './ingest/runner.js';
import type { Knowledge } from './knowledge.js';
import type { KnowledgeTickets } from './tickets.js';

export interface KnowledgeSchedules {
  journal: FactJournal;
  bus: EventBus;
  knowledge: Knowledge;
  tickets: KnowledgeTickets;
  ingestion: Ingestion;
  log: Logger;
  /** When the ingestion connectors run (cron pattern). */
  ingestCron: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The monthly review is ready on the first of the month, in the morning. */
const MONTHLY_REVIEW = '0 9 1 * *';

/**
 * What the knowledge base does on its own: ticket deadline warnings every minute, outcomes settled by a
 * customer's repeat question (in the question's own write) or by their quiet days (hourly), the
 * monthly review and the ingestion runs. Returns the function that stops all of it.
 */
export function scheduleKnowledge({ journal, bus, knowledge, tickets, ingestion, log, ingestCron }: KnowledgeSchedules): () => void {
  const stops: (() => void)[] = [];
  const every = (ms: number, run: () => Promise<unknown>, failure: string) => {
    const timer = setInterval(() => run().catch((err: Error) => log.error({ err: err.message }, failure)), ms);
    timer.unref();
    stops.push(() => clearInterval(timer));
  };

  every(MINUTE, () => tickets.checkDeadlines(), 'ticket deadline check failed');
  stops.push(bus.on('knowledge.ticket.warning', (w) => log.warn({ ticket: w.number, kind: w.kind, dueAt: w.dueAt }, 'knowledge ticket deadline')));

  stops.push(
    journal.inTransaction('routing.decided', (e, tx) => {
      if (e.customerId && e.label) knowledge.ledger.settleRepeats(tx, e.customerId, e.label, e.sessionId);
    }),
  );
  every(HOUR, () => knowledge.ledger.settleQuietDays(), 'settling outcomes failed');

  const review = new Cron(MONTHLY_REVIEW, { protect: true }, () => {
    const due = knowledge.review();
    bus.emit('knowledge.review.ready', { articles: due.length, at: new Date().toISOString() });
    log.info({ articles: due.length }, 'monthly knowledge review ready (Admin -> Knowledge -> Monthly review)');
  });
  stops.push(() => review.stop());

  ingestion.schedule(ingestCron);
  stops.push(() => ingestion.stop());

  return () => {
    for (const stop of stops) stop();
  };
}
