import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../../accounts/index.js';
import { newInquirySchema, type Inquiries } from '../../routing/index.js';
import { requireKiosk } from '../auth.js';
import { parseInput } from '../errors.js';

export function kioskRoutes(app: FastifyInstance, accounts: Accounts, inquiries: Inquiries): void {
  const kioskOnly = { preHandler: requireKiosk(accounts) };

  app.get('/api/kiosk/me', kioskOnly, async (request) => ({ kiosk: request.kiosk }));

  app.post('/api/kiosk/inquiries', kioskOnly, async (request, reply) => {
    const input = parseInput(newInquirySchema, request.body);
    const inquiry = await inquiries.record(request.kiosk!.id, input);
    return reply.status(201).send({ inquiry });
  });
}
