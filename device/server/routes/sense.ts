import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { Calls } from '../../calls/index.js';
import type { EmotionSensing } from '../../sense/index.js';
import { requireUser } from '../auth.js';
import { HttpError, parseInput } from '../errors.js';

const idParams = z.object({ id: z.uuid('id must be a UUID') });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const analysisBody = z.strictObject({ enabled: z.boolean() });

/** The emotion timeline of a session, the recent alerts, and each kiosk's analysis switch. */
export function senseRoutes(app: FastifyInstance, accounts: Accounts, sensing: EmotionSensing, calls: Calls): void {
  const staff = { preHandler: requireUser(accounts, ['agent', 'supervisor', 'admin']) };
  const supervisors = { preHandler: requireUser(accounts, ['admin', 'supervisor']) };

  app.get('/api/sense/sessions/:id/timeline', staff, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const user = request.user!;
    if (user.role === 'agent' && !calls.agentsOfSession(id).includes(user.id)) throw new HttpError(403, 'only the agent who took this session sees its emotion timeline');
    return { timeline: sensing.timeline(id) };
  });

  app.get('/api/sense/calls/:id/stats', supervisors, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const stats = sensing.callStats(id);
    if (!stats) throw new HttpError(404, 'no talk statistics for this call');
    return { stats };
  });

  app.get('/api/sense/alerts', supervisors, async (request) => {
    const { limit } = parseInput(listQuery, request.query);
    return { alerts: sensing.alerts(limit) };
  });

  app.put('/api/admin/kiosks/:id/analysis', { preHandler: requireUser(accounts, ['admin']) }, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const { enabled } = parseInput(analysisBody, request.body);
    return { kiosk: await accounts.setKioskAnalysis(id, enabled) };
  });
}
