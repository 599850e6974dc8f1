import { callsApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { Calls } from '../../calls/index.js';
import type { App } from '../app.js';
import { requireUser } from '../auth.js';
import { HttpError } from '../errors.js';

/** Call records and live media figures, for supervisors and admins. */
export function callRoutes(app: App, accounts: Accounts, calls: Calls): void {
  const preHandler = requireUser(accounts, ['admin', 'supervisor']);

  app.get('/api/calls', { preHandler, schema: callsApi.list }, async (request) => ({ calls: calls.recentCalls(request.query.limit) }));

  app.get('/api/calls/:id', { preHandler, schema: callsApi.get }, async (request) => {
    const { id } = request.params;
    const record = calls.record(id);
    if (!record) throw new HttpError(404, `no call with id "${id}"`);
    return { call: record };
  });

  app.get('/api/calls/:id/media', { preHandler, schema: callsApi.media }, async (request) => {
    const { id } = request.params;
    const live = calls.activeCalls().find((c) => c.id === id);
    if (!live) throw new HttpError(404, `no live call with id "${id}"`);
    return { workerPid: live.media.workerPid, consumerBytes: await live.media.consumerBytes() };
  });
}
