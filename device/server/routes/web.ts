import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { App } from '../app.js';

/**
 * Serves the built SvelteKit SPA: unknown GET paths get its index.html so client-side routes load.
 * Paths under /api and /healthz never fall back to the app, so a mistyped API call gets a JSON 404.
 */
export async function webRoutes(app: App, webDir: string): Promise<void> {
  const built = existsSync(join(webDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, { root: webDir, wildcard: false, index: ['index.html'] });
  } else {
    app.log.warn({ webDir }, 'web app not built; run `npm start` (or `npm run build:web`) to build it');
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const isApi = path === '/api' || path.startsWith('/api/') || path.startsWith('/healthz');
    if (built && request.method === 'GET' && !isApi) return reply.type('text/html').sendFile('index.html');
    return reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${path}` });
  });
}
