import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { Calls } from '../../calls/index.js';
import { newCustomerSchema, wrapUpSchema, type Customers, type Presence, type Router } from '../../routing/index.js';
import { LANGUAGES } from '../../store/index.js';
import { requireUser } from '../auth.js';
import { HttpError, parseInput } from '../errors.js';

const idParams = z.object({ id: z.uuid('id must be a UUID') });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const langQuery = z.object({ lang: z.enum(LANGUAGES).default('en') });

/**
 * Routing for staff: the label list (to correct a routing), wrap-up after a call, the stored sessions with
 * their decisions; the customer table for admins.
 */
export function routingRoutes(app: FastifyInstance, accounts: Accounts, router: Router, customers: Customers, calls: Calls, presence: Presence): void {
  const staff = { preHandler: requireUser(accounts, ['agent', 'supervisor', 'admin']) };
  const supervisors = { preHandler: requireUser(accounts, ['admin', 'supervisor']) };
  const adminOnly = { preHandler: requireUser(accounts, ['admin']) };

  app.get('/api/routing/labels', staff, async (request) => {
    const { lang } = parseInput(langQuery, request.query);
    return { labels: router.labels(lang) };
  });

  /** Agents see only their own customers' sessions: a routed label tells what a customer asked. */
  const mayActOn = (user: { id: string; role: string }, sessionId: string) => user.role !== 'agent' || calls.agentsOfSession(sessionId).includes(user.id);

  app.get('/api/routing/sessions/:id/routed', staff, async (request) => {
    const { id } = parseInput(idParams, request.params);
    if (!mayActOn(request.user!, id)) throw new HttpError(403, 'only the agent who took this session sees how it was routed');
    return { routed: router.routedLabel(id) };
  });

  app.post('/api/routing/sessions/:id/wrap-up', staff, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const { label, resolved } = parseInput(wrapUpSchema, request.body);
    const user = request.user!;
    if (!mayActOn(user, id)) throw new HttpError(403, 'only the agent who took this session can wrap it up');
    const session = await router.wrapUp(id, user.id, label, resolved);
    // Wrap-up done: the agent is free for the next customer.
    if (presence.get(user.id).state === 'wrap-up') presence.set(user.id, 'available');
    return { wrapUp: session.wrapUp };
  });

  app.get('/api/routing/sessions', supervisors, async (request) => {
    const { limit } = parseInput(listQuery, request.query);
    return { sessions: router.recentSessions(limit) };
  });

  app.get('/api/admin/customers', adminOnly, async () => ({ customers: customers.list() }));

  app.post('/api/admin/customers', adminOnly, async (request, reply) => {
    const input = parseInput(newCustomerSchema, request.body);
    return reply.status(201).send({ customer: await customers.add(input) });
  });

  app.delete('/api/admin/customers/:id', adminOnly, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    await customers.remove(id);
    return reply.status(204).send();
  });
}
