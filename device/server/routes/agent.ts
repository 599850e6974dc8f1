import { presenceApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { Presence } from '../../routing/index.js';
import type { App } from '../app.js';
import { requireUser } from '../auth.js';

export function agentRoutes(app: App, accounts: Accounts, presence: Presence): void {
  const preHandler = requireUser(accounts, ['agent', 'supervisor']);

  app.get('/api/agent/presence', { preHandler, schema: presenceApi.get }, async (request) => presence.get(request.user!.id));

  app.put('/api/agent/presence', { preHandler, schema: presenceApi.set }, async (request) => presence.set(request.user!.id, request.body.state));
}
