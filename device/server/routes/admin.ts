import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { newKioskSchema, newUserSchema, userChangeSchema, type Accounts } from '../../accounts/index.js';
import { requireUser } from '../auth.js';
import { parseInput } from '../errors.js';

const idParams = z.object({ id: z.uuid('id must be a UUID') });

/** Accounts and kiosks, for admins only. One-time secrets appear in the creating response and nowhere else. */
export function adminRoutes(app: FastifyInstance, accounts: Accounts): void {
  const adminOnly = { preHandler: requireUser(accounts, ['admin']) };

  app.get('/api/admin/users', adminOnly, async () => ({ users: accounts.listUsers() }));

  app.post('/api/admin/users', adminOnly, async (request, reply) => {
    const input = parseInput(newUserSchema, request.body);
    const created = await accounts.createUser(input);
    return reply.status(201).send(created);
  });

  app.patch('/api/admin/users/:id', adminOnly, async (request) => {
    const { id } = parseInput(idParams, request.params);
    const change = parseInput(userChangeSchema, request.body);
    return { user: await accounts.updateUser(id, change) };
  });

  app.delete('/api/admin/users/:id', adminOnly, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    await accounts.removeUser(id);
    return reply.status(204).send();
  });

  app.post('/api/admin/users/:id/password', adminOnly, async (request) => {
    const { id } = parseInput(idParams, request.params);
    return { password: await accounts.resetPassword(id) };
  });

  app.get('/api/admin/kiosks', adminOnly, async () => ({ kiosks: accounts.listKiosks() }));

  app.post('/api/admin/kiosks', adminOnly, async (request, reply) => {
    const input = parseInput(newKioskSchema, request.body);
    const created = await accounts.createKiosk(input);
    return reply.status(201).send(created);
  });

  app.delete('/api/admin/kiosks/:id', adminOnly, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    await accounts.revokeKiosk(id);
    return reply.status(204).send();
  });
}
