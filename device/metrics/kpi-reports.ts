import { addTally, emptyTally, kpisOf, measuresOf, tallyOf, tallyRequest, type KpiTally, type Kpis, type RoutingMeasures, type SessionKpiFacts } from '../../protocol/index.js';
import type { Accounts } from '../accounts/index.js';
import { DAY_MS, kpiFactsOf, sessionFacts, tallyFacts, type KpiGroup } from './kpis.js';
import { dayOf, startOfDay, type KpiDays } from './kpi-days.js';
import { iso, loadRecords, type KpiSources } from './sources.js';

export interface KpiReport {
  from: string;
  to: string;
  overall: Kpis;
  groups: { key: string; kpis: Kpis }[];
  /** Names of the kiosks or agents that are group keys. */
  labels: Record<string, string>;
}

/**
 * KPI reports over any period: whole days from the daily rollups as far as they go (the only source
 * for days the record retention has deleted), the rest from the owners' records.
 */
export class KpiReports {
  constructor(
    private readonly sources: KpiSources,
    private readonly days: KpiDays,
    private readonly accounts: Pick<Accounts, 'listKiosks' | 'listUsers'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** KPIs of the sessions that started in [from, to), overall and per kiosk, skill group, agent or day. */
  kpis(from: number, to: number, group?: KpiGroup): KpiReport {
    const now = this.now();
    const overall = emptyTally();
    const groups = new Map<string, KpiTally>();
    // Whole days that are rolled up come from the rollups (a handful of rows, and the only source once
    // the record retention has deleted them); the partial first day and the days since the newest
    // rollup come from the records.
    const newest = this.days.newestDay();
    const firstWholeDay = startOfDay(dayOf(from)) === from ? from : startOfDay(dayOf(from)) + DAY_MS;
    const rolledEnd = newest === null ? firstWholeDay : Math.max(firstWholeDay, Math.min(startOfDay(newest) + DAY_MS, startOfDay(dayOf(to))));
    const add = (fresh: ReturnType<typeof tallyFacts>): void => {
      addTally(overall, fresh.overall);
      if (group) for (const [key, tally] of fresh.groups.get(group)!) addTally(tallyOf(groups, key), tally);
    };
    const fromRecords = (start: number, end: number): void => {
      if (start < end) add(tallyFacts(sessionFacts(loadRecords(this.sources, start, end), start, end, now), group ? [group] : []));
    };
    if (firstWholeDay < rolledEnd) {
      fromRecords(from, firstWholeDay);
      const fromDay = dayOf(firstWholeDay);
      const toDay = dayOf(rolledEnd);
      for (const row of this.days.daysBetween(fromDay, toDay, 'all')) {
        addTally(overall, row.tally);
        if (group === 'day') addTally(tallyOf(groups, row.day), row.tally);
      }
      if (group && group !== 'day') for (const row of this.days.daysBetween(fromDay, toDay, group)) addTally(tallyOf(groups, row.key), row.tally);
      fromRecords(rolledEnd, to);
    } else {
      fromRecords(from, to);
    }
    return {
      from: iso(from),
      to: iso(to),
      overall: kpisOf(overall),
      groups: [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([key, tally]) => ({ key, kpis: kpisOf(tally) })),
      labels: this.labels(group),
    };
  }

  /** The routing page's measures over every session there has been: the rolled-up days and the records since. */
  measures(): RoutingMeasures {
    const now = this.now();
    const newest = this.days.newestDay();
    const since = newest === null ? 0 : startOfDay(newest) + DAY_MS;
    const tally = emptyTally();
    for (const row of this.days.daysBefore(dayOf(since))) addTally(tally, row.tally);
    for (const f of this.sessionKpiFacts(since, now + 1, now)) tallyRequest(tally, f);
    return measuresOf(tally);
  }

  /** What the KPIs count of each session that started in [from, to), as of `now`: what the hub tallies too. */
  sessionKpiFacts(from: number, to: number, now = this.now()): SessionKpiFacts[] {
    return sessionFacts(loadRecords(this.sources, from, to), from, to, now).map(kpiFactsOf);
  }

  private labels(group: KpiGroup | undefined): Record<string, string> {
    if (group === 'kiosk') return Object.fromEntries(this.accounts.listKiosks().map((k) => [k.id, k.name]));
    if (group === 'agent') return Object.fromEntries(this.accounts.listUsers().map((u) => [u.id, u.displayName]));
    return {};
  }
}
