import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { Calls } from '../../calls/index.js';
import {
  articleInputSchema,
  importBundle,
  newTicketSchema,
  ticketAssignSchema,
  ticketCommentSchema,
  ticketResolveSchema,
  type Ingestion,
  type Knowledge,
  type KnowledgeTickets,
} from '../../knowledge/index.js';
import type { Router } from '../../routing/index.js';
import { LANGUAGES, type Language } from '../../store/index.js';
import { requireKiosk, requireUser } from '../auth.js';
import { HttpError, parseInput } from '../errors.js';

const idParams = z.object({ id: z.uuid('id must be a UUID') });
const searchQuery = z.object({ q: z.string().trim().min(1, 'q: type something to search for').max(500), lang: z.enum(LANGUAGES).default('en'), limit: z.coerce.number().int().min(1).max(50).default(10) });
const recommendationsQuery = z.object({ sessionId: z.uuid('sessionId must be a UUID'), lang: z.enum(LANGUAGES).optional() });
const shownBody = z.strictObject({
  sessionId: z.uuid('sessionId must be a UUID'),
  articles: z
    .array(z.strictObject({ articleId: z.uuid('articleId must be a UUID'), version: z.number().int().min(1) }))
    .min(1, 'articles: name what is shown')
    .max(10)
    .refine((list) => new Set(list.map((a) => a.articleId)).size === list.length, 'articles: an article appears twice'),
});
const outcomeBody = z.strictObject({ success: z.boolean() });
const feedbackBody = z.strictObject({ exposureId: z.uuid('exposureId must be a UUID'), helpful: z.boolean() });
const retireBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });
const ticketQuery = z.object({ status: z.enum(['open', 'assigned', 'resolved']).optional() });

/**
 * Knowledge for each audience: the kiosk's "did this help?", the agent's recommendations and their
 * outcome, and the articles, search and releases for supervisors and admins.
 */
