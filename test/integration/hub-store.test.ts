import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FactJournal } from '../../device/bus.js';
import { KpiDays, KpiReports, metricsTables } from '../../device/metrics/index.js';
import type { CallRecord, QaScorecardRecord, ServiceSessionRecord } from '../../device/store/index.js';
import { HubError } from '../../hub/errors.js';
import { Operators } from '../../hub/operators.js';
import { ReleaseShelf } from '../../hub/releases.js';
import { HubStoreUnavailable, openHubStore, type AuditEntry, type HubStore, type Rollout, type StoredRecord } from '../../hub/store/index.js';
import {
  buildManifest,
  CHUNK_BYTES,
  emptyTally,
  generateFleetKeys,
  kpisOf,
  recordData,
  ReleaseError,
  roundFigure,
  signManifest,
  tallySession,
  type DurableStream,
  type Kpis,
  type RecordData,
  type SessionKpiFacts,
} from '../../protocol/index.js';
import { openTestJournal } from '../helpers/journal.js';
import { arraySources } from '../helpers/kpi-sources.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { at, BRANCH_A_KPIS, branchA, call, card, DAY_MS, decided, noAccounts, session, T0, wrap } from '../helpers/kpi-fixture.js';

const log = pino({ level: 'silent' });
const ENGINES = ['sqlite', 'postgres'] as const;
type Engine = (typeof ENGINES)[number];

let cluster: TestPostgres | null = null;
const folders: string[] = [];
/** Every store a test opened, closed after it whatever happened. */
const opened: HubStore[] = [];
const journals: FactJournal[] = [];
let databases = 0;

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close().catch(() => undefined)));
  for (const j of journals.splice(0)) j.close();
});

