import type { FastifyError, FastifyInstance } from 'fastify';
import { InputError, ReleaseError } from '../protocol/index.js';
import { HubError, type HubErrorKind } from './errors.js';
import { HubStoreUnavailable } from './store/index.js';

const STATUS: Record<HubErrorKind, number> = { invalid: 400, unauthenticated: 401, forbidden: 403, 'not-found': 404, conflict: 409, 'too-large': 413, 'unsupported-media': 415, 'too-many': 429 };
const NAMES: Record<number, string> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests' };
/** Seconds a client should wait before asking again while the database is away. */
const UNAVAILABLE_RETRY_SECONDS = 10;

/**
 * Every error leaves as `{ error, message }`: the caller's mistakes as 4xx with the reason, a database
 * that is away as 503, anything else logged and answered with a 500 that reveals nothing internal.
 */
export function installHubErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HubStoreUnavailable) {
      request.log.warn({ err: err.message }, 'request refused: the hub database is unavailable');
      reply.header('retry-after', String(UNAVAILABLE_RETRY_SECONDS));
      return reply.status(503).send({ error: 'database_unavailable', message: 'The hub database is unavailable; try again shortly.' });
    }
    let status: number;
    if (err instanceof HubError) {
      status = STATUS[err.kind];
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
    } else if (err instanceof InputError || err instanceof ReleaseError) status = 400;
    else status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      request.log.error({ err }, 'request failed');
      return reply.status(500).send({ error: 'internal', message: 'internal error' });
    }
    return reply.status(status).send({ error: NAMES[status] ?? 'client_error', message: err.message });
  });
}
