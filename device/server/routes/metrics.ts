import { metricsApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import { Baseline, BASELINE_MAX_BYTES, BaselineError, baselineHtml, type Metrics } from '../../metrics/index.js';
import type { App } from '../app.js';
import { requireUser } from '../auth.js';
import { HttpError } from '../errors.js';

const DAY_MS = 86_400_000;

/** KPIs, routing measures and the wallboard for supervisors; `/metrics` for Prometheus (aggregates only, nothing about a person). */
export function metricsRoutes(app: App, accounts: Accounts, metrics: Metrics, baseline: Baseline): void {
  const supervisors = requireUser(accounts, ['admin', 'supervisor']);

  app.get('/api/metrics/kpis', { preHandler: supervisors, schema: metricsApi.kpis }, async (request) => {
    const q = request.query;
    // A bare date means the whole day: `to=2026-11-30` includes the 30th.
    const to = q.to ? Date.parse(q.to) + (q.to.length === 10 ? DAY_MS : 0) : Date.now() + 1;
    const from = q.from ? Date.parse(q.from) : to - 30 * DAY_MS;
    if (!(from < to)) throw new HttpError(400, 'from must be before to');
    if (to - from > 366 * DAY_MS) throw new HttpError(400, 'a period is at most 366 days');
    return metrics.reports.kpis(from, to, q.group);
  });

  app.get('/api/metrics/wallboard', { preHandler: supervisors, schema: metricsApi.wallboard }, async () => metrics.wallboard());

  // The routing page's figures, from the KPI counters: served here so that routing keeps no second KPI code.
  app.get('/api/routing/measures', { preHandler: supervisors, schema: metricsApi.measures }, async () => metrics.reports.measures());

  // Imports take whole files as the body, so these routes read CSV and JSON as text, up to 10 MB.
  app.register(async (files: App) => {
    files.removeContentTypeParser('application/json');
    files.addContentTypeParser(['application/json', 'text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: BASELINE_MAX_BYTES }, (_request, body, done) => done(null, body));
    const baselineErrors = <T>(work: () => T | Promise<T>): Promise<T> =>
      Promise.resolve()
        .then(work)
        .catch((err: Error) => {
          if (err instanceof BaselineError) throw new HttpError(err.statusCode, err.message);
          throw err;
        });

    files.post('/api/admin/baseline', { preHandler: supervisors, schema: metricsApi.importBaseline, bodyLimit: BASELINE_MAX_BYTES }, async (request, reply) => {
      const { name } = request.query;
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (typeof request.body !== 'string' || request.body.length === 0) throw new HttpError(400, 'send the file as the body (text/csv or application/json)');
      const format = type === 'application/json' ? 'json' : 'csv';
      const report = await baselineErrors(() => baseline.import(request.body as string, format, { name, by: request.user!.username }));
      return reply.status(201).send({ report });
    });
    files.get('/api/admin/baseline', { preHandler: supervisors, schema: metricsApi.baselines }, async () => ({ reports: baseline.list() }));
    files.get('/api/admin/baseline/:id', { preHandler: supervisors, schema: metricsApi.baseline }, async (request) => baselineErrors(() => baseline.get(request.params.id)));
    files.get('/api/admin/baseline/:id/report.html', { preHandler: supervisors, schema: metricsApi.baselineHtml }, async (request, reply) => {
      const report = await baselineErrors(() => baseline.get(request.params.id));
      const file = `baseline-${report.importedAt.slice(0, 10)}.html`;
      return reply.type('text/html; charset=utf-8').header('content-disposition', `attachment; filename="${file}"`).send(baselineHtml(report));
    });
  });

  app.get('/metrics', { schema: metricsApi.prometheus }, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
}
