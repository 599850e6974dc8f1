import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { PRESENCE_STATES, type Presence } from '../../routing/index.js';
import { requireUser } from '../auth.js';
import { parseInput } from '../errors.js';

const presenceBody = z.strictObject({ state: z.enum(PRESENCE_STATES) });

export function agentRoutes(app: FastifyInstance, accounts: Accounts, presence: Presence): void {
  const staff = { preHandler: requireUser(accounts, ['agent', 'supervisor']) };

  app.get('/api/agent/presence', staff, async (request) => presence.get(request.user!.id));

  app.put('/api/agent/presence', staff, async (request) => {
    const { state } = parseInput(presenceBody, request.body);
    return presence.set(request.user!.id, state);
  });
}