afterAll(async () => {
  await cluster?.close();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

interface Target {
  url: string | null;
  /** Another store over the same database: a second hub instance (PostgreSQL) or a reopened embedded hub (SQLite). */
  open(maxConnections?: number): Promise<HubStore>;
}

/** A fresh, empty database of `engine`: an SQLite file in its own folder, or a new database on the test cluster. */
async function freshDatabase(engine: Engine): Promise<Target> {
  const dataDir = tempDir('branchline-hub-store-');
  const url = engine === 'postgres' ? await cluster!.createDatabase(`hub_store_${++databases}`) : null;
  return {
    url,
    async open(maxConnections = 4) {
      const store = await openHubStore({ databaseUrl: url, dataDir, maxConnections, log });
      opened.push(store);
      return store;
    },
  };
}

const RECEIVED = '2026-11-03T10:00:00.000Z';

/** A record as the hub stores it, its data checked against the wire schema first (as the hub does). */
function record<S extends DurableStream>(deviceId: string, stream: S, seq: number, data: RecordData<S>, when = at(seq)): StoredRecord {
  const parsed = (recordData[stream] as { parse(v: unknown): unknown }).parse(JSON.parse(JSON.stringify(data)));
  return { id: randomUUID(), deviceId, stream, seq, at: when, receivedAt: RECEIVED, data: parsed };
}

const correction = (deviceId: string, seq: number, text = `question ${seq}`) =>
  record(deviceId, 'correction', seq, { sessionId: `s-${seq}`, text, lang: 'en', routedLabel: 'general.hours.opening', label: 'finance.cards.lost' });

function facts(sessionId: string, over: Partial<SessionKpiFacts> = {}): SessionKpiFacts {
  return {
    sessionId,
    kioskId: 'kiosk-1',
    startedAt: at(0),
    skill: 'none',
    agents: [],
    firstResponseSeconds: null,
    responseDue: false,
    asked: false,
    queued: false,
    abandoned: false,
    handleSeconds: 0,
    wrapUp: null,
    transferred: false,
    reopened: false,
    identified: false,
    repeated: false,
    scorecardTotals: [],
    stars: null,
    recommend: null,
    ...over,
  };
}
const factsRecord = (deviceId: string, seq: number, f: SessionKpiFacts) => record(deviceId, 'session', seq, { event: 'facts', ...f });

const kpisOfFacts = (list: readonly SessionKpiFacts[]): Kpis => {
  const tally = emptyTally();
  for (const f of list) tallySession(tally, f);
  return kpisOf(tally);
};

const noActivity = { ticketsOpened: 0, ticketsResolved: 0, ticketsBreached: 0, alertsAmber: 0, alertsRed: 0, scorecards: 0 };

const ticket = (deviceId: string, seq: number, event: RecordData<'ticket'>['event']) =>
  record(deviceId, 'ticket', seq, { ticketId: `t-${Math.ceil(seq / 2)}`, number: seq, event, intent: 'finance.cards.lost', dueAt: at(86_400), articleId: null });
const alert = (deviceId: string, seq: number, level: 'amber' | 'red') => record(deviceId, 'emotion', seq, { event: 'alert', sessionId: `s-${seq}`, callId: null, kioskId: 'kiosk-1', level, rule: 'valence-drop' });
const emotionSummary = (deviceId: string, seq: number) =>
  record(deviceId, 'emotion', seq, { event: 'summary', sessionId: `s-${seq}`, callId: null, kioskId: 'kiosk-1', samples: 12, meanValence: 0.2, minValence: -0.4, meanArousal: 0.3, labels: { calm: 12 } });
const scorecard = (deviceId: string, seq: number, total: number | null) => record(deviceId, 'scorecard', seq, { scorecardId: `qa-${seq}`, sessionId: `s-${seq}`, agentId: 'a1', total, formVersion: 1 });
const rolloutRecord = (deviceId: string, seq: number, releaseId: string, state: RecordData<'rollout'>['state'], at: string, reason: string | null = null) =>
  record(deviceId, 'rollout', seq, { releaseId, kind: 'model', version: '1.0.0', state, reason }, at);

/** The HubError (or other error) a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

// ---- Device fixtures, built as test/unit/session-facts.test.ts builds them ----

/** Another branch: handle times in milliseconds, transfers, a reopened session, an abandonment. */
function branchB() {
  const other = { id: 'c2', tier: 'vip' as const };
  return {
    sessions: [
      session('p', 10, { queuedAt: at(11), agentAnsweredAt: at(22.345), firstResponseAt: at(22.345), wrapUp: wrap(200, true, true), survey: { stars: 4, recommend: 9, at: at(210) } }),
      session('q', 20, { queuedAt: at(21), agentAnsweredAt: at(61.5), firstResponseAt: at(61.5), wrapUp: wrap(300.7, true, true), survey: { stars: 2, recommend: 3, at: at(320) } }),
      session('r', 30, { decisions: [decided('general.hours.opening', 31)], botAnsweredAt: at(32.2), firstResponseAt: at(32.2), survey: { stars: 1, recommend: null, at: at(60) } }),
      session('s', 40, { queuedAt: at(41), abandonedAt: at(75.9) }),
      session('t', 50, { customer: other, queuedAt: at(51), agentAnsweredAt: at(63.001), firstResponseAt: at(63.001), wrapUp: wrap(140.3, true, false) }),
      session('u', 7200, { customer: other, queuedAt: at(7201), agentAnsweredAt: at(7207.777), firstResponseAt: at(7207.777), wrapUp: wrap(7300, true, true) }),
    ],
    calls: [
      call('p', 'a3', 11, 22.345, 83.012),
      // A transfer: two agents.
      call('q', 'a3', 21, 61.5, 100.1),
      call('q', 'a4', 101, 102.25, 160.77),
      call('t', 'a4', 51, 63.001, 133.337),
      // Asked for again after the wrap-up: reopened, and by another agent a transfer too.
      call('t', 'a3', 150, 150.4, 199.999),
      call('u', 'a3', 7201, 7207.777, 7290.123),
    ],
    scorecards: [card('p', 88), card('q', 59.5), card('t', 12)],
  };
}

/**
 * Thirty agent calls with handle times in milliseconds. Their sum in floating point depends on how it is
 * added up: the device adds session after session (4282.334999999999 s), PostgreSQL sums numerics exactly
 * and SQLite with compensated summation (both 4282.335 s).
 */
function branchC() {
  const sessions: ServiceSessionRecord[] = [];
  const calls: CallRecord[] = [];
  for (let i = 0; i < 30; i++) {
    const start = 10_000 + i * 1000;
    const handleMs = 20_000 + (((i + 1) * 7919) % 400_000);
    sessions.push(session(`m${i}`, start, { queuedAt: at(start + 1), agentAnsweredAt: at(start + 5), firstResponseAt: at(start + 5) }));
    calls.push(call(`m${i}`, 'a5', start + 1, start + 5, start + 5 + handleMs / 1000));
  }
  return { sessions, calls, scorecards: [] as QaScorecardRecord[] };
}

/** The same figures to the last digit: protocol's kpisOf rounds away the float noise of summing order. */
function expectSameKpis(hub: Kpis, device: Kpis): void {
  expect(hub).toEqual(device);
}

describe.each(ENGINES)('hub store on %s', (engine) => {
  it('migrates an empty database to schema version 1', async () => {
    const store = await (await freshDatabase(engine)).open();
    expect(store.engine).toBe(engine);
    const [row] = await store.db.query<{ top: number; ones: number }>('SELECT max(version) AS top, sum(CASE WHEN version = 1 THEN 1 ELSE 0 END) AS ones FROM schema_version_hub');
    expect({ top: Number(row!.top), ones: Number(row!.ones) }).toEqual({ top: 1, ones: 1 });
  });

  it('stores a batch once: copies, overlaps and duplicates within a batch add nothing and are counted', async () => {
    const store = await (await freshDatabase(engine)).open();
    const first = [1, 2, 3, 4].map((seq) => correction('dev-a', seq));
    expect(await store.ingest(first)).toEqual(first);
    expect(store.duplicates).toBe(0);
    expect(await store.recordCount()).toBe(4);

    // The same batch again (a lost receipt): nothing new.
    expect(await store.ingest(first.map((r) => ({ ...r, receivedAt: '2026-11-04T00:00:00.000Z' })))).toEqual([]);
    expect(store.duplicates).toBe(4);
    expect(await store.recordCount()).toBe(4);

    // A batch overlapping it: only the two new records come back.
    const more = [correction('dev-a', 5), correction('dev-a', 6)];
    expect(await store.ingest([first[2]!, first[3]!, ...more])).toEqual(more);
    expect(store.duplicates).toBe(6);

    // Duplicates within one batch, in reverse sequence order: each stored once.
    const [r7, r8] = [correction('dev-a', 7), correction('dev-a', 8)];
    expect(await store.ingest([r8!, r7!, r8!, r7!, r8!])).toEqual([r8, r7]);
    expect(store.duplicates).toBe(9);

    const other = [correction('dev-b', 1, 'another branch'), correction('dev-b', 2, 'and again')];
    expect(await store.ingest(other)).toEqual(other);
    expect(await store.ingest([])).toEqual([]);
    expect(store.duplicates).toBe(9);

    expect(await store.recordCount()).toBe(10);
    expect(await store.recordCount('dev-a')).toBe(8);
    expect(await store.recordCount('dev-b')).toBe(2);
    expect(await store.recordCount('dev-z')).toBe(0);

    // The first copy is what was kept (its receivedAt), in sequence order whatever the arrival order.
    const devA = [...first, ...more, r7!, r8!];
    expect(await store.recordsOf('dev-a', 'correction')).toEqual(devA);
    expect(await store.recordsOf('dev-a', 'correction', 3)).toEqual(devA.slice(0, 3));
    expect(await store.recordsOf('dev-a', 'ticket')).toEqual([]);
    expect(await store.recordsOf('dev-b', 'correction')).toEqual(other);

    const expected = [...devA, ...other].map((r) => ({ ...(r.data as RecordData<'correction'>), deviceId: r.deviceId, at: r.at }));
    expect(await store.corrections()).toEqual(expected);
  });

  it('tallies each session from its latest facts record, per device and for the fleet, with the activity counts', async () => {
    const store = await (await freshDatabase(engine)).open();
    const s1 = facts('s1', { kioskId: 'kiosk-1' });
    const s2 = facts('s2', {
      skill: 'cards',
      agents: ['a1'],
      firstResponseSeconds: 5,
      responseDue: true,
      asked: true,
      queued: true,
      handleSeconds: 100,
      wrapUp: { resolved: true, confirmed: true },
      scorecardTotals: [80],
      stars: 5,
      recommend: 10,
    });
    await store.ingest([factsRecord('dev-a', 1, s1), factsRecord('dev-a', 2, s2)]);
    expect((await store.figures()).devices.get('dev-a')!.kpis).toEqual(kpisOfFacts([s1, s2]));

    // A later record of s1: the target passed unanswered, the customer left. It replaces s1's tally.
    const s1Later = { ...s1, responseDue: true, asked: true, queued: true, abandoned: true, scorecardTotals: [40] };
    await store.ingest([factsRecord('dev-a', 4, s1Later)]);
    let figures = await store.figures();
    expect(figures.devices.get('dev-a')!.kpis).toEqual(kpisOfFacts([s1Later, s2]));
    expect(figures.devices.get('dev-a')!.kpis.sessions).toBe(2);

    // An older record of s2 arriving late (seq 3 < 2's replacement at 5) does not replace the newer one.
    const s2Newer = { ...s2, stars: 4, recommend: 8 };
    const s2Older = { ...s2, stars: 1, recommend: 0, abandoned: true };
    await store.ingest([factsRecord('dev-a', 5, s2Newer)]);
    await store.ingest([factsRecord('dev-a', 3, s2Older)]);
    expect((await store.figures()).devices.get('dev-a')!.kpis).toEqual(kpisOfFacts([s1Later, s2Newer]));

    // Within one batch too: the higher seq wins whatever its place in the batch.
    const s1Final = { ...s1Later, stars: 2 };
    await store.ingest([factsRecord('dev-a', 7, s1Final), factsRecord('dev-a', 6, { ...s1Later, stars: 5 })]);
    // Records of the session stream that are not facts count nothing.
    await store.ingest([record('dev-a', 'session', 8, { event: 'wrapped-up', sessionId: 's1', agentId: 'a1', label: 'finance.cards.x', confirmed: true, resolved: true })]);

    // Another device, with a session of the same id: its own session.
    const b1 = facts('s1', { kioskId: 'kiosk-9', firstResponseSeconds: 40, responseDue: true, identified: true, repeated: true, stars: 3 });
    const b2 = facts('s9', { firstResponseSeconds: 1, responseDue: true, transferred: true, reopened: true, agents: ['a7', 'a8'], handleSeconds: 33 });
    await store.ingest([factsRecord('dev-b', 1, b1), factsRecord('dev-b', 2, b2)]);

    // Activity: tickets, emotion alerts by level (not summaries), scorecards.
    await store.ingest([ticket('dev-a', 1, 'opened'), ticket('dev-a', 2, 'due-soon'), ticket('dev-a', 3, 'opened'), ticket('dev-a', 4, 'resolved')]);
    await store.ingest([alert('dev-a', 1, 'amber'), emotionSummary('dev-a', 2), alert('dev-a', 3, 'red'), alert('dev-a', 4, 'amber')]);
    await store.ingest([scorecard('dev-a', 1, 80), scorecard('dev-a', 2, null)]);
    // A device with activity and no session facts.
    await store.ingest([ticket('dev-c', 1, 'breached'), alert('dev-c', 1, 'red'), scorecard('dev-c', 1, 30), rolloutRecord('dev-c', 1, 'rel-1', 'received', at(1))]);

    figures = await store.figures();
    expect([...figures.devices.keys()].sort()).toEqual(['dev-a', 'dev-b', 'dev-c']);
    expect(figures.devices.get('dev-a')).toEqual({
      kpis: kpisOfFacts([s1Final, s2Newer]),
      activity: { ticketsOpened: 2, ticketsResolved: 1, ticketsBreached: 0, alertsAmber: 2, alertsRed: 1, scorecards: 2 },
    });
    expect(figures.devices.get('dev-b')).toEqual({ kpis: kpisOfFacts([b1, b2]), activity: noActivity });
    expect(figures.devices.get('dev-c')).toEqual({ kpis: kpisOf(emptyTally()), activity: { ...noActivity, ticketsBreached: 1, alertsRed: 1, scorecards: 1 } });
    expect(figures.fleet).toEqual({
      kpis: kpisOfFacts([s1Final, s2Newer, b1, b2]),
      activity: { ticketsOpened: 2, ticketsResolved: 1, ticketsBreached: 1, alertsAmber: 2, alertsRed: 2, scorecards: 3 },
    });
    expect(figures.fleet.kpis.sessions).toBe(4);
  });

  it('shows for each device, and for the fleet, the figures the devices compute from the same sessions', async () => {
    const store = await (await freshDatabase(engine)).open();
    const clock = { now: T0 + DAY_MS };
    const from = T0 - 3_600_000;
    const devices = await Promise.all(
      [
        { id: 'branch-a', data: branchA(clock.now) },
        { id: 'branch-b', data: branchB() },
        { id: 'branch-c', data: branchC() },
      ].map(async ({ id, data }) => {
        const { journal } = await openTestJournal([metricsTables]);
        journals.push(journal);
        const sources = arraySources(data);
        const reports = new KpiReports(sources, new KpiDays(journal, sources, { recordRetentionDays: 730 }), noAccounts, () => clock.now);
        return { id, sources, reports, seq: 0, sent: new Map<string, string>() };
      }),
    );
    /** What a device's facts sweep sends: a record for each session whose facts changed since it last sent them. */
    const sweep = async () => {
      for (const d of devices) {
        const changed = d.reports.sessionKpiFacts(from, clock.now + 1).filter((f) => d.sent.get(f.sessionId) !== JSON.stringify(f));
        for (const f of changed) d.sent.set(f.sessionId, JSON.stringify(f));
        await store.ingest(changed.map((f) => factsRecord(d.id, ++d.seq, f)));
      }
    };
    const check = async () => {
      const figures = await store.figures();
      const all: SessionKpiFacts[] = [];
      for (const d of devices) {
        const own = d.reports.kpis(from, clock.now + 1).overall;
        // Whole seconds or half seconds (branches a and b): exactly equal.
        if (d.id !== 'branch-c') expect(figures.devices.get(d.id)!.kpis).toEqual(own);
        expectSameKpis(figures.devices.get(d.id)!.kpis, own);
        all.push(...d.reports.sessionKpiFacts(from, clock.now + 1));
      }
      // The fleet: the shared definitions over every device's sessions.
      expectSameKpis(figures.fleet.kpis, kpisOfFacts(all));
      return figures;
    };

    await sweep();
    const figures = await check();
    // The fixture of session-facts.test.ts gives the figures that test states.
    expect(figures.devices.get('branch-a')!.kpis).toEqual(BRANCH_A_KPIS);
    expect(figures.devices.get('branch-b')!.kpis).toMatchObject({ sessions: 6, transferred: 2, reopened: 1 });
    expect(figures.devices.get('branch-c')!.kpis.averageHandleSeconds).toBe(roundFigure(4282.335 / 30));
    expect(await store.recordCount()).toBe(42);

    // An hour on: session d is now late, a survey answer came in on branch a. Only those two are sent again.
    clock.now += 3_600_000;
    devices[0]!.sources.data.sessions.find((s) => s.id === 'c')!.survey = { stars: 1, recommend: 0, at: at(3000) };
    await sweep();
    expect(await store.recordCount()).toBe(44);
    const later = await check();
    expect(later.devices.get('branch-a')!.kpis).toMatchObject({ sessions: 6, responseRate30s: 3 / 6, surveyAnswers: 3 });
  });

  it('keeps the rollout state with the newest time of each device, and rollouts with their audit entries', async () => {
    const store = await (await freshDatabase(engine)).open();
    await store.ingest([rolloutRecord('dev-a', 1, 'rel-1', 'received', at(10)), rolloutRecord('dev-a', 2, 'rel-1', 'active', at(30))]);
    // Arriving later with an older time (a copy that took a detour): not newer.
    await store.ingest([rolloutRecord('dev-a', 3, 'rel-1', 'failed', at(20), 'probe failed')]);
    await store.ingest([rolloutRecord('dev-b', 1, 'rel-1', 'received', at(12)), rolloutRecord('dev-b', 2, 'rel-1', 'rejected', at(13), 'signature does not verify')]);
    await store.ingest([rolloutRecord('dev-a', 4, 'rel-2', 'received', at(40))]);
    expect(await store.deviceRolloutStates('rel-1')).toEqual(
      new Map([
        ['dev-a', { state: 'active', reason: null, at: at(30) }],
        ['dev-b', { state: 'rejected', reason: 'signature does not verify', at: at(13) }],
      ]),
    );
    expect(await store.deviceRolloutStates('rel-2')).toEqual(new Map([['dev-a', { state: 'received', reason: null, at: at(40) }]]));
    expect(await store.deviceRolloutStates('rel-0')).toEqual(new Map());
    // Every record is kept all the same.
    expect((await store.recordsOf('dev-a', 'rollout')).map((r) => (r.data as RecordData<'rollout'>).state)).toEqual(['received', 'active', 'failed', 'received']);

    const rollout = (id: string, createdAt: string, createdBy: string): Rollout => ({
      id,
      releaseId: 'rel-1',
      kind: 'model',
      version: '1.0.0',
      target: { group: 'north' },
      devices: ['dev-a', 'dev-b'],
      createdAt,
      createdBy,
      rolledBackAt: null,
      rolledBackBy: null,
    });
    const push = (r: Rollout): AuditEntry => ({ at: r.createdAt, actor: r.createdBy, action: 'rollout.push', detail: { rolloutId: r.id, devices: r.devices } });
    const first = rollout('ro-1', at(100), 'alice');
    const second = { ...rollout('ro-2', at(200), 'bob'), target: { percent: 50 }, devices: ['dev-b'] };
    await store.saveRollout(first, push(first));
    await store.saveRollout(second, push(second));
    const rolledBack = { ...first, rolledBackAt: at(300), rolledBackBy: 'carol' };
    await store.saveRollout(rolledBack, { at: at(300), actor: 'carol', action: 'rollout.rollback', detail: { rolloutId: 'ro-1' } });

    expect(await store.rollout('ro-1')).toEqual(rolledBack);
    expect(await store.rollout('ro-3')).toBeNull();
    expect(await store.rollouts()).toEqual([second, rolledBack]);
    const entries = [
      { at: at(300), actor: 'carol', action: 'rollout.rollback', detail: { rolloutId: 'ro-1' } },
      push(second),
      push(first),
    ];
    expect(await store.auditLog(10)).toEqual(entries);
    expect(await store.auditLog(2)).toEqual(entries.slice(0, 2));

    // An audit entry the database refuses: the rollout is not saved either.
    const third = rollout('ro-3', at(400), 'dave');
    await expect(store.saveRollout(third, { ...push(third), actor: null as unknown as string })).rejects.toThrow();
    expect(await store.rollout('ro-3')).toBeNull();
    expect(await store.rollouts()).toHaveLength(2);
    expect(await store.auditLog(10)).toEqual(entries);
  });

  it('lists the audit entries of one millisecond newest first too', async () => {
    const store = await (await freshDatabase(engine)).open();
    const when = at(500);
    for (let i = 1; i <= 8; i++) await store.audit(null, { at: when, actor: 'alice', action: 'config.change', detail: { step: i } });
    expect((await store.auditLog(8)).map((e) => e.detail.step)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });

  describe('releases', () => {
    const keys = generateFleetKeys();
    const SIZE = 700_000;
    const model = randomBytes(SIZE);
    const words = Buffer.from('apple\nbanana\ncherry\n');
    let folder: string;

    beforeAll(() => {
      folder = tempDir('branchline-release-');
      writeFileSync(join(folder, 'model.bin'), model);
      mkdirSync(join(folder, 'vocab'));
      writeFileSync(join(folder, 'vocab', 'words.txt'), words);
      writeFileSync(join(folder, 'empty.txt'), '');
    });

    /** A signed manifest of the folder, under a release id of its own. */
    async function signed() {
      const manifest = await buildManifest(folder, 'model', '2.1.0', { text: 'I lost my card', expect: 'finance.cards.lost' });
      const text = JSON.stringify(manifest);
      return { manifest, text, signature: signManifest(text, keys.privateKey) };
    }
    /** A body arriving in pieces that are not chunk-sized. */
    const body = (bytes: Buffer, piece = 100_003) => Readable.from(Array.from({ length: Math.ceil(bytes.length / piece) }, (_, i) => bytes.subarray(i * piece, (i + 1) * piece)));
    async function upload(shelf: ReleaseShelf, id: string, modelBytes = model) {
      expect(await shelf.saveFile(id, 'model.bin', body(modelBytes))).toBe(modelBytes.length);
      expect(await shelf.saveFile(id, 'vocab/words.txt', body(words, 7))).toBe(words.length);
      expect(await shelf.saveFile(id, 'empty.txt', Readable.from([]))).toBe(0);
    }

    it('stores files in chunks devices fetch, seals a signed release, serves the exact bytes from any instance', async () => {
      expect(SIZE).toBeGreaterThan(2 * CHUNK_BYTES);
      expect(SIZE).toBeLessThan(3 * CHUNK_BYTES);
      const target = await freshDatabase(engine);
      const store = await target.open();
      const shelf = new ReleaseShelf(store, keys.publicKey);
      const { manifest, text, signature } = await signed();
      const id = manifest.id;

      await upload(shelf, id);
      // Not served before it is sealed.
      expect(await shelf.chunk(id, 'model.bin', 0)).toBeNull();
      expect(await shelf.get(id)).toBeNull();
      expect(await store.releaseChunkCount(id, 'model.bin')).toBe(3);

      // A signature of another key, a manifest of another release: refused.
      const stranger = generateFleetKeys();
      await expect(shelf.seal(id, text, signManifest(text, stranger.privateKey))).rejects.toThrow(ReleaseError);
      await expect(shelf.seal(id, text, signManifest(text, stranger.privateKey))).rejects.toThrow(/signature does not verify/);
      await expect(shelf.seal('another-release', text, signature)).rejects.toThrow(/is for release/);
      expect(await store.sealedRelease(id)).toBeNull();

      expect(await shelf.seal(id, text, signature)).toEqual(manifest);
      expect(await store.sealedRelease(id)).toEqual({ manifestText: text, signature });
      // Sealing again with the same manifest changes nothing.
      expect(await shelf.seal(id, text, signature)).toEqual(manifest);

      const expectServed = async (from: ReleaseShelf) => {
        const pieces = [];
        for (let i = 0; i < 3; i++) {
          const piece = await from.chunk(id, 'model.bin', i);
          expect(piece!.data.length).toBe(i < 2 ? CHUNK_BYTES : SIZE - 2 * CHUNK_BYTES);
          expect(piece!.data.equals(model.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES))).toBe(true);
          expect(piece!.last).toBe(i === 2);
          pieces.push(piece!.data);
        }
        expect(Buffer.concat(pieces).equals(model)).toBe(true);
        // Past the end: an empty last piece.
        expect(await from.chunk(id, 'model.bin', 3)).toEqual({ data: Buffer.alloc(0), last: true });
        const vocab = await from.chunk(id, 'vocab/words.txt', 0);
        expect(vocab!.data.equals(words)).toBe(true);
        expect(vocab!.last).toBe(true);
        expect(await from.chunk(id, 'empty.txt', 0)).toEqual({ data: Buffer.alloc(0), last: true });
        // A file the manifest does not list, a release there is not.
        expect(await from.chunk(id, 'other.bin', 0)).toBeNull();
        expect(await from.chunk('no-such-release', 'model.bin', 0)).toBeNull();
      };
      await expectServed(shelf);

      // Sealed: its files cannot change.
      const refused = await failure(shelf.saveFile(id, 'model.bin', body(Buffer.from('something else'))));
      expect(refused).toBeInstanceOf(ReleaseError);
      expect(refused.message).toMatch(/sealed/);
      await expect(shelf.saveFile(id, 'new-file.bin', body(Buffer.from('more')))).rejects.toThrow(/sealed/);
      expect(await store.releaseChunkCount(id, 'new-file.bin')).toBe(0);

      // Another instance over the same database serves the same pieces.
      const second = await target.open();
      const otherShelf = new ReleaseShelf(second, keys.publicKey);
      expect((await otherShelf.get(id))?.manifestText).toBe(text);
      await expectServed(otherShelf);
      await expectServed(shelf);
    });

    it('does not seal a file that changed after it was checked (an upload racing the seal)', async () => {
      const store = await (await freshDatabase(engine)).open();
      // Another request replaces the file between the seal's check of the files and its write of the seal.
      let between: (() => Promise<void>) | null = null;
      const racing = new Proxy(store, {
        get(target, key) {
          if (key === 'sealRelease') {
            return async (...args: Parameters<HubStore['sealRelease']>) => {
              const run = between;
              between = null;
              await run?.();
              return target.sealRelease(...args);
            };
          }
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const shelf = new ReleaseShelf(racing, keys.publicKey);
      const uploader = new ReleaseShelf(store, keys.publicKey);
      const { manifest, text, signature } = await signed();
      const id = manifest.id;
      await upload(shelf, id);
      const tampered = Buffer.from(model);
      tampered[5] = tampered[5]! ^ 0xff;
      between = async () => void (await uploader.saveFile(id, 'model.bin', body(tampered)).catch(() => undefined));

      const outcome = await shelf.seal(id, text, signature).then(
        () => 'sealed',
        (err: unknown) => {
          if (!(err instanceof ReleaseError)) throw err;
          return 'refused';
        },
      );
      expect(between).toBeNull();
      // Refusing is right, and so is sealing what was checked; sealing other bytes is not.
      if (outcome === 'sealed') {
        const pieces: Buffer[] = [];
        for (let i = 0; ; i++) {
          const piece = await new ReleaseShelf(store, keys.publicKey).chunk(id, 'model.bin', i);
          pieces.push(piece!.data);
          if (piece!.last) break;
        }
        expect(Buffer.concat(pieces).equals(model), 'the sealed release serves bytes its manifest does not describe').toBe(true);
      } else {
        expect(await store.sealedRelease(id)).toBeNull();
      }
    });

    it('refuses to seal a release whose files do not match its manifest, and seals nothing', async () => {
      const store = await (await freshDatabase(engine)).open();
      const shelf = new ReleaseShelf(store, keys.publicKey);
      const { manifest, text, signature } = await signed();
      const id = manifest.id;
      const notSealed = async () => {
        expect(await store.sealedRelease(id)).toBeNull();
        expect(await shelf.get(id)).toBeNull();
        expect(await shelf.chunk(id, 'model.bin', 0)).toBeNull();
      };

      const tampered = Buffer.from(model);
      tampered[CHUNK_BYTES + 17] = tampered[CHUNK_BYTES + 17]! ^ 0xff;
      await upload(shelf, id, tampered);
      let err = await failure(shelf.seal(id, text, signature));
      expect(err).toBeInstanceOf(ReleaseError);
      expect(err.message).toBe('model.bin does not match its sha256 (tampered or corrupted)');
      await notSealed();

      await upload(shelf, id, model.subarray(0, SIZE - 1));
      err = await failure(shelf.seal(id, text, signature));
      expect(err).toBeInstanceOf(ReleaseError);
      expect(err.message).toBe(`model.bin is truncated: ${SIZE - 1} of ${SIZE} bytes`);
      await notSealed();

      await upload(shelf, id, Buffer.concat([model, Buffer.from([1])]));
      err = await failure(shelf.seal(id, text, signature));
      expect(err.message).toBe(`model.bin is ${SIZE + 1} bytes, the manifest says ${SIZE}`);
      await notSealed();

      // A file never uploaded.
      const other = await signed();
      await shelf.saveFile(other.manifest.id, 'model.bin', body(model));
      err = await failure(shelf.seal(other.manifest.id, other.text, other.signature));
      expect(err).toBeInstanceOf(ReleaseError);
      expect(err.message).toMatch(/has not been uploaded/);
      expect(await store.sealedRelease(other.manifest.id)).toBeNull();

      // Bad ids and paths.
      await expect(shelf.saveFile('../etc', 'model.bin', body(words))).rejects.toThrow(ReleaseError);
      await expect(shelf.saveFile(id, '../model.bin', body(words))).rejects.toThrow(/bad file path/);

      // Still open: the right files seal it.
      await upload(shelf, id);
      expect(await shelf.seal(id, text, signature)).toEqual(manifest);
      expect((await shelf.chunk(id, 'model.bin', 1))!.data.equals(model.subarray(CHUNK_BYTES, 2 * CHUNK_BYTES))).toBe(true);
    });
  });

  it('keeps operator accounts and sessions that every instance sees, and audits every change with its actor', async () => {
    const target = await freshDatabase(engine);
    const store = await target.open();
    const operators = new Operators(store);
    const password = 'correct horse battery';

    await operators.add('alice', 'operator', password, 'console');
    await operators.add('bob', 'viewer', 'bobs own long password', 'alice');
    const conflict = await failure(operators.add('alice', 'viewer', 'another long password', 'console'));
    expect(conflict).toBeInstanceOf(HubError);
    expect((conflict as HubError).kind).toBe('conflict');
    for (const [name, pw] of [
      ['Alice', password],
      ['a', password],
      ['9lives', password],
      ['carol', 'short'],
      ['carol', 'x'.repeat(257)],
    ] as const) {
      const err = await failure(operators.add(name, 'viewer', pw, 'console'));
      expect(err).toBeInstanceOf(HubError);
      expect((err as HubError).kind).toBe('invalid');
    }
    expect((await store.operators()).map((o) => [o.name, o.role])).toEqual([
      ['alice', 'operator'],
      ['bob', 'viewer'],
    ]);

    const session = await operators.signIn('alice', password);
    expect(session.role).toBe('operator');
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now() + 11 * 3_600_000);
    expect(await operators.signedIn(session.token)).toEqual({ name: 'alice', role: 'operator' });
    expect(await operators.signedIn('not a token')).toBeNull();

    // Another instance over the same database recognises the session.
    const otherStore = await target.open();
    const elsewhere = new Operators(otherStore);
    expect(await elsewhere.signedIn(session.token)).toEqual({ name: 'alice', role: 'operator' });
    const bobs = await elsewhere.signIn('bob', 'bobs own long password');
    expect(await operators.signedIn(bobs.token)).toEqual({ name: 'bob', role: 'viewer' });
    await operators.signOut(bobs.token);
    expect(await elsewhere.signedIn(bobs.token)).toBeNull();

    // A wrong password and a wrong name: the same answer.
    for (const [name, pw] of [
      ['alice', 'not the right password'],
      ['mallory', password],
      ['Not A Name', password],
    ] as const) {
      const err = await failure(operators.signIn(name, pw));
      expect(err).toBeInstanceOf(HubError);
      expect((err as HubError).kind).toBe('unauthenticated');
      expect(err.message).toBe('wrong operator name or password');
    }
    // A right password clears the one wrong attempt for alice.
    await operators.signIn('alice', password);

    // Five wrong passwords, then even the right one is refused for the rest of the window.
    for (let i = 0; i < 5; i++) expect(((await failure(operators.signIn('bob', `wrong password ${i}`))) as HubError).kind).toBe('unauthenticated');
    const locked = (await failure(operators.signIn('bob', 'bobs own long password'))) as HubError;
    expect(locked).toBeInstanceOf(HubError);
    expect(locked.kind).toBe('too-many');
    expect(locked.retryAfterSeconds).toBeGreaterThan(0);
    // Another name is not locked.
    await operators.signIn('alice', password);

    // A new password signs out every session of the account, on every instance.
    const second = await elsewhere.signIn('alice', password);
    await operators.setPassword('alice', 'a brand new long password', 'alice');
    expect(await operators.signedIn(session.token)).toBeNull();
    expect(await elsewhere.signedIn(second.token)).toBeNull();
    expect(((await failure(elsewhere.signIn('alice', password))) as HubError).kind).toBe('unauthenticated');
    const fresh = await elsewhere.signIn('alice', 'a brand new long password');
    expect(await operators.signedIn(fresh.token)).toEqual({ name: 'alice', role: 'operator' });
    expect(((await failure(operators.setPassword('nobody', 'a brand new long password', 'alice'))) as HubError).kind).toBe('not-found');
    expect(((await failure(operators.setPassword('alice', 'short', 'alice'))) as HubError).kind).toBe('invalid');

    // Removing an account ends its sessions.
    await operators.remove('alice', 'root');
    expect(await elsewhere.signedIn(fresh.token)).toBeNull();
    expect((await store.operators()).map((o) => o.name)).toEqual(['bob']);
    expect(await store.db.query("SELECT token_hash FROM hub_tokens WHERE operator = 'alice'")).toEqual([]);
    expect(((await failure(operators.signIn('alice', 'a brand new long password'))) as HubError).kind).toBe('unauthenticated');
    expect(((await failure(operators.remove('alice', 'root'))) as HubError).kind).toBe('not-found');

    expect((await otherStore.auditLog(20)).map(({ actor, action, detail }) => ({ actor, action, detail }))).toEqual([
      { actor: 'root', action: 'operator.remove', detail: { name: 'alice' } },
      { actor: 'alice', action: 'operator.password', detail: { name: 'alice' } },
      { actor: 'alice', action: 'operator.add', detail: { name: 'bob', role: 'viewer' } },
      { actor: 'console', action: 'operator.add', detail: { name: 'alice', role: 'operator' } },
    ]);
  });
});

describe('hub store on PostgreSQL: outages, concurrency, migrations', () => {
  /** Every 'error' no listener heard ends the process; vitest would report it, this says which test caused it. */
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => void uncaught.push(err);
  beforeAll(() => void process.on('uncaughtException', onUncaught));
  afterAll(() => void process.off('uncaughtException', onUncaught));
  afterEach(async () => {
    // A test that failed half-way leaves the server running for the next.
    await cluster!.startServer();
    expect(uncaught).toEqual([]);
  });

  it('refuses a batch with HubStoreUnavailable while the server is down, stores nothing, and works again on the same pool', async () => {
    const store = await (await freshDatabase('postgres')).open();
    const before = [correction('dev-a', 1)];
    await store.ingest(before);
    const batch = [2, 3, 4].map((seq) => correction('dev-a', seq));
    const factsBatch = [factsRecord('dev-a', 1, facts('s1', { stars: 5 }))];

    await cluster!.stopServer(true);
    const err = await failure(store.ingest(batch));
    expect(err).toBeInstanceOf(HubStoreUnavailable);
    expect(err.message).toMatch(/the hub database is unavailable/);
    await expect(store.ingest(factsBatch)).rejects.toBeInstanceOf(HubStoreUnavailable);
    await expect(store.ping()).rejects.toBeInstanceOf(HubStoreUnavailable);
    await expect(store.recordCount()).rejects.toBeInstanceOf(HubStoreUnavailable);
    expect(store.duplicates).toBe(0);

    await cluster!.startServer();
    expect(await store.recordCount()).toBe(1);
    expect((await store.figures()).fleet.kpis.sessions).toBe(0);
    expect(await store.ingest(batch)).toEqual(batch);
    expect(await store.ingest(factsBatch)).toEqual(factsBatch);
    expect(await store.recordsOf('dev-a', 'correction')).toEqual([...before, ...batch]);
    expect((await store.figures()).fleet.kpis.sessions).toBe(1);
  });

  it('rejects, without an unheard error event, transactions open when the server dies, and rolls them back', async () => {
    const store = await (await freshDatabase('postgres')).open(6);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const began: Promise<void>[] = [];
    const transaction = (work: (tx: { query: (text: string) => Promise<unknown> }) => Promise<unknown>, id: string) => {
      let began_!: () => void;
      began.push(new Promise<void>((resolve) => (began_ = resolve)));
      return store.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO hub_audit (id, at, actor, action, detail) VALUES ('${id}', 'x', 'test', 'probe', '{}')`);
        began_();
        return work(tx);
      });
    };
    // Waiting on something outside the database, then querying; waiting, then committing; a query running when the server dies.
    const queryAfter = transaction(async (tx) => {
      await gate;
      await tx.query('SELECT 1');
    }, 'probe-1');
    const commitAfter = transaction(async () => {
      await gate;
    }, 'probe-2');
    const duringQuery = transaction((tx) => tx.query('SELECT pg_sleep(20)'), 'probe-3');
    const outcomes = Promise.allSettled([queryAfter, commitAfter, duringQuery]);
    await Promise.all(began);
    await vi.waitFor(async () => expect(await store.db.query("SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)' AND state = 'active'")).toHaveLength(1), { timeout: 5000 });

    await cluster!.stopServer(true);
    // Let the lost connections be noticed while the work still waits.
    await new Promise((resolve) => setTimeout(resolve, 200));
    open();
    const settled = await outcomes;
    for (const outcome of settled) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(HubStoreUnavailable);
    }
    expect(uncaught).toEqual([]);

    await cluster!.startServer();
    expect(await store.db.query("SELECT id FROM hub_audit WHERE id LIKE 'probe-%'")).toEqual([]);
    // The pool hands out working connections again.
    await Promise.all([1, 2, 3, 4, 5, 6].map(() => store.ping()));
    const batch = [1, 2].map((seq) => correction('dev-a', seq));
    expect(await store.ingest(batch)).toEqual(batch);
  });

  it('stores a batch exactly once when two instances ingest it at the same time', async () => {
    const target = await freshDatabase('postgres');
    const [a, b] = await Promise.all([target.open(), target.open()]);
    let seq = 0;
    const sessions = new Map<string, SessionKpiFacts>();
    for (let round = 0; round < 5; round++) {
      const batch = Array.from({ length: 60 }, (_, i) => {
        const f = facts(`s${i % 20}`, { stars: 1 + ((round + i) % 5), firstResponseSeconds: i, responseDue: true });
        sessions.set(f.sessionId, f);
        return factsRecord('dev-a', ++seq, f);
      });
      const [fromA, fromB] = await Promise.all([a.ingest(batch), b.ingest(batch)]);
      expect(fromA.length + fromB.length).toBe(batch.length);
      expect([fromA.length, fromB.length]).toContain(batch.length);
      // Overlapping batches at the same time: the overlap once.
      const next = Array.from({ length: 40 }, (_, i) => ticket('dev-b', round * 40 + i + 1, 'opened'));
      const [x, y] = await Promise.all([a.ingest(next.slice(0, 30)), b.ingest(next.slice(10))]);
      expect(x.length + y.length).toBe(40);
      expect(new Set([...x, ...y].map((r) => r.id)).size).toBe(40);
    }
    expect(await a.recordCount()).toBe(5 * 100);
    expect(await b.recordCount('dev-a')).toBe(5 * 60);
    expect(a.duplicates + b.duplicates).toBe(5 * (60 + 20));
    const figures = await b.figures();
    expect(figures.fleet.kpis).toEqual(kpisOfFacts([...sessions.values()]));
    expect(figures.fleet.activity.ticketsOpened).toBe(200);
  });

  it('ingests concurrent batches that carry the same sessions in different orders without a deadlock', async () => {
    const target = await freshDatabase('postgres');
    // Deadlocks are found after deadlock_timeout (1 s by default): sooner, so a failing run is not slow.
    const setup = await target.open();
    await setup.db.query(`ALTER DATABASE ${new URL(target.url!).pathname.slice(1)} SET deadlock_timeout = '50ms'`);
    await setup.close();
    const [a, b] = await Promise.all([target.open(), target.open()]);
    const ids = Array.from({ length: 200 }, (_, i) => `s${String(i).padStart(3, '0')}`);
    let seq = 0;
    const failures: string[] = [];
    const ROUNDS = 100;
    for (let round = 0; round < ROUNDS; round++) {
      // Two batches of one device at two instances at once: a sweep's facts, and the next sweep's (another order).
      const x = ids.map((id) => factsRecord('dev-a', ++seq, facts(id, { stars: 1 + (round % 5) })));
      const y = [...ids].reverse().map((id) => factsRecord('dev-a', ++seq, facts(id, { stars: 1 + ((round + 1) % 5), firstResponseSeconds: round })));
      for (const outcome of await Promise.allSettled([a.ingest(x), b.ingest(y)])) {
        if (outcome.status === 'rejected') failures.push(String((outcome.reason as Error).message));
      }
    }
    expect(failures).toEqual([]);
    expect(await a.recordCount()).toBe(ROUNDS * 400);
    // Each session's tally is that of its newest record: the second batch of the last round.
    expect((await b.figures()).fleet.kpis).toEqual(kpisOfFacts(ids.map((id) => facts(id, { stars: 1 + (ROUNDS % 5), firstResponseSeconds: ROUNDS - 1 }))));
  });

  it('migrates a fresh database from three instances opening at once, one at a time', async () => {
    const target = await freshDatabase('postgres');
    const stores = await Promise.all([target.open(), target.open(), target.open()]);
    const [row] = await stores[0]!.db.query<{ top: number; ones: number }>('SELECT max(version) AS top, count(*) FILTER (WHERE version = 1) AS ones FROM schema_version_hub');
    expect(row).toEqual({ top: 1, ones: 1 });
    expect(await stores[1]!.db.query("SELECT objid FROM pg_locks WHERE locktype = 'advisory'")).toEqual([]);
    for (const [i, store] of stores.entries()) await store.ingest([correction(`dev-${i}`, 1)]);
    for (const store of stores) expect(await store.recordCount()).toBe(3);
    // A fourth, later, finds the schema in place.
    const late = await target.open();
    expect(await late.recordCount()).toBe(3);
  });
});
