import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { Calls } from '../../calls/index.js';
import { requireUser } from '../auth.js';
import { HttpError, parseInput } from '../errors.js';

const idParams = z.object({ id: z.uuid('id must be a UUID') });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/** Call records and live media figures, for supervisors and admins. */
export function callRoutes(app: FastifyInstance, accounts: Accounts, calls: Calls): void {
  const supervisors = { preHandler: requireUser(accounts, ['admin', 'supervisor']) };

  app.get('/api/calls', supervisors, async (request) => {
    const { limit } = parseInput(listQuery, request.query);
    return { calls: calls.recentCalls(limit) };
  });

  app.get('/api/calls/:id', supervisors, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const record = calls.record(id);
    if (!record) throw new HttpError(404, `no call with id "${id}"`);
    return { call: record };
  });

  app.get('/api/calls/:id/media', supervisors, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const live = calls.activeCalls().find((c) => c.id === id);
    if (!live) throw new HttpError(404, `no live call with id "${id}"`);
    return { workerPid: live.media.workerPid, consumerBytes: await live.media.consumerBytes() };
  });
}
