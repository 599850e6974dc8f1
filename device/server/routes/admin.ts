import { adminApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { App } from '../app.js';
import { requireUser } from '../auth.js';

/** Accounts and kiosks, for admins only. One-time secrets appear in the creating response and nowhere else. */
export function adminRoutes(app: App, accounts: Accounts): void {
  const preHandler = requireUser(accounts, ['admin']);

  app.get('/api/admin/users', { preHandler, schema: adminApi.listUsers }, async () => ({ users: accounts.listUsers() }));

  app.post('/api/admin/users', { preHandler, schema: adminApi.createUser }, async (request, reply) => reply.status(201).send(await accounts.createUser(request.body)));

  app.patch('/api/admin/users/:id', { preHandler, schema: adminApi.updateUser }, async (request) => ({ user: await accounts.updateUser(request.params.id, request.body) }));

  app.delete('/api/admin/users/:id', { preHandler, schema: adminApi.removeUser }, async (request, reply) => {
    await accounts.removeUser(request.params.id);
    return reply.status(204).send();
  });

  app.post('/api/admin/users/:id/password', { preHandler, schema: adminApi.resetPassword }, async (request) => ({ password: await accounts.resetPassword(request.params.id) }));

  app.get('/api/admin/kiosks', { preHandler, schema: adminApi.listKiosks }, async () => ({ kiosks: accounts.listKiosks() }));

  app.post('/api/admin/kiosks', { preHandler, schema: adminApi.createKiosk }, async (request, reply) => reply.status(201).send(await accounts.createKiosk(request.body)));

  app.delete('/api/admin/kiosks/:id', { preHandler, schema: adminApi.revokeKiosk }, async (request, reply) => {
    await accounts.revokeKiosk(request.params.id);
    return reply.status(204).send();
  });

  app.put('/api/admin/kiosks/:id/analysis', { preHandler, schema: adminApi.setKioskAnalysis }, async (request) => ({
    kiosk: await accounts.setKioskAnalysis(request.params.id, request.body.enabled),
  }));
}