export function knowledgeRoutes(
  app: FastifyInstance,
  accounts: Accounts,
  { knowledge, tickets, ingestion }: { knowledge: Knowledge; tickets: KnowledgeTickets; ingestion: Ingestion },
  router: Router,
  calls: Calls,
): void {
  const kioskOnly = { preHandler: requireKiosk(accounts) };
  const staff = { preHandler: requireUser(accounts, ['agent', 'supervisor', 'admin']) };
  const supervisors = { preHandler: requireUser(accounts, ['admin', 'supervisor']) };

  /** Agents may act only on sessions whose call they took; supervisors and admins on any. */
  const mayActOn = (user: { id: string; role: string }, sessionId: string | null) => user.role !== 'agent' || (sessionId !== null && calls.agentsOfSession(sessionId).includes(user.id));

  app.post('/api/kiosk/sessions/:id/feedback', kioskOnly, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const { exposureId, helpful } = parseInput(feedbackBody, request.body);
    router.requireSession(request.kiosk!.id, id);
    const exposure = knowledge.ledger.exposure(exposureId);
    if (!exposure || exposure.sessionId !== id) throw new HttpError(404, 'no such answer in this session');
    await knowledge.ledger.recordOutcome(exposureId, helpful, 'customer');
    return { recorded: true };
  });

  /** A session an agent works on: what it was routed for and the question that routed it. */
  const agentSession = (user: { id: string; role: string }, sessionId: string) => {
    if (!mayActOn(user, sessionId)) throw new HttpError(403, 'only the agent who took this session sees its recommendations');
    const session = router.sessionById(sessionId);
    if (!session) throw new HttpError(404, 'no such session');
    return {
      session,
      intent: router.routedLabel(sessionId)?.label ?? null,
      question: session.decisions.filter((d) => d.label).at(-1)?.text ?? '',
    };
  };

  // Looking writes nothing: the agent's page says what it shows with the POST below.
  app.get('/api/knowledge/recommendations', staff, async (request) => {
    const { sessionId, lang } = parseInput(recommendationsQuery, request.query);
    const user = request.user!;
    const { intent, question } = agentSession(user, sessionId);
    const recommendations = knowledge.recommender.recommend({ text: question, intent, lang: lang ?? (user.language as Language) });
    return { intent, question, recommendations };
  });

  /** The articles an agent is being shown for a session, in rank order: each counts as shown once per session. */
  app.post('/api/knowledge/exposures', staff, async (request, reply) => {
    const { sessionId, articles } = parseInput(shownBody, request.body);
    const { session, intent } = agentSession(request.user!, sessionId);
    const exposures = await knowledge.showToAgents({ sessionId, customerId: session.customer?.id ?? null, intent }, articles);
    return reply.status(201).send({ exposures });
  });

  app.post('/api/knowledge/exposures/:id/outcome', staff, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const { success } = parseInput(outcomeBody, request.body);
    const exposure = knowledge.ledger.exposure(id);
    if (!exposure) throw new HttpError(404, 'no such recommendation');
    if (!mayActOn(request.user!, exposure.sessionId)) throw new HttpError(403, 'only the agent who took this session can record its outcome');
    return { exposure: await knowledge.ledger.recordOutcome(id, success, 'agent') };
  });

  app.get('/api/knowledge/search', supervisors, async (request) => {
    const { q, lang, limit } = parseInput(searchQuery, request.query);
    return { results: knowledge.indexes.search(q, lang, limit) };
  });

  app.get('/api/knowledge/articles/:id', supervisors, async (request) => {
    const { id } = parseInput(idParams, request.params);
    return knowledge.article(id);
  });

  app.put('/api/knowledge/articles', supervisors, async (request) => {
    const input = parseInput(articleInputSchema, request.body);
    return knowledge.graph.upsertArticle(input, request.user!.username);
  });

  app.post('/api/knowledge/articles/:id/retire', supervisors, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const { reason } = parseInput(retireBody, request.body);
    await knowledge.graph.retire(id, reason);
    return knowledge.article(id);
  });

  // Tickets hold customers' questions. The board is for supervisors and admins; an agent sees, and may add
  // to, only the tickets of sessions they served (the unresolved calls their own wrap-up opened).
  app.get('/api/knowledge/tickets', staff, async (request) => {
    const { status } = parseInput(ticketQuery, request.query);
    const user = request.user!;
    return { tickets: tickets.list(status).filter((t) => mayActOn(user, t.sessionId)), now: new Date().toISOString() };
  });

  app.post('/api/knowledge/tickets', supervisors, async (request, reply) => {
    const input = parseInput(newTicketSchema, request.body);
    return reply.status(201).send({ ticket: await tickets.open({ ...input, origin: 'manual', sessionId: null }) });
  });

  app.post('/api/knowledge/tickets/:id/assign', supervisors, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const { assignee } = parseInput(ticketAssignSchema, request.body);
    return { ticket: await tickets.assign(id, assignee) };
  });

  app.post('/api/knowledge/tickets/:id/comments', staff, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const { text } = parseInput(ticketCommentSchema, request.body);
    const user = request.user!;
    // Someone else's ticket is answered like a missing one: its existence is not the agent's business.
    if (!mayActOn(user, tickets.get(id).sessionId)) throw new HttpError(404, 'no such ticket');
    return { ticket: await tickets.comment(id, user.username, text) };
  });

  app.post('/api/knowledge/tickets/:id/resolve', supervisors, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const resolution = parseInput(ticketResolveSchema, request.body);
    return { ticket: await tickets.resolve(id, request.user!.username, resolution) };
  });

  app.get('/api/knowledge/review', supervisors, async () => ({ review: knowledge.review() }));

  app.get('/api/knowledge/ingest', supervisors, async () => ({
    sources: ingestion.connectors.map((c) => ({ id: c.id, kind: c.kind })),
    nextRun: ingestion.nextRun(),
    runs: ingestion.runs(50),
  }));

  app.post('/api/knowledge/ingest/run', { preHandler: requireUser(accounts, ['admin']) }, async () => ({ runs: await ingestion.runAll() }));

  app.post('/api/knowledge/releases', { preHandler: requireUser(accounts, ['admin']), bodyLimit: 16 * 1024 * 1024 }, async (request) => importBundle(knowledge, request.body, request.user!.username));
}
