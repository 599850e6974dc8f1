import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FactJournal } from '../../device/bus.js';
import { KpiDays, KpiReports, metricsTables } from '../../device/metrics/index.js';
import { kpiFactsOf, sessionFacts } from '../../device/metrics/kpis.js';
import { loadRecords } from '../../device/metrics/sources.js';
import { FactsSweep, Outbox, outboxTables, type SessionFactsSource } from '../../device/sync/index.js';
import type { OutboxJournal } from '../../device/sync/outbox.js';
import { emptyTally, kpisOf, measuresOf, recordData, sessionKpiFactsSchema, tallySession, type SessionKpiFacts } from '../../protocol/index.js';
import { openTestJournal } from '../helpers/journal.js';
import { arraySources } from '../helpers/kpi-sources.js';
import { at, BRANCH_A_KPIS, BRANCH_A_MEASURES, branchA, call, DAY_MS, decided, noAccounts, session, T0, wrap } from '../helpers/kpi-fixture.js';

/** The hub's side: the facts as they arrive in a `session` record, without the event. */
function overTheWire(facts: SessionKpiFacts): SessionKpiFacts {
  const { event, ...arrived } = recordData.session.parse(JSON.parse(JSON.stringify({ event: 'facts', ...facts })));
  expect(event).toBe('facts');
  return sessionKpiFactsSchema.parse(arrived);
}

let journal: FactJournal;
afterEach(() => journal?.close());

describe('session KPI facts', () => {
  const NOW = T0 + DAY_MS;
  const { sessions, calls, scorecards } = branchA(NOW);

  it('gives, tallied with the shared definitions, the figures the device reports, and the same again from the records the hub gets', async () => {
    ({ journal } = await openTestJournal([metricsTables]));
    const sources = arraySources({ sessions, calls, scorecards });
    const reports = new KpiReports(sources, new KpiDays(journal, sources, { recordRetentionDays: 730 }), noAccounts, () => NOW);
    const from = T0 - 3_600_000;
    const to = NOW + 1;
    const facts = sessionFacts(loadRecords(sources, from, to), from, to, NOW).map(kpiFactsOf);
    expect(Object.fromEntries(facts.map((f) => [f.sessionId, [f.firstResponseSeconds, f.responseDue, f.asked, f.queued, f.abandoned]]))).toEqual({
      a: [5, true, true, false, false],
      b: [32.5, true, true, true, false],
      c: [null, true, true, true, true],
      d: [null, false, false, false, false],
      e: [30, true, true, true, false],
      f: [3, true, true, false, false],
    });
    expect(facts.find((f) => f.sessionId === 'b')).toMatchObject({ skill: 'cards', agents: ['a1'], handleSeconds: 120, wrapUp: { resolved: true, confirmed: true }, scorecardTotals: [50], stars: 3, recommend: 7 });
    expect(facts.find((f) => f.sessionId === 'a')).toMatchObject({ skill: 'bot', identified: true, repeated: true });

    const kpis = BRANCH_A_KPIS;
    const measures = BRANCH_A_MEASURES;
    for (const counted of [facts, facts.map(overTheWire)]) {
      const tally = emptyTally();
      for (const f of counted) tallySession(tally, f);
      expect(kpisOf(tally)).toEqual(kpis);
      expect(measuresOf(tally)).toEqual(measures);
    }
    expect(reports.kpis(from, to).overall).toEqual(kpis);
    expect(reports.measures()).toEqual(measures);
    expect(reports.sessionKpiFacts(from, to)).toEqual(facts);
  });

  it('gives facts the hub takes when the clock was set back during a session (no negative wait or handle time)', () => {
    const skewed = session('z', 100, { queuedAt: at(101), agentAnsweredAt: at(90), firstResponseAt: at(90), wrapUp: wrap(300, true, true) });
    const records = { sessions: [skewed], calls: [call('z', 'a1', 101, 150, 140)], scorecards: [] };
    const [facts] = sessionFacts(records, T0, T0 + DAY_MS, T0 + DAY_MS).map(kpiFactsOf);
    expect(facts).toMatchObject({ firstResponseSeconds: 0, handleSeconds: 0, agents: ['a1'] });
    expect(overTheWire(facts!)).toEqual(facts);
  });
});

