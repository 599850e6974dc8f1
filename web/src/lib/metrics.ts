import type { Kpis } from '../../../protocol/kpi.js';
import { clock, percent, signed } from './format';

/** Service KPIs as GET /api/metrics/kpis returns them: the shared definitions' figures (rates 0..1, NPS -100..100, null when nothing to measure). */
export type { Kpis };

export type KpiBreakdown = 'kiosk' | 'skill' | 'agent';

export interface KpiReport {
  from: string;
  to: string;
  overall: Kpis;
  groups: { key: string; kpis: Kpis }[];
  /** Display names of kiosk or agent ids. */
  labels: Record<string, string>;
}

export type MetricKey = 'sessions' | 'responseRate30s' | 'averageHandleSeconds' | 'firstContactResolution' | 'serviceErrorRate' | 'csat' | 'nps' | 'repeatInquiryRate' | 'abandonmentRate';

export interface Metric {
  key: MetricKey;
  label: string;
  /** Short, for table headers. */
  short: string;
  definition: string;
  format: (value: number | null) => string;
  /** The range a bar chart of it spans; max null: up to the largest value. */
  min: number;
  max: number | null;
}

/** The KPIs a supervisor reads, with the definitions the appliance computes them by (device/metrics/kpis.ts). */
export const METRICS: Metric[] = [
  { key: 'sessions', label: 'Sessions', short: 'Sessions', definition: 'Service sessions that started in the period.', format: (v) => String(v ?? 0), min: 0, max: null },
  { key: 'responseRate30s', label: 'Answered within 30 s', short: '30-s response', definition: 'First answer (bot or agent) within 30 s of the start of the session.', format: percent, min: 0, max: 1 },
  { key: 'averageHandleSeconds', label: 'Average handle time', short: 'Handle time', definition: 'Agent time in calls per session an agent handled (mm:ss).', format: clock, min: 0, max: null },
  { key: 'firstContactResolution', label: 'First-contact resolution', short: 'FCR', definition: 'Resolved by the first agent, not reopened, and no repeat inquiry within 7 days (of wrapped-up sessions).', format: percent, min: 0, max: 1 },
  { key: 'serviceErrorRate', label: 'Service errors', short: 'Service errors', definition: 'Sessions whose QA scorecard is below 60, of all scorecards.', format: percent, min: 0, max: 1 },
  { key: 'csat', label: 'CSAT', short: 'CSAT', definition: 'Share of survey ratings with 4 or 5 stars.', format: percent, min: 0, max: 1 },
  { key: 'nps', label: 'NPS', short: 'NPS', definition: 'Promoters (9-10) minus detractors (0-6), as a share of all "would you recommend us" answers: -100 to +100.', format: signed, min: -100, max: 100 },
  { key: 'repeatInquiryRate', label: 'Repeat inquiries', short: 'Repeats', definition: 'The same identified customer with the same intent again within 7 days.', format: percent, min: 0, max: 1 },
  { key: 'abandonmentRate', label: 'Abandoned', short: 'Abandoned', definition: 'Asked for an agent and left before one answered.', format: percent, min: 0, max: 1 },
];
