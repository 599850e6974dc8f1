import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { KPI_GROUPS, type Metrics } from '../../metrics/index.js';
import { requireUser } from '../auth.js';
import { HttpError, parseInput } from '../errors.js';

const DAY_MS = 86_400_000;
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'a date (2026-11-01) or a date and time (2026-11-01T08:00:00Z)' });
const kpiQuery = z.strictObject({ from: instant.optional(), to: instant.optional(), group: z.enum(KPI_GROUPS).optional() });

/** KPIs and the wallboard for supervisors; `/metrics` for Prometheus (aggregates only, nothing about a person). */
export function metricsRoutes(app: FastifyInstance, accounts: Accounts, metrics: Metrics): void {
  const supervisors = { preHandler: requireUser(accounts, ['admin', 'supervisor']) };

  app.get('/api/metrics/kpis', supervisors, async (request) => {
    const q = parseInput(kpiQuery, request.query);
    // A bare date means the whole day: `to=2026-11-30` includes the 30th.
    const to = q.to ? Date.parse(q.to) + (q.to.length === 10 ? DAY_MS : 0) : Date.now() + 1;
    const from = q.from ? Date.parse(q.from) : to - 30 * DAY_MS;
    if (!(from < to)) throw new HttpError(400, 'from must be before to');
    if (to - from > 366 * DAY_MS) throw new HttpError(400, 'a period is at most 366 days');
    return metrics.kpis(from, to, q.group);
  });

  app.get('/api/metrics/wallboard', supervisors, async () => metrics.wallboard());

  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
}
