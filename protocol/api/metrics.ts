import { z } from 'zod';
import type { Kpis, RoutingMeasures } from '../kpi.js';
import { idParams, responses, fileResponse, textCode } from './common.js';

/** Service KPIs, the wallboard, the routing measures and the baseline diagnosis of historical complaints. */

export const KPI_GROUPS = ['kiosk', 'skill', 'agent', 'day'] as const;

const rate = z.number().nullable();
export const kpisSchema = z.object({
  sessions: z.number(),
  responseRate30s: rate,
  averageHandleSeconds: rate,
  firstContactResolution: rate,
  serviceErrorRate: rate,
  csat: rate,
  averageStars: rate,
  nps: rate,
  surveyAnswers: z.number(),
  repeatInquiryRate: rate,
  abandonmentRate: rate,
  transferred: z.number(),
  reopened: z.number(),
}) satisfies z.ZodType<Kpis>;

export const kpiReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  overall: kpisSchema,
  groups: z.array(z.object({ key: z.string(), kpis: kpisSchema })),
  /** Display names of the kiosks or agents that are group keys. */
  labels: z.record(z.string(), z.string()),
});
export type KpiReport = z.infer<typeof kpiReportSchema>;

export const routingMeasuresSchema = z.object({
  sessions: z.number(),
  responseRate30s: rate,
  reviewed: z.number(),
  matchingAccuracy: rate,
  abandoned: z.number(),
}) satisfies z.ZodType<RoutingMeasures>;

export const wallboardSchema = z.object({
  at: z.string(),
  waiting: z.number(),
  longestWaitSeconds: z.number().nullable(),
  waitingBySkill: z.record(z.string(), z.number()),
  agents: z.record(z.string(), z.number()),
  activeCalls: z.number(),
  alerts: z.array(z.object({ at: z.string(), level: z.enum(['amber', 'red']), rule: z.string(), reason: z.string(), ...textCode, sessionId: z.string() })),
});
export type Wallboard = z.infer<typeof wallboardSchema>;

const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'a date (2026-11-01) or a date and time (2026-11-01T08:00:00Z)' });

export const baselineReportSchema = z.object({
  id: z.string(),
  name: z.string(),
  importedAt: z.string(),
  importedBy: z.string(),
  /** Rows read and classified. */
  rows: z.number().int(),
  rejected: z.array(z.object({ row: z.number().int(), problem: z.string() })),
  months: z.array(z.string()),
  groups: z.array(
    z.object({
      group: z.string(),
      name: z.string(),
      count: z.number().int(),
      share: z.number(),
      resolved: z.number().int(),
      resolutionRate: z.number().nullable(),
      /** Complaints per month, aligned with the report's months. */
      trend: z.array(z.number().int()),
      channels: z.record(z.string(), z.number().int()),
      examples: z.array(z.string()),
    }),
  ),
  /** Group ids, worst first. */
  sinkholes: z.array(z.string()),
});

export const metricsApi = {
  kpis: {
    querystring: z.strictObject({ from: instant.optional(), to: instant.optional(), group: z.enum(KPI_GROUPS).optional() }),
    response: responses({ 200: kpiReportSchema }),
  },
  wallboard: { response: responses({ 200: wallboardSchema }) },
  measures: { response: responses({ 200: routingMeasuresSchema }) },
  importBaseline: {
    description: 'The body is the whole file: text/csv, or application/json (an array of rows).',
    querystring: z.strictObject({ name: z.string().trim().min(1).max(100).default('historical complaints') }),
    response: responses({ 201: z.object({ report: baselineReportSchema }) }),
  },
  baselines: { response: responses({ 200: z.object({ reports: z.array(z.object({ id: z.string(), name: z.string(), importedAt: z.string(), rows: z.number().int(), rejected: z.number().int() })) }) }) },
  baseline: { params: idParams, response: responses({ 200: baselineReportSchema }) },
  baselineHtml: { params: idParams, response: responses({ 200: fileResponse('text/html', 'the diagnosis as a page to keep') }) },
  prometheus: { response: { 200: fileResponse('text/plain', 'Prometheus text exposition: aggregates only, nothing about a person') } },
};