describe('the session facts sweep', () => {
  async function setUp() {
    ({ journal } = await openTestJournal([outboxTables, metricsTables]));
    const sources = arraySources();
    const clock = { now: T0 };
    const reports = new KpiReports(sources, new KpiDays(journal, sources, { recordRetentionDays: 730 }), noAccounts, () => clock.now);
    const outbox = new Outbox(journal);
    const logged: { msg: string }[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line) as { msg: string }) });
    let writes = 0;
    const counting: OutboxJournal = {
      db: journal.db,
      write: (fn) => {
        writes++;
        return journal.write(fn);
      },
    };
    const sweep = (source: SessionFactsSource = reports, on: OutboxJournal = counting) => new FactsSweep(on, outbox, source, log, () => clock.now);
    const sent = () => outbox.peek('session', 10_000).map((r) => r.data as SessionKpiFacts & { event: string });
    const hashRows = () => journal.db.prepare<[], string>('SELECT session_id FROM outbox_sent_facts ORDER BY session_id').pluck().all();
    return { sources, clock, reports, outbox, logged, sweep, sent, hashRows, writes: () => writes };
  }

  it('adds a record for each session, then only for a session whose facts changed, and forgets sessions past the window', async () => {
    const { sources, clock, sweep: newSweep, sent, hashRows } = await setUp();
    const sweep = newSweep();
    sources.data.sessions.push(
      session('old', -10 * 86_400),
      session('answered', -60, { decisions: [decided('general.hours.opening', -59)], botAnsweredAt: at(-58), firstResponseAt: at(-58) }),
      session('waiting', 0, { queuedAt: at(1) }),
    );
    clock.now = T0 + 10_000;
    expect(await sweep.runOnce()).toBe(2);
    expect(sent().map((r) => [r.event, r.sessionId])).toEqual([
      ['facts', 'answered'],
      ['facts', 'waiting'],
    ]);
    for (const data of sent()) expect(recordData.session.safeParse(data).success).toBe(true);
    expect(sent()[1]).toMatchObject({ responseDue: false, firstResponseSeconds: null });
    expect(hashRows()).toEqual(['answered', 'waiting']);

    expect(await sweep.runOnce()).toBe(0);
    expect(sent()).toHaveLength(2);

    // The response target passes for the waiting session, with no answer.
    clock.now = T0 + 31_000;
    expect(await sweep.runOnce()).toBe(1);
    expect(sent()).toHaveLength(3);
    expect(sent()[2]).toMatchObject({ sessionId: 'waiting', responseDue: true });

    // A survey answer.
    sources.data.sessions[1]!.survey = { stars: 4, recommend: null, at: at(35) };
    expect(await sweep.runOnce()).toBe(1);
    expect(sent()[3]).toMatchObject({ sessionId: 'answered', stars: 4, recommend: null });
    expect(await sweep.runOnce()).toBe(0);

    // Nine days on, both have left the window; a new visit has come.
    clock.now = T0 + 9 * DAY_MS + 60_000;
    sources.data.sessions.push(session('new', 9 * 86_400));
    expect(await sweep.runOnce()).toBe(1);
    expect(sent().at(-1)).toMatchObject({ sessionId: 'new' });
    expect(hashRows()).toEqual(['new']);
  });

  it('adds at most 200 sessions per write, each record with its hash in the same write', async () => {
    const { sources, clock, outbox, sweep, sent, hashRows, writes } = await setUp();
    for (let i = 0; i < 450; i++) sources.data.sessions.push(session(`s${String(i).padStart(3, '0')}`, i));
    clock.now = T0 + DAY_MS;
    expect(await sweep().runOnce()).toBe(450);
    // Three batches, then the pruning of old hashes.
    expect(writes()).toBe(4);
    expect(sent().map((r) => r.sessionId)).toEqual(sources.data.sessions.map((s) => s.id));
    expect(hashRows()).toHaveLength(450);

    // A write that loses its records loses their hashes too: the next pass sends them all again.
    for (const s of sources.data.sessions) s.survey = { stars: 5, recommend: null, at: at(1000) };
    const hashes = () => journal.db.prepare('SELECT session_id, hash FROM outbox_sent_facts ORDER BY session_id').all();
    const before = hashes();
    const losing: OutboxJournal = {
      db: journal.db,
      write: (fn) =>
        journal.write((tx) => {
          const last = outbox.lastSeq('session');
          const result = fn(tx);
          if (outbox.lastSeq('session') !== last) throw new Error('disk full');
          return result;
        }),
    };
    await expect(sweep(undefined, losing).runOnce()).rejects.toThrow('disk full');
    expect(sent()).toHaveLength(450);
    expect(hashes()).toEqual(before);
    expect(await sweep().runOnce()).toBe(450);
    expect(sent().slice(450).map((r) => r.stars)).toEqual(Array(450).fill(5));
  });

  it('runs at once and then on its interval, logging a failed pass rather than throwing', async () => {
    const { sources, clock, reports, sweep, sent, logged } = await setUp();
    let calls = 0;
    const flaky: SessionFactsSource = {
      sessionKpiFacts(from, to, now) {
        calls++;
        if (calls === 1) throw new Error('calls are not readable yet');
        return reports.sessionKpiFacts(from, to, now);
      },
    };
    sources.data.sessions.push(session('x', 0));
    clock.now = T0 + 60_000;
    const stop = sweep(flaky).schedule(20);
    expect(calls).toBe(1);
    await expect.poll(() => sent().length, { timeout: 2000 }).toBe(1);
    stop();
    expect(logged.map((l) => l.msg)).toEqual(['session facts sweep failed']);
    const seen = calls;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(calls).toBe(seen);
  });

  it('runs one pass shortly after a burst of pokes, so a new session reaches the hub in seconds', async () => {
    const { sources, clock, reports, sweep, sent } = await setUp();
    let passes = 0;
    const counted: SessionFactsSource = {
      sessionKpiFacts(from, to, now) {
        passes++;
        return reports.sessionKpiFacts(from, to, now);
      },
    };
    const facts = sweep(counted);
    const stop = facts.schedule(60_000);
    await expect.poll(() => passes).toBe(1);
    sources.data.sessions.push(session('y', 0));
    clock.now = T0 + 60_000;
    for (let i = 0; i < 5; i++) facts.soon(30);
    await expect.poll(() => sent().length, { timeout: 2000 }).toBe(1);
    expect(passes).toBe(2);
    stop();
  });
});
