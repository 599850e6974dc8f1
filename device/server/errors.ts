import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { StoreError } from '../store/index.js';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The field and the problem of each issue, as a caller reads them: `password: password must have at least 10 characters`. */
function issuesMessage(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Seconds a client should wait before trying again a write the disk refused. */
const STORE_RETRY_SECONDS = 30;

/**
 * Every error leaves as `{ error, message }` (and `code` and `params` when the screen can say it in its
 * reader's language) with a 4xx status for the caller's mistakes; a store that
 * cannot write (disk full, read-only) gives 503 with the reason, since nothing the caller sends can fix
 * it; anything else is logged and answered with a 500 that reveals nothing internal.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & { retryAfterSeconds?: number; params?: Record<string, string | number> }, request, reply) => {
    // A request the route's schema refuses reads as any other bad input: each field named with its problem.
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({ path: v.instancePath.split('/').filter(Boolean), message: v.message ?? 'invalid' }));
      return reply.status(400).send({ error: errorName(400), message: issuesMessage(issues) });
    }
    if (err instanceof StoreError && err.kind !== 'schema') {
      request.log.error({ err: err.message, kind: err.kind }, 'request refused: the store cannot write');
      reply.header('retry-after', String(STORE_RETRY_SECONDS));
      return reply.status(503).send({ error: 'store_unavailable', code: 'store_unavailable', params: { reason: err.message }, message: `The appliance cannot save data right now: ${err.message}` });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      request.log.error({ err }, 'request failed');
      return reply.status(500).send({ error: 'internal', code: 'internal', message: 'internal error' });
    }
    if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
    // A domain error with a code of its own names it, with its parameters, for the reader's language.
    const named = typeof err.code === 'string' && /^[a-z_]+$/.test(err.code) ? { code: err.code, ...(err.params ? { params: err.params } : {}) } : {};
    return reply.status(status).send({ error: errorName(status), ...named, message: err.message });
  });
}

function errorName(status: number): string {
  const names: Record<number, string> = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    429: 'too_many_requests',
  };
  return names[status] ?? 'client_error';
}
