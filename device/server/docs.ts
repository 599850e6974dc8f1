import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { API_VERSION } from '../../protocol/api/index.js';
import type { Accounts } from '../accounts/index.js';
import type { App } from './app.js';
import { requireUser, SESSION_COOKIE } from './auth.js';

export const DOCS_PREFIX = '/api/docs';

/**
 * The OpenAPI document of every route, generated from the schemas the routes validate with, and the
 * Swagger UI that reads it, both for admins only: the document maps the whole attack surface. Registered
 * before the routes, since the document is collected as they are added. The UI's files are the npm
 * package's, served from here: the appliance may have no internet, and its CSP allows no other origin.
 */
export async function installApiDocs(app: App, accounts: Accounts): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Branchline appliance', description: 'The HTTP API of the appliance; the WebSocket frames of /ws are in protocol/api/signalling.ts.', version: API_VERSION },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, kiosk: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(async (docs) => {
    // On every route of the UI's plugin, its static files included: the hooks of this context reach them all.
    docs.addHook('onRequest', requireUser(accounts, ['admin']));
    // Its default validator URL is null: the UI sends the document nowhere.
    await docs.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });
  });
}
