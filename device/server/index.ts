import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Accounts } from '../accounts/index.js';
import type { EventBus } from '../bus.js';
import type { Calls } from '../calls/index.js';
import type { Ingestion, Knowledge, KnowledgeTickets } from '../knowledge/index.js';
import type { Customers, Presence, Router } from '../routing/index.js';
import type { EmotionSensing } from '../sense/index.js';
import type { QualityInspection } from '../qa/index.js';
import { installApiDocs } from './docs.js';
import { installErrorHandler } from './errors.js';
import { SESSION_COOKIE } from './auth.js';
import { installSecurity } from './security.js';
import type { CloudSync } from '../cloud.js';
import { adminRoutes } from './routes/admin.js';
import { syncRoutes } from './routes/sync.js';
import { metricsRoutes } from './routes/metrics.js';
import type { Baseline, Metrics } from '../metrics/index.js';
import { agentRoutes } from './routes/agent.js';
import { authRoutes } from './routes/auth.js';
import { callRoutes } from './routes/calls.js';
import { healthRoutes, type HealthProbe } from './routes/health.js';
import { kioskRoutes } from './routes/kiosk.js';
import { knowledgeRoutes } from './routes/knowledge.js';
import { routingRoutes } from './routes/routing.js';
import { qaRoutes } from './routes/qa.js';
import { senseRoutes } from './routes/sense.js';
import { webRoutes } from './routes/web.js';
import { MAX_FRAME_BYTES, Signalling } from './signalling.js';

export type { HealthProbe, SubsystemHealth } from './routes/health.js';

export interface ServerDeps {
  log: FastifyBaseLogger;
  bus: EventBus;
  deviceId: string;
  webDir: string;
  cookieSecure: boolean;
  accounts: Accounts;
  presence: Presence;
  router: Router;
  customers: Customers;
  knowledge: Knowledge;
  tickets: KnowledgeTickets;
  ingestion: Ingestion;
  sensing: EmotionSensing;
  quality: QualityInspection;
  calls: Calls;
  cloud: CloudSync;
  metrics: Metrics;
  baseline: Baseline;
  health: Record<string, HealthProbe>;
}

// JSON bodies of this API are small forms; anything bigger is a mistake or an attack.
const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  // Requests are validated, and answers serialised, by the zod schemas of protocol/api.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // A request sent without a body reads as an empty form, so that its error names each missing field.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
  app.decorateRequest('user', null);
  app.decorateRequest('kiosk', null);
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  installErrorHandler(app);
  installSecurity(app, { webDir: deps.webDir, sessionCookie: SESSION_COOKIE });
  await installApiDocs(app, deps.accounts);
  healthRoutes(app, deps.deviceId, deps.health, deps.accounts);
  authRoutes(app, deps.accounts, deps.cookieSecure);
  adminRoutes(app, deps.accounts);
  agentRoutes(app, deps.accounts, deps.presence);
  kioskRoutes(app, deps.accounts, deps.router);
  callRoutes(app, deps.accounts, deps.calls);
  routingRoutes(app, deps.accounts, deps.router, deps.customers, deps.calls, deps.presence);
  knowledgeRoutes(app, deps.accounts, { knowledge: deps.knowledge, tickets: deps.tickets, ingestion: deps.ingestion }, deps.router, deps.calls);
  senseRoutes(app, deps.accounts, deps.sensing, deps.calls);
  qaRoutes(app, deps.accounts, deps.quality);
  syncRoutes(app, deps.accounts, deps.cloud);
  metricsRoutes(app, deps.accounts, deps.metrics, deps.baseline);
  new Signalling(deps.accounts, deps.calls, deps.bus, deps.log).register(app);
  await webRoutes(app, deps.webDir);
  return app;
}
