import { qaApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import { handbookMarkdown, type QualityInspection } from '../../qa/index.js';
import type { Language, QaScorecardRecord } from '../../store/index.js';
import type { App } from '../app.js';
import { requireUser } from '../auth.js';
import { HttpError } from '../errors.js';

/** The evaluation form (supervisors edit it), scorecards (agents see their own), overrides and disputes. */
export function qaRoutes(app: App, accounts: Accounts, quality: QualityInspection): void {
  const staff = requireUser(accounts, ['agent', 'supervisor', 'admin']);
  const supervisors = requireUser(accounts, ['admin', 'supervisor']);
  const shown = (card: QaScorecardRecord) => ({ ...card, effectiveTotal: quality.effectiveTotal(card) });

  app.get('/api/qa/form', { preHandler: staff, schema: qaApi.form }, async () => ({ form: quality.currentForm() }));

  app.put('/api/qa/form', { preHandler: supervisors, schema: qaApi.saveForm }, async (request) => ({ form: await quality.saveForm(request.body, request.user!.username) }));

  app.get('/api/qa/scorecards', { preHandler: staff, schema: qaApi.scorecards }, async (request) => {
    const user = request.user!;
    const agentId = user.role === 'agent' ? user.id : request.query.agentId;
    const cards = quality.list({ limit: request.query.limit, ...(agentId ? { agentId } : {}) });
    return { scorecards: cards.map(shown) };
  });

  app.get('/api/qa/coaching', { preHandler: staff, schema: qaApi.coaching }, async (request) => {
    const query = request.query;
    const user = request.user!;
    const agentId = user.role === 'agent' ? user.id : query.agentId;
    if (!agentId) throw new HttpError(400, 'agentId: say whose coaching to show');
    return { agentId, days: query.days, suggestions: quality.coaching(agentId, query.days, query.lang ?? (user.language as Language)) };
  });

  app.get('/api/qa/handbook', { preHandler: supervisors, schema: qaApi.handbook }, async () => ({ handbook: quality.handbook() }));

  app.get('/api/qa/handbook.md', { preHandler: supervisors, schema: qaApi.handbookMarkdown }, async (_request, reply) => {
    const markdown = handbookMarkdown(quality.handbook(), (id) => accounts.getUser(id)?.displayName ?? id, new Date().toISOString());
    return reply.header('content-type', 'text/markdown; charset=utf-8').header('content-disposition', 'attachment; filename="best-practice-handbook.md"').send(markdown);
  });

  app.get('/api/qa/scorecards/:id', { preHandler: staff, schema: qaApi.scorecard }, async (request) => {
    const card = quality.get(request.params.id);
    if (request.user!.role === 'agent' && card.agentId !== request.user!.id) throw new HttpError(403, 'agents see only their own scorecards');
    return { scorecard: shown(card), form: quality.formVersion(card.formVersion) };
  });

  app.post('/api/qa/scorecards/:id/override', { preHandler: supervisors, schema: qaApi.override }, async (request) => ({
    scorecard: shown(await quality.override(request.params.id, request.body, request.user!.username)),
  }));

  app.post('/api/qa/scorecards/:id/dispute', { preHandler: staff, schema: qaApi.dispute }, async (request) => ({
    scorecard: shown(await quality.dispute(request.params.id, request.body, request.user!.id)),
  }));
}
