import { kioskApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { Router } from '../../routing/index.js';
import type { App } from '../app.js';
import { requireKiosk } from '../auth.js';
import { HttpError } from '../errors.js';

/** The kiosk's side of a visit: start a session, ask, pick from a clarifying question, identify. */
export function kioskRoutes(app: App, accounts: Accounts, router: Router): void {
  const preHandler = requireKiosk(accounts);

  app.get('/api/kiosk/me', { preHandler, schema: kioskApi.me }, async (request) => ({ kiosk: request.kiosk! }));

  app.post('/api/kiosk/sessions', { preHandler, schema: kioskApi.startSession }, async (request, reply) => {
    const session = await router.start(request.kiosk!.id, request.body.lang);
    return reply.status(201).send({ session: { id: session.id, lang: session.lang, startedAt: session.startedAt } });
  });

  app.post('/api/kiosk/sessions/:id/questions', { preHandler, schema: kioskApi.ask }, async (request) => router.ask(request.kiosk!.id, request.params.id, request.body.text));

  app.post('/api/kiosk/sessions/:id/survey', { preHandler, schema: kioskApi.survey }, async (request) => ({
    survey: await router.survey(request.kiosk!.id, request.params.id, request.body),
  }));

  app.post('/api/kiosk/sessions/:id/choice', { preHandler, schema: kioskApi.choose }, async (request) => router.choose(request.kiosk!.id, request.params.id, request.body.label));

  app.post('/api/kiosk/sessions/:id/identify', { preHandler, schema: kioskApi.identify }, async (request) => {
    const { method, value } = request.body;
    const customer = await router.identify(request.kiosk!.id, request.params.id, method, value);
    if (!customer) throw new HttpError(404, `no customer with that ${method === 'card' ? 'card' : 'phone'} number`);
    return { customer: { name: customer.name, tier: customer.tier } };
  });
}
