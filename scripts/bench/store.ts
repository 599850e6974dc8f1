/**
 * npm run -s bench:store -- --days 365
 *
 * Builds a busy branch's N days (scripts/bench/branch-load.ts) through the owners' repositories into a
 * fresh data dir, with the sense retention applied as the days pass, as the appliance would have kept
 * them. Then, on that data: how long the journals and the store take to open, how long the product's
 * own writes take (a reading with its alerts, a routing decision, a chat line, a scorecard, each with
 * its outbox record) and the longest event-loop stall while they run, a month of KPIs, the
 * best-practice handbook, and the heap. Progress on stderr; the last stdout line is one JSON object.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { feedOutbox, Outbox } from '../../device/sync/index.js';
import { EventBus, type FactJournal } from '../../device/bus.js';
import { CallRepository } from '../../device/calls/index.js';
import { legacyImporter, openJournal, retentionRules } from '../../device/journals.js';
import { ExposureRepository, TicketRepository } from '../../device/knowledge/index.js';
import { KpiDays, KpiReports, type KpiSources } from '../../device/metrics/index.js';
import { gatherFacts, loadCoachingTexts, QualityInspection, ScorecardRepository } from '../../device/qa/index.js';
import { SessionRepository } from '../../device/routing/index.js';
import { EmotionSensing, loadRules, SenseRepository, TextSentiment } from '../../device/sense/index.js';
import { Store } from '../../device/store/index.js';
import { Retention } from '../../device/store/retention.js';
import { branchDay } from './branch-load.js';

const { values } = parseArgs({ options: { days: { type: 'string', default: '30' }, writes: { type: 'string', default: '2000' }, keep: { type: 'boolean', default: false } }, strict: true });
const days = Number(values.days);
const writes = Number(values.writes);
if (!Number.isInteger(days) || days < 1 || days > 3650 || !Number.isInteger(writes) || writes < 100) {
  process.stderr.write('usage: npm run -s bench:store -- --days N [--writes W] [--keep]\n');
  process.exit(2);
}
const say = (msg: string) => process.stderr.write(`[bench:store] ${msg}\n`);
const log = pino({ level: 'silent' });
const DAY = 86_400_000;
const SENSE_DAYS = 90;
const RECORD_DAYS = 730;
const ROOT = new URL('../../', import.meta.url);
const AGENTS = Array.from({ length: 12 }, (_, i) => `agent-${i}`);
const ARTICLES = Array.from({ length: 40 }, (_, i) => `article-${i}`);

const dir = mkdtempSync(join(tmpdir(), 'branchline-bench-store-'));
const today = Math.floor(Date.now() / DAY) * DAY;
const firstDay = today - days * DAY;

/** The appliance's journal and store on this data dir, with the outbox feed wired as at start. */
async function openDataDir(): Promise<{ journal: FactJournal; store: Store; bus: EventBus; outbox: Outbox }> {
  const bus = new EventBus();
  const journal = await openJournal(join(dir, 'branchline.db'), bus, log);
  const store = await Store.open(join(dir, 'branchline.json'), { importLegacy: legacyImporter(journal, log) });
  const outbox = new Outbox(journal);
  feedOutbox(journal, outbox, new SenseRepository(journal), { corrections: true }, log);
  return { journal, store, bus, outbox };
}

/** The owners' repositories the load goes through and the measures read. */
function repositories(journal: FactJournal) {
  return {
    sessions: new SessionRepository(journal.db),
    calls: new CallRepository(journal.db),
    sense: new SenseRepository(journal),
    exposures: new ExposureRepository(journal.db),
    tickets: new TicketRepository(journal.db),
    scorecards: new ScorecardRepository(journal),
  };
}

/** What metrics reads, wired to the owners' repositories as the appliance wires it to their modules. */
function kpiSources(sessions: SessionRepository, calls: CallRepository, scorecards: ScorecardRepository, sense: SenseRepository): KpiSources {
  return {
    sessionsBetween: (from, to) => sessions.sessionOutlinesBetween(from, to),
    identifiedSessionsBetween: (from, to) => sessions.identifiedOutlinesBetween(from, to),
    callsBetween: (from, to) => calls.callsBetween(from, to),
    scorecardsBetween: (from, to) => scorecards.between(from, to),
    recentAlerts: (limit, since) => sense.recentAlerts(limit, since),
  };
}

