import type { KpiSources } from '../../device/metrics/index.js';
import type { CallRecord, QaScorecardRecord, SenseAlert, ServiceSessionRecord } from '../../device/store/index.js';

export interface KpiData {
  sessions: ServiceSessionRecord[];
  calls: CallRecord[];
  scorecards: QaScorecardRecord[];
  alerts: SenseAlert[];
}

/**
 * The owners' time-range readers over arrays the test fills (and empties, to play the record
 * retention); `reads` lists the ranges asked for.
 */
export function arraySources(data: Partial<KpiData> = {}): KpiSources & { data: KpiData; reads: { reader: keyof KpiSources; from: string; to: string }[] } {
  const all: KpiData = { sessions: [], calls: [], scorecards: [], alerts: [], ...data };
  const reads: { reader: keyof KpiSources; from: string; to: string }[] = [];
  const range =
    <T>(reader: Exclude<keyof KpiSources, 'recentAlerts'>, list: () => T[], at: (x: T) => string) =>
    (from: string, to: string): T[] => {
      reads.push({ reader, from, to });
      return list().filter((x) => at(x) >= from && at(x) < to);
    };
  return {
    data: all,
    reads,
    sessionsBetween: range('sessionsBetween', () => all.sessions, (s) => s.startedAt),
    identifiedSessionsBetween: range('identifiedSessionsBetween', () => all.sessions.filter((s) => s.customer), (s) => s.startedAt),
    callsBetween: range('callsBetween', () => all.calls, (c) => c.requestedAt),
    scorecardsBetween: range('scorecardsBetween', () => all.scorecards, (c) => c.at),
    recentAlerts: (limit, sinceIso) => {
      reads.push({ reader: 'recentAlerts', from: sinceIso, to: '' });
      return all.alerts.filter((a) => a.at >= sinceIso).sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
    },
  };
}
