import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { faultCounts } from '../faults.js';
import type { Accounts } from '../accounts/index.js';
import type { Calls } from '../calls/index.js';
import type { Presence } from '../routing/index.js';
import { PRESENCE_STATES } from '../routing/index.js';
import type { FactJournal } from '../bus.js';
import { KpiDays } from './kpi-days.js';
import { KpiReports } from './kpi-reports.js';
import type { Kpis } from '../../protocol/index.js';
import type { Wallboard } from '../../protocol/api/index.js';
import { iso, type KpiSources } from './sources.js';

// The wallboard's shape is the wire's (protocol/api), which the web page reads too.
export type { Wallboard } from '../../protocol/api/index.js';

/** Figures of the Prometheus endpoint that come from the KPIs of today (UTC). */
const KPI_GAUGES: [keyof Kpis, string][] = [
  ['sessions', 'service sessions started today'],
  ['responseRate30s', 'share of sessions answered within 30 seconds today'],
  ['averageHandleSeconds', 'mean agent time per handled session today, seconds'],
  ['firstContactResolution', 'first-contact resolution today'],
  ['serviceErrorRate', 'share of quality scorecards below the pass mark today'],
  ['csat', 'share of 4-5 star answers today'],
  ['nps', 'net promoter score today'],
  ['repeatInquiryRate', 'share of identified sessions repeated within 7 days'],
  ['abandonmentRate', 'share of agent requests abandoned today'],
];
const ALERT_WINDOW_MS = 3_600_000;
const WALLBOARD_ALERTS = 10;

/**
 * Several gauges read the same figures in one scrape; computing them once and reusing them for the
 * rest of that second keeps a scrape to one pass over the day's records.
 */
function oncePerScrape<T>(compute: () => T): () => T {
  let cached: { at: number; value: T } | null = null;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > 1000) cached = { at: now, value: compute() };
    return cached.value;
  };
}

export interface HealthSource {
  [subsystem: string]: () => { up: boolean };
}

export interface MetricsOptions {
  /** BRANCHLINE_RECORD_RETENTION_DAYS: older days' KPIs come from the daily rollups. */
  recordRetentionDays: number;
}

/**
 * Service KPIs (reports and daily rollups), the live wallboard, and the Prometheus registry that exposes
 * both with the process's own health (prom-client's default metrics: CPU, memory, event-loop lag, handles).
 */
export class Metrics {
  readonly registry = new Registry();
  /** The daily rollups; the record retention calls `days.rollUpBefore` before it deletes records. */
  readonly days: KpiDays;
  readonly reports: KpiReports;

  constructor(
    journal: FactJournal,
    private readonly sources: KpiSources,
    private readonly accounts: Accounts,
    private readonly calls: Calls,
    private readonly presence: Presence,
    health: HealthSource,
    options: MetricsOptions,
  ) {
    this.days = new KpiDays(journal, sources, options);
    this.reports = new KpiReports(sources, this.days, accounts);
    collectDefaultMetrics({ register: this.registry, prefix: 'branchline_' });
    const today = oncePerScrape(() => {
      const start = new Date();
      start.setUTCHours(0, 0, 0, 0);
      return this.reports.kpis(start.getTime(), Date.now() + 1).overall;
    });
    for (const [key, help] of KPI_GAUGES) {
      new Gauge({
        name: `branchline_kpi_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace('30s', '_30s')}`,
        help,
        registers: [this.registry],
        collect() {
          const value = today()[key];
          if (typeof value === 'number') this.set(value);
          else this.reset();
        },
      });
    }
    const wallboard = oncePerScrape(() => this.wallboard());
    new Gauge({ name: 'branchline_queue_waiting', help: 'customers waiting for an agent', registers: [this.registry], collect() { this.set(wallboard().waiting); } });
    new Gauge({ name: 'branchline_queue_longest_wait_seconds', help: 'longest current wait, seconds', registers: [this.registry], collect() { this.set(wallboard().longestWaitSeconds ?? 0); } });
    new Gauge({ name: 'branchline_calls_active', help: 'calls in progress', registers: [this.registry], collect() { this.set(wallboard().activeCalls); } });
    new Gauge({
      name: 'branchline_agents',
      help: 'agents by presence state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        for (const [state, n] of Object.entries(wallboard().agents)) this.set({ state }, n);
      },
    });
    new Counter({
      name: 'branchline_unhandled_errors_total',
      help: 'errors no code caught (logged; the process kept running), by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        const counts = faultCounts();
        this.reset();
        this.inc({ kind: 'rejection' }, counts.unhandledRejections);
        this.inc({ kind: 'exception' }, counts.uncaughtExceptions);
      },
    });
    new Gauge({
      name: 'branchline_subsystem_up',
      help: '1 when the subsystem is up (as in /healthz)',
      labelNames: ['subsystem'],
      registers: [this.registry],
      collect() {
        for (const [subsystem, probe] of Object.entries(health)) this.set({ subsystem }, probe().up ? 1 : 0);
      },
    });
  }

  wallboard(): Wallboard {
    const now = Date.now();
    const queue = this.calls.queueSnapshot();
    const oldest = queue.reduce<number | null>((min, q) => (min === null ? Date.parse(q.requestedAt) : Math.min(min, Date.parse(q.requestedAt))), null);
    const waitingBySkill: Record<string, number> = {};
    for (const q of queue) waitingBySkill[q.skill] = (waitingBySkill[q.skill] ?? 0) + 1;
    // An agent without a connection takes no calls, whatever presence they last set.
    const agents: Record<string, number> = Object.fromEntries([...PRESENCE_STATES, 'offline'].map((s) => [s, 0]));
    const connected = new Set(this.calls.connectedAgents());
    for (const user of this.accounts.listUsers()) if (user.role === 'agent') agents[connected.has(user.id) ? this.presence.get(user.id).state : 'offline']! += 1;
    const alerts = this.sources.recentAlerts(WALLBOARD_ALERTS, iso(now - ALERT_WINDOW_MS + 1)).map((a) => ({ at: a.at, level: a.level, rule: a.rule, reason: a.reason, ...(a.code ? { code: a.code, params: a.params ?? {} } : {}), sessionId: a.sessionId }));
    return {
      at: new Date(now).toISOString(),
      waiting: queue.length,
      longestWaitSeconds: oldest === null ? null : Math.round((now - oldest) / 1000),
      waitingBySkill,
      agents,
      activeCalls: this.calls.activeCalls().length,
      alerts,
    };
  }
}


