import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { disputeSchema, handbookMarkdown, overrideSchema, type QualityInspection } from '../../qa/index.js';
import { LANGUAGES, type Language } from '../../store/index.js';
import { requireUser } from '../auth.js';
import { HttpError, parseInput } from '../errors.js';

const idParams = z.object({ id: z.uuid('id must be a UUID') });
const coachingQuery = z.object({ agentId: z.uuid().optional(), days: z.coerce.number().int().min(1).max(365).default(7), lang: z.enum(LANGUAGES).optional() });
const listQuery = z.object({ agentId: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

/** The evaluation form (supervisors edit it), scorecards (agents see their own), overrides and disputes. */
export function qaRoutes(app: FastifyInstance, accounts: Accounts, quality: QualityInspection): void {
  const staff = { preHandler: requireUser(accounts, ['agent', 'supervisor', 'admin']) };
  const supervisors = { preHandler: requireUser(accounts, ['admin', 'supervisor']) };

  app.get('/api/qa/form', staff, async () => ({ form: quality.currentForm() }));

  app.put('/api/qa/form', supervisors, async (request) => ({ form: await quality.saveForm(request.body, request.user!.username) }));

  app.get('/api/qa/scorecards', staff, async (request) => {
    const query = parseInput(listQuery, request.query);
    const user = request.user!;
    const agentId = user.role === 'agent' ? user.id : query.agentId;
    const cards = quality.list({ limit: query.limit, ...(agentId ? { agentId } : {}) });
    return { scorecards: cards.map((card) => ({ ...card, effectiveTotal: quality.effectiveTotal(card) })) };
  });

  app.get('/api/qa/coaching', staff, async (request) => {
    const query = parseInput(coachingQuery, request.query);
    const user = request.user!;
    const agentId = user.role === 'agent' ? user.id : query.agentId;
    if (!agentId) throw new HttpError(400, 'agentId: say whose coaching to show');
    return { agentId, days: query.days, suggestions: quality.coaching(agentId, query.days, query.lang ?? (user.language as Language)) };
  });

  app.get('/api/qa/handbook', supervisors, async () => ({ handbook: quality.handbook() }));

  app.get('/api/qa/handbook.md', supervisors, async (_request, reply) => {
    const markdown = handbookMarkdown(quality.handbook(), (id) => accounts.getUser(id)?.displayName ?? id, new Date().toISOString());
    return reply.header('content-type', 'text/markdown; charset=utf-8').header('content-disposition', 'attachment; filename="best-practice-handbook.md"').send(markdown);
  });

  app.get('/api/qa/scorecards/:id', staff, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const card = quality.get(id);
    if (request.user!.role === 'agent' && card.agentId !== request.user!.id) throw new HttpError(403, 'agents see only their own scorecards');
    return { scorecard: { ...card, effectiveTotal: quality.effectiveTotal(card) }, form: quality.formVersion(card.formVersion) };
  });

  app.post('/api/qa/scorecards/:id/override', supervisors, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const card = await quality.override(id, parseInput(overrideSchema, request.body), request.user!.username);
    return { scorecard: { ...card, effectiveTotal: quality.effectiveTotal(card) } };
  });

  app.post('/api/qa/scorecards/:id/dispute', staff, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const card = await quality.dispute(id, parseInput(disputeSchema, request.body), request.user!.id);
    return { scorecard: { ...card, effectiveTotal: quality.effectiveTotal(card) } };
  });
}
