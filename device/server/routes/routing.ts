import { routingApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { Calls } from '../../calls/index.js';
import type { Customers, Presence, Router } from '../../routing/index.js';
import type { App } from '../app.js';
import { requireUser } from '../auth.js';
import { HttpError } from '../errors.js';

/**
 * Routing for staff: the label list (to correct a routing), wrap-up after a call, the stored sessions with
 * their decisions; the customer table for admins.
 */
export function routingRoutes(app: App, accounts: Accounts, router: Router, customers: Customers, calls: Calls, presence: Presence): void {
  const staff = requireUser(accounts, ['agent', 'supervisor', 'admin']);
  const supervisors = requireUser(accounts, ['admin', 'supervisor']);
  const adminOnly = requireUser(accounts, ['admin']);

  app.get('/api/routing/labels', { preHandler: staff, schema: routingApi.labels }, async (request) => ({ labels: router.labels(request.query.lang) }));

  /** Agents see only their own customers' sessions: a routed label tells what a customer asked. */
  const mayActOn = (user: { id: string; role: string }, sessionId: string) => user.role !== 'agent' || calls.agentsOfSession(sessionId).includes(user.id);

  app.get('/api/routing/sessions/:id/routed', { preHandler: staff, schema: routingApi.routed }, async (request) => {
    const { id } = request.params;
    if (!mayActOn(request.user!, id)) throw new HttpError(403, 'only the agent who took this session sees how it was routed');
    return { routed: router.routedLabel(id) };
  });

  app.post('/api/routing/sessions/:id/wrap-up', { preHandler: staff, schema: routingApi.wrapUp }, async (request) => {
    const { id } = request.params;
    const { label, resolved } = request.body;
    const user = request.user!;
    if (!mayActOn(user, id)) throw new HttpError(403, 'only the agent who took this session can wrap it up');
    const session = await router.wrapUp(id, user.id, label, resolved);
    // Wrap-up done: the agent is free for the next customer.
    if (presence.get(user.id).state === 'wrap-up') presence.set(user.id, 'available');
    return { wrapUp: session.wrapUp };
  });

  app.get('/api/routing/sessions', { preHandler: supervisors, schema: routingApi.sessions }, async (request) => ({ sessions: router.recentSessions(request.query.limit) }));

  app.get('/api/admin/customers', { preHandler: adminOnly, schema: routingApi.customers }, async () => ({ customers: customers.list() }));

  app.post('/api/admin/customers', { preHandler: adminOnly, schema: routingApi.addCustomer }, async (request, reply) => reply.status(201).send({ customer: await customers.add(request.body) }));

  app.delete('/api/admin/customers/:id', { preHandler: adminOnly, schema: routingApi.removeCustomer }, async (request, reply) => {
    await customers.remove(request.params.id);
    return reply.status(204).send();
  });
}