async function build(): Promise<void> {
  const { journal, store } = await openDataDir();
  const { sessions, calls, sense, exposures, tickets, scorecards } = repositories(journal);
  const rollups = new KpiDays(journal, kpiSources(sessions, calls, scorecards, sense), { recordRetentionDays: RECORD_DAYS });
  let clock = firstDay;
  const rules = retentionRules(journal, { senseRetentionDays: SENSE_DAYS, recordRetentionDays: RECORD_DAYS }, (before) => rollups.rollUpBefore(before, clock));
  const retention = new Retention(journal, rules, log, () => clock);
  const t0 = performance.now();
  for (let day = 0; day < days; day++) {
    const load = branchDay(firstDay, day, AGENTS, ARTICLES);
    await journal.write(() => {
      sessions.importLegacy(load.sessions);
      calls.importLegacy(load.calls);
      sense.importLegacy({ senseEvents: load.senseEvents, senseAlerts: load.senseAlerts, senseCallStats: load.senseCallStats });
      exposures.importLegacy(load.exposures);
      tickets.importLegacy(load.tickets);
      scorecards.importLegacy(load.scorecards);
    });
    // The hourly retention pass of the appliance, on the branch's clock.
    clock = firstDay + (day + 1) * DAY;
    await retention.runOnce();
    if ((day + 1) % 30 === 0 || day + 1 === days) say(`built ${day + 1} of ${days} days (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await store.close();
  journal.close();
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!;

async function measure(): Promise<Record<string, number>> {
  const t0 = performance.now();
  const { journal, store, bus } = await openDataDir();
  const sensing = new EmotionSensing(journal, bus, new TextSentiment(new URL('models/sense/lexicon.json', ROOT).pathname), loadRules(new URL('models/sense/rules.json', ROOT).pathname), () => true);
  const { sessions, calls, sense, exposures, tickets, scorecards } = repositories(journal);
  const sources = kpiSources(sessions, calls, scorecards, sense);
  const quality = new QualityInspection(
    journal,
    store,
    bus,
    (sessionId) =>
      gatherFacts(
        {
          speech: null,
          session: (id) => sessions.sessionById(id),
          calls: (id) => calls.callsOfSession(id),
          exposures: (id) => exposures.exposuresOf(id),
          recommendable: () => true,
          ticketOpened: (id) => tickets.openedFor(id),
          emotion: (callId) => sense.callEmotion(callId),
          alerts: (id) => sense.alertsOf(id),
          talk: (callId) => sense.callStats(callId),
        },
        sessionId,
      ),
    loadCoachingTexts(new URL('models/qa/coaching.json', ROOT).pathname),
    { unwrappedAfterMs: 600_000, onScoreFailed: () => undefined },
  );
  const openMs = performance.now() - t0;

  // The product's writes at a busy moment: one every 5 ms, each with what it announces.
  const stall = monitorEventLoopDelay({ resolution: 1 });
  stall.enable();
  const latencies: number[] = [];
  const running: Promise<void>[] = [];
  const now = new Date().toISOString();
  const template = branchDay(today, 0, AGENTS, ARTICLES);
  const liveCall = { ...template.calls[0]!, id: 'bench-call', requestedAt: now, answeredAt: now, endedAt: null, endReason: null, chat: [] };
  await journal.write(() => calls.insert(liveCall));
  for (let i = 0; i < writes; i++) {
    const started = performance.now();
    const id = `bench-${i}`;
    const kind = i % 10;
    let write: Promise<unknown>;
    if (kind < 6) {
      write = sensing.onText({ sessionId: `${id}-s`, callId: null, kioskId: 'kiosk-0' }, i % 3 === 0 ? '你們太慢了，我要投訴！' : 'ok thanks');
    } else if (kind < 8) {
      write = journal.write((tx) => {
        const session = { ...template.sessions[0]!, id: `${id}-s`, startedAt: now };
        sessions.insert(session);
        tx.emit('routing.decided', { sessionId: session.id, kioskId: session.kioskId, customerId: null, text: session.decisions[0]!.text, lang: session.lang, kind: 'bot', label: session.decisions[0]!.label, confidence: 0.8, rules: [], answered: true, at: now });
      });
    } else if (kind === 8) {
      write = journal.write((tx) => {
        calls.appendChat('bench-call', { from: 'customer', text: '請問還要多久', at: now });
        tx.emit('call.chat', { callId: 'bench-call', sessionId: null, kioskId: 'kiosk-0', from: 'customer', text: '請問還要多久', at: now });
      });
    } else {
      write = journal.write((tx) => {
        const card = { ...template.scorecards[0]!, id: `${id}-qa`, sessionId: `${id}-s`, at: now };
        scorecards.insert(card);
        tx.emit('qa.scorecard', { scorecardId: card.id, sessionId: card.sessionId, agentId: card.agentId, total: card.total, formVersion: 1, at: now });
      });
    }
    running.push(write.then(() => void latencies.push(performance.now() - started)));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(running);
  stall.disable();
  latencies.sort((a, b) => a - b);

  const retention = { recordRetentionDays: RECORD_DAYS };
  const reports = new KpiReports(sources, new KpiDays(journal, sources, retention), { listKiosks: () => [], listUsers: () => [] });
  // The dashboard asks again and again: the median of a few requests, and the first on its own.
  const kpiRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const k0 = performance.now();
    reports.kpis(Date.now() - 30 * DAY, Date.now());
    kpiRuns.push(performance.now() - k0);
  }
  const kpiMonthColdMs = kpiRuns[0]!;
  const kpiMonthMs = [...kpiRuns].sort((a, b) => a - b)[2]!;

  const h0 = performance.now();
  const handbook = quality.handbook();
  const handbookMs = performance.now() - h0;
  say(`handbook mined ${handbook.topAgents.length} agents in ${handbookMs.toFixed(0)} ms`);

  const heapMB = process.memoryUsage().heapUsed / 2 ** 20;
  await store.close();
  journal.close();
  const dbBytes = ['branchline.db', 'branchline.db-wal', 'branchline.json'].reduce((sum, f) => {
    try {
      return sum + statSync(join(dir, f)).size;
    } catch {
      return sum;
    }
  }, 0);
  return {
    days,
    dbBytes,
    writeMsP50: round(percentile(latencies, 0.5)),
    writeMsP99: round(percentile(latencies, 0.99)),
    loopStallMsMax: round(stall.max / 1e6),
    openMs: round(openMs),
    kpiMonthMs: round(kpiMonthMs),
    kpiMonthColdMs: round(kpiMonthColdMs),
    handbookMs: round(handbookMs),
    heapMB: round(heapMB),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

try {
  await build();
  const summary = await measure();
  say(`data dir ${dir}${values.keep ? ' (kept)' : ''}`);
  console.log(JSON.stringify(summary));
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
