import type { TableOwner } from '../store/index.js';

export { Metrics } from './metrics.js';
export type { Wallboard, HealthSource, MetricsOptions } from './metrics.js';
export { KpiDays } from './kpi-days.js';
export type { KpiDay, StoredGrouping } from './kpi-days.js';
export { KpiReports } from './kpi-reports.js';
export type { KpiReport } from './kpi-reports.js';
export type { KpiSources, WallboardAlert } from './sources.js';
export { sessionIntent, FACTS_OPEN_MS, KPI_GROUPS } from './kpis.js';
export type { KpiCall, KpiGroup, KpiScorecard } from './kpis.js';
export type { Kpis, KpiTally, RoutingMeasures } from '../../protocol/index.js';
export { Baseline, BaselineError, BASELINE_MAX_BYTES, buildReport, intentGroup, readComplaints } from './baseline.js';
export type { Classify, ComplaintRow } from './baseline.js';
export { baselineHtml } from './baseline-html.js';

/** The daily KPI rollups. */
export const metricsTables: TableOwner = { owner: 'metrics', dir: new URL('./sql/', import.meta.url) };
