import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../device/bus.js';
import { CallRepository } from '../../device/calls/index.js';
import { legacyImporter, openJournal } from '../../device/journals.js';
import { ExposureRepository, IngestRunRepository, TicketRepository } from '../../device/knowledge/index.js';
import { ScorecardRepository } from '../../device/qa/index.js';
import { SessionRepository } from '../../device/routing/index.js';
import { SenseRepository } from '../../device/sense/index.js';
import { Store, type LegacyJournals } from '../../device/store/index.js';

const FIXTURE = new URL('../fixtures/store-v7.json', import.meta.url);
const log = pino({ level: 'silent' });

/** Opens a data dir as the appliance does: the journals, then the store, which migrates into them. */
async function openDataDir(dir: string) {
  const journal = await openJournal(join(dir, 'branchline.db'), new EventBus(), log);
  const store = await Store.open(join(dir, 'branchline.json'), { importLegacy: legacyImporter(journal, log) });
  return { journal, store };
}

describe('migration of a store written by the v7 build', () => {
  it('moves every journal collection into SQLite in one step, after a backup, and keeps the reference data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'branchline-migrate-'));
    copyFileSync(FIXTURE, join(dir, 'branchline.json'));
    const v7 = JSON.parse(readFileSync(FIXTURE, 'utf8')) as LegacyJournals & Record<string, unknown>;
    const { journal, store } = await openDataDir(dir);

    expect(readFileSync(join(dir, 'branchline.json.v7.backup'), 'utf8')).toBe(readFileSync(FIXTURE, 'utf8'));
    const sessions = new SessionRepository(journal.db);
    for (const session of v7.serviceSessions) expect(sessions.sessionById(session.id)).toEqual(session);
    const calls = new CallRepository(journal.db);
    for (const call of v7.calls) expect(calls.record(call.id)).toEqual(call);
    const exposures = new ExposureRepository(journal.db);
    for (const exposure of v7.kbExposures) expect(exposures.exposure(exposure.id)).toEqual(exposure);
    const tickets = new TicketRepository(journal.db);
    for (const ticket of v7.kbTickets) expect(tickets.ticket(ticket.id)).toEqual(ticket);
    expect(new IngestRunRepository(journal.db).recent(10)).toEqual(v7.kbIngestRuns);
    const sense = new SenseRepository(journal);
    expect(sense.timeline('s-1')).toEqual(v7.senseEvents);
    expect(sense.alertsOf('s-1')).toEqual(v7.senseAlerts);
    expect(sense.callStats('c-1')).toEqual(v7.senseCallStats[0]);
    expect(new ScorecardRepository(journal).get('sc-1')).toEqual(v7.qaScorecards[0]);
    expect(store.schemaVersion).toBe(8);
    expect(store.read((d) => ({ users: d.users, kiosks: d.kiosks, customers: d.customers, key: d.customerLookupKey, nodes: d.kbNodes, versions: d.kbArticleVersions, links: d.kbLinks, forms: d.qaForms, baselines: d.baselineReports }))).toEqual({
      users: v7.users, kiosks: v7.kiosks, customers: v7.customers, key: v7.customerLookupKey, nodes: v7.kbNodes, versions: v7.kbArticleVersions, links: v7.kbLinks, forms: v7.qaForms, baselines: v7.baselineReports,
    });
    await store.close();
    journal.close();

    // A second start finds nothing to migrate and nothing doubled.
    const again = await openDataDir(dir);
    expect(new CallRepository(again.journal.db).recentCalls(10)).toHaveLength(v7.calls.length);
    expect(new SenseRepository(again.journal).timeline('s-1')).toHaveLength(v7.senseEvents.length);
    await again.store.close();
    again.journal.close();
  });

  it('repeats the import without doubling anything when a crash came between the journal commit and the new file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'branchline-migrate-'));
    copyFileSync(FIXTURE, join(dir, 'branchline.json'));
    const journal = await openJournal(join(dir, 'branchline.db'), new EventBus(), log);
    const v7 = JSON.parse(readFileSync(FIXTURE, 'utf8')) as LegacyJournals;
    await legacyImporter(journal, log)(v7);
    journal.close();
    // The JSON file is still v7, as after a kill -9 right after the import committed.
    const { journal: j2, store } = await openDataDir(dir);
    expect(store.schemaVersion).toBe(8);
    expect(new SessionRepository(j2.db).recentSessions(10)).toHaveLength(v7.serviceSessions.length);
    expect(new ExposureRepository(j2.db).exposuresOf('s-1')).toHaveLength(1);
    expect(new SenseRepository(j2).timeline('s-1')).toHaveLength(v7.senseEvents.length);
    expect(new ScorecardRepository(j2).newest(10)).toHaveLength(1);
    await store.close();
    j2.close();
  });
});
