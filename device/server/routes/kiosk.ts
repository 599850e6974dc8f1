import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { askSchema, chooseSchema, identifySchema, startSessionSchema, surveySchema, type Router } from '../../routing/index.js';
import { requireKiosk } from '../auth.js';
import { HttpError, parseInput } from '../errors.js';

const sessionParams = z.object({ id: z.uuid('id must be a UUID') });

/** The kiosk's side of a visit: start a session, ask, pick from a clarifying question, identify. */
export function kioskRoutes(app: FastifyInstance, accounts: Accounts, router: Router): void {
  const kioskOnly = { preHandler: requireKiosk(accounts) };

  app.get('/api/kiosk/me', kioskOnly, async (request) => ({ kiosk: request.kiosk }));

  app.post('/api/kiosk/sessions', kioskOnly, async (request, reply) => {
    const { lang } = parseInput(startSessionSchema, request.body);
    const session = await router.start(request.kiosk!.id, lang);
    return reply.status(201).send({ session: { id: session.id, lang: session.lang, startedAt: session.startedAt } });
  });

  app.post('/api/kiosk/sessions/:id/questions', kioskOnly, async (request) => {
    const { id } = parseInput(sessionParams, request.params);
    const { text } = parseInput(askSchema, request.body);
    return router.ask(request.kiosk!.id, id, text);
  });

  app.post('/api/kiosk/sessions/:id/survey', kioskOnly, async (request) => {
    const { id } = parseInput(sessionParams, request.params);
    return { survey: await router.survey(request.kiosk!.id, id, parseInput(surveySchema, request.body)) };
  });

  app.post('/api/kiosk/sessions/:id/choice', kioskOnly, async (request) => {
    const { id } = parseInput(sessionParams, request.params);
    const { label } = parseInput(chooseSchema, request.body);
    return router.choose(request.kiosk!.id, id, label);
  });

  app.post('/api/kiosk/sessions/:id/identify', kioskOnly, async (request) => {
    const { id } = parseInput(sessionParams, request.params);
    const { method, value } = parseInput(identifySchema, request.body);
    const customer = await router.identify(request.kiosk!.id, id, method, value);
    if (!customer) throw new HttpError(404, `no customer with that ${method === 'card' ? 'card' : 'phone'} number`);
    // The kiosk greets by name and shows the tier; numbers never travel back.
    return { customer: { name: customer.name, tier: customer.tier } };
  });
}
