import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { Baseline, BASELINE_MAX_BYTES, BaselineError, baselineHtml, KPI_GROUPS, type Metrics } from '../../metrics/index.js';
import { requireUser } from '../auth.js';
import { HttpError, parseInput } from '../errors.js';

const DAY_MS = 86_400_000;
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'a date (2026-11-01) or a date and time (2026-11-01T08:00:00Z)' });
const idParams = z.object({ id: z.uuid('id must be a UUID') });
const kpiQuery = z.strictObject({ from: instant.optional(), to: instant.optional(), group: z.enum(KPI_GROUPS).optional() });

/** KPIs, routing measures and the wallboard for supervisors; `/metrics` for Prometheus (aggregates only, nothing about a person). */
export function metricsRoutes(app: FastifyInstance, accounts: Accounts, metrics: Metrics, baseline: Baseline): void {
  const supervisors = { preHandler: requireUser(accounts, ['admin', 'supervisor']) };

  app.get('/api/metrics/kpis', supervisors, async (request) => {
    const q = parseInput(kpiQuery, request.query);
    // A bare date means the whole day: `to=2026-11-30` includes the 30th.
    const to = q.to ? Date.parse(q.to) + (q.to.length === 10 ? DAY_MS : 0) : Date.now() + 1;
    const from = q.from ? Date.parse(q.from) : to - 30 * DAY_MS;
    if (!(from < to)) throw new HttpError(400, 'from must be before to');
    if (to - from > 366 * DAY_MS) throw new HttpError(400, 'a period is at most 366 days');
    return metrics.reports.kpis(from, to, q.group);
  });

  app.get('/api/metrics/wallboard', supervisors, async () => metrics.wallboard());

  // The routing page's figures, from the KPI counters: served here so that routing keeps no second KPI code.
  app.get('/api/routing/measures', supervisors, async () => metrics.reports.measures());

  // Imports take whole files as the body, so these routes read CSV and JSON as text, up to 10 MB.
  app.register(async (files) => {
    files.removeContentTypeParser('application/json');
    files.addContentTypeParser(['application/json', 'text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: BASELINE_MAX_BYTES }, (_request, body, done) => done(null, body));
    const baselineErrors = <T>(work: () => T | Promise<T>): Promise<T> =>
      Promise.resolve()
        .then(work)
        .catch((err: Error) => {
          if (err instanceof BaselineError) throw new HttpError(err.statusCode, err.message);
          throw err;
        });

    files.post('/api/admin/baseline', { ...supervisors, bodyLimit: BASELINE_MAX_BYTES }, async (request, reply) => {
      const { name } = parseInput(z.strictObject({ name: z.string().trim().min(1).max(100).default('historical complaints') }), request.query);
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (typeof request.body !== 'string' || request.body.length === 0) throw new HttpError(400, 'send the file as the body (text/csv or application/json)');
      const format = type === 'application/json' ? 'json' : 'csv';
      const report = await baselineErrors(() => baseline.import(request.body as string, format, { name, by: request.user!.username }));
      return reply.status(201).send({ report });
    });
    files.get('/api/admin/baseline', supervisors, async () => ({ reports: baseline.list() }));
    files.get('/api/admin/baseline/:id', supervisors, async (request) => baselineErrors(() => baseline.get(parseInput(idParams, request.params).id)));
    files.get('/api/admin/baseline/:id/report.html', supervisors, async (request, reply) => {
      const report = await baselineErrors(() => baseline.get(parseInput(idParams, request.params).id));
      const file = `baseline-${report.importedAt.slice(0, 10)}.html`;
      return reply.type('text/html; charset=utf-8').header('content-disposition', `attachment; filename="${file}"`).send(baselineHtml(report));
    });
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
}
