export { Metrics } from './metrics.js';
export type { Wallboard, HealthSource } from './metrics.js';
export { computeKpis, sessionIntent, KPI_GROUPS, REPEAT_WINDOW_DAYS, SERVICE_ERROR_BELOW } from './kpis.js';
export type { Kpis, KpiGroup, KpiReport, KpiInput } from './kpis.js';
export { Baseline, BaselineError, BASELINE_MAX_BYTES, buildReport, intentGroup, readComplaints } from './baseline.js';
export type { Classify, ComplaintRow } from './baseline.js';
export { baselineHtml } from './baseline-html.js';
