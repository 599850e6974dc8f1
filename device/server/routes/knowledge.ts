import { kioskApi, knowledgeApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { Calls } from '../../calls/index.js';
import { importBundle, type Ingestion, type Knowledge, type KnowledgeTickets } from '../../knowledge/index.js';
import type { Router } from '../../routing/index.js';
import type { Language } from '../../store/index.js';
import type { App } from '../app.js';
import { requireKiosk, requireUser } from '../auth.js';
import { HttpError } from '../errors.js';

/**
 * Knowledge for each audience: the kiosk's "did this help?", the agent's recommendations and their
 * outcome, and the articles, search and releases for supervisors and admins.
 */
export function knowledgeRoutes(
  app: App,
  accounts: Accounts,
  { knowledge, tickets, ingestion }: { knowledge: Knowledge; tickets: KnowledgeTickets; ingestion: Ingestion },
  router: Router,
  calls: Calls,
): void {
  const kioskOnly = requireKiosk(accounts);
  const staff = requireUser(accounts, ['agent', 'supervisor', 'admin']);
  const supervisors = requireUser(accounts, ['admin', 'supervisor']);
  const adminOnly = requireUser(accounts, ['admin']);

  /** Agents may act only on sessions whose call they took; supervisors and admins on any. */
  const mayActOn = (user: { id: string; role: string }, sessionId: string | null) => user.role !== 'agent' || (sessionId !== null && calls.agentsOfSession(sessionId).includes(user.id));

  app.post('/api/kiosk/sessions/:id/feedback', { preHandler: kioskOnly, schema: kioskApi.feedback }, async (request) => {
    const { id } = request.params;
    const { exposureId, helpful } = request.body;
    router.requireSession(request.kiosk!.id, id);
    const exposure = knowledge.ledger.exposure(exposureId);
    if (!exposure || exposure.sessionId !== id) throw new HttpError(404, 'no such answer in this session');
    await knowledge.ledger.recordOutcome(exposureId, helpful, 'customer');
    return { recorded: true as const };
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
  app.get('/api/knowledge/recommendations', { preHandler: staff, schema: knowledgeApi.recommendations }, async (request) => {
    const { sessionId, lang } = request.query;
    const user = request.user!;
    const { intent, question } = agentSession(user, sessionId);
    const recommendations = knowledge.recommender.recommend({ text: question, intent, lang: lang ?? (user.language as Language) });
    return { intent, question, recommendations };
  });

  /** The articles an agent is being shown for a session, in rank order: each counts as shown once per session. */
  app.post('/api/knowledge/exposures', { preHandler: staff, schema: knowledgeApi.showExposures }, async (request, reply) => {
    const { sessionId, articles } = request.body;
    const { session, intent } = agentSession(request.user!, sessionId);
    const exposures = await knowledge.showToAgents({ sessionId, customerId: session.customer?.id ?? null, intent }, articles);
    return reply.status(201).send({ exposures });
  });

  app.post('/api/knowledge/exposures/:id/outcome', { preHandler: staff, schema: knowledgeApi.outcome }, async (request) => {
    const { id } = request.params;
    const { success } = request.body;
    const exposure = knowledge.ledger.exposure(id);
    if (!exposure) throw new HttpError(404, 'no such recommendation');
    if (!mayActOn(request.user!, exposure.sessionId)) throw new HttpError(403, 'only the agent who took this session can record its outcome');
    return { exposure: await knowledge.ledger.recordOutcome(id, success, 'agent') };
  });

  app.get('/api/knowledge/search', { preHandler: supervisors, schema: knowledgeApi.search }, async (request) => {
    const { q, lang, limit } = request.query;
    return { results: knowledge.indexes.search(q, lang, limit) };
  });

  app.get('/api/knowledge/articles/:id', { preHandler: supervisors, schema: knowledgeApi.article }, async (request) => {
    const { id } = request.params;
    return knowledge.article(id);
  });

  app.put('/api/knowledge/articles', { preHandler: supervisors, schema: knowledgeApi.saveArticle }, async (request) => {
    const input = request.body;
    return knowledge.graph.upsertArticle(input, request.user!.username);
  });

  app.post('/api/knowledge/articles/:id/retire', { preHandler: supervisors, schema: knowledgeApi.retire }, async (request) => {
    const { id } = request.params;
    const { reason } = request.body;
    await knowledge.graph.retire(id, reason);
    return knowledge.article(id);
  });

  // Tickets hold customers' questions. The board is for supervisors and admins; an agent sees, and may add
  // to, only the tickets of sessions they served (the unresolved calls their own wrap-up opened).
  app.get('/api/knowledge/tickets', { preHandler: staff, schema: knowledgeApi.tickets }, async (request) => {
    const { status } = request.query;
    const user = request.user!;
    return { tickets: tickets.list(status).filter((t) => mayActOn(user, t.sessionId)), now: new Date().toISOString() };
  });

  app.post('/api/knowledge/tickets', { preHandler: supervisors, schema: knowledgeApi.openTicket }, async (request, reply) => {
    const input = request.body;
    return reply.status(201).send({ ticket: await tickets.open({ ...input, origin: 'manual', sessionId: null }) });
  });

  app.post('/api/knowledge/tickets/:id/assign', { preHandler: supervisors, schema: knowledgeApi.assign }, async (request) => {
    const { id } = request.params;
    const { assignee } = request.body;
    return { ticket: await tickets.assign(id, assignee) };
  });

  app.post('/api/knowledge/tickets/:id/comments', { preHandler: staff, schema: knowledgeApi.comment }, async (request) => {
    const { id } = request.params;
    const { text } = request.body;
    const user = request.user!;
    // Someone else's ticket is answered like a missing one: its existence is not the agent's business.
    if (!mayActOn(user, tickets.get(id).sessionId)) throw new HttpError(404, 'no such ticket');
    return { ticket: await tickets.comment(id, user.username, text) };
  });

  app.post('/api/knowledge/tickets/:id/resolve', { preHandler: supervisors, schema: knowledgeApi.resolve }, async (request) => {
    const { id } = request.params;
    const resolution = request.body;
    return { ticket: await tickets.resolve(id, request.user!.username, resolution) };
  });

  app.get('/api/knowledge/review', { preHandler: supervisors, schema: knowledgeApi.review }, async () => ({ review: knowledge.review() }));

  app.get('/api/knowledge/ingest', { preHandler: supervisors, schema: knowledgeApi.ingest }, async () => ({
    sources: ingestion.connectors.map((c) => ({ id: c.id, kind: c.kind })),
    nextRun: ingestion.nextRun(),
    runs: ingestion.runs(50),
  }));

  app.post('/api/knowledge/ingest/run', { preHandler: adminOnly, schema: knowledgeApi.runIngest }, async () => ({ runs: await ingestion.runAll() }));

  app.post('/api/knowledge/releases', { preHandler: adminOnly, schema: knowledgeApi.release, bodyLimit: 16 * 1024 * 1024 }, async (request) => importBundle(knowledge, request.body, request.user!.username));
}
