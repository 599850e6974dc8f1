import { senseApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { Calls } from '../../calls/index.js';
import type { EmotionSensing } from '../../sense/index.js';
import type { App } from '../app.js';
import { requireUser } from '../auth.js';
import { HttpError } from '../errors.js';

/** The emotion timeline of a session and the recent alerts (each kiosk's analysis switch is with the admin routes). */
export function senseRoutes(app: App, accounts: Accounts, sensing: EmotionSensing, calls: Calls): void {
  const staff = requireUser(accounts, ['agent', 'supervisor', 'admin']);
  const supervisors = requireUser(accounts, ['admin', 'supervisor']);

  app.get('/api/sense/sessions/:id/timeline', { preHandler: staff, schema: senseApi.timeline }, async (request) => {
    const { id } = request.params;
    const user = request.user!;
    if (user.role === 'agent' && !calls.agentsOfSession(id).includes(user.id)) throw new HttpError(403, 'only the agent who took this session sees its emotion timeline');
    return { timeline: sensing.timeline(id) };
  });

  app.get('/api/sense/calls/:id/stats', { preHandler: supervisors, schema: senseApi.stats }, async (request) => {
    const stats = sensing.callStats(request.params.id);
    if (!stats) throw new HttpError(404, 'no talk statistics for this call');
    return { stats };
  });

  app.get('/api/sense/alerts', { preHandler: supervisors, schema: senseApi.alerts }, async (request) => ({ alerts: sensing.alerts(request.query.limit) }));
}
