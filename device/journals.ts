import type { Logger } from 'pino';
import { outboxTables } from './sync/index.js';
import type { BusEvents, EventBus, FactJournal } from './bus.js';
import { CallRepository, callsTables } from './calls/index.js';
import type { Config } from './config.js';
import { ExposureRepository, IngestRunRepository, knowledgeTables, TicketRepository } from './knowledge/index.js';
import { metricsTables } from './metrics/index.js';
import { qaTables, ScorecardRepository } from './qa/index.js';
import { IntentExampleRepository, routingTables, SessionRepository } from './routing/index.js';
import { senseTables, SenseRepository } from './sense/index.js';
import { Journal, type LegacyImport } from './store/index.js';
import type { RetentionRule } from './store/retention.js';

/** Every folder that owns journal tables; the order is the order their migrations run in. */
const JOURNAL_OWNERS = [routingTables, callsTables, knowledgeTables, senseTables, qaTables, metricsTables, outboxTables];

export function openJournal(file: string, bus: EventBus, log: Logger): Promise<FactJournal> {
  return Journal.open<BusEvents>(file, {
    owners: JOURNAL_OWNERS,
    announce: (name, payload) => bus.emit(name, payload),
    onAfterCommitError: (err) => log.error({ err }, 'a step after a committed write failed; the write stands'),
  });
}

/**
 * Moves the journals of a v7 JSON store into SQLite, all in one transaction, each through its owner's
 * repository. Safe to repeat (what is there already stays). Kiosk inquiries are not kept: nothing has
 * read them since v3, and the backup of the v7 file still holds them.
 */
export function legacyImporter(journal: FactJournal, log: Logger): LegacyImport {
  return async (legacy) => {
    const counts = await journal.write(() => ({
      sessions: new SessionRepository(journal.db).importLegacy(legacy.serviceSessions),
      calls: new CallRepository(journal.db).importLegacy(legacy.calls),
      exposures: new ExposureRepository(journal.db).importLegacy(legacy.kbExposures),
      tickets: new TicketRepository(journal.db).importLegacy(legacy.kbTickets),
      ingestRuns: new IngestRunRepository(journal.db).importLegacy(legacy.kbIngestRuns),
      sense: new SenseRepository(journal).importLegacy(legacy),
      scorecards: new ScorecardRepository(journal).importLegacy(legacy.qaScorecards),
    }));
    log.info({ ...counts, inquiriesLeftInBackup: legacy.inquiries.length }, 'journals of the v7 store moved to SQLite');
  };
}

/**
 * What the journals keep and for how long: per-reading emotion data for the sense retention, the
 * records of service for the record retention, after the days about to go are rolled up into the
 * daily KPIs that outlive them.
 */
export function retentionRules(journal: FactJournal, config: Pick<Config, 'senseRetentionDays' | 'recordRetentionDays'>, rollUpBefore: (beforeIso: string) => Promise<unknown>): RetentionRule[] {
  const sense = new SenseRepository(journal);
  const sessions = new SessionRepository(journal.db);
  const examples = new IntentExampleRepository(journal.db);
  const calls = new CallRepository(journal.db);
  const scorecards = new ScorecardRepository(journal);
  const exposures = new ExposureRepository(journal.db);
  const tickets = new TicketRepository(journal.db);
  const runs = new IngestRunRepository(journal.db);
  const records = config.recordRetentionDays;
  return [
    { name: 'sense', days: config.senseRetentionDays, prune: (before, limit) => sense.prune(before, limit) },
    { name: 'sessions', days: records, before: async (before) => void (await rollUpBefore(before)), prune: (before, limit) => sessions.prune(before, limit) },
    { name: 'intent examples', days: records, prune: (before, limit) => examples.prune(before, limit) },
    { name: 'calls', days: records, prune: (before, limit) => calls.prune(before, limit) },
    { name: 'scorecards', days: records, prune: (before, limit) => scorecards.prune(before, limit) },
    { name: 'exposures', days: records, prune: (before, limit) => exposures.prune(before, limit) },
    { name: 'tickets', days: records, prune: (before, limit) => tickets.prune(before, limit) },
    { name: 'ingestion runs', days: records, prune: (before, limit) => runs.prune(before, limit) },
  ];
}
