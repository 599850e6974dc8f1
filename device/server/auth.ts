import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Accounts, PublicKiosk, PublicUser } from '../accounts/index.js';
import type { Role } from '../store/index.js';
import { HttpError } from './errors.js';

export const SESSION_COOKIE = 'bl_session';

declare module 'fastify' {
  interface FastifyRequest {
    user: PublicUser | null;
    kiosk: PublicKiosk | null;
  }
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header || header.length > 512) return null;
  const match = /^Bearer (\S+)$/.exec(header);
  return match ? match[1]! : null;
}

export function sessionToken(request: FastifyRequest): string | null {
  const token = request.cookies[SESSION_COOKIE];
  return token && token.length <= 512 ? token : null;
}

/** The staff user whose session cookie came with the request, for routes that also answer anonymous callers. */
export function optionalUser(accounts: Accounts, request: FastifyRequest): PublicUser | null {
  const token = sessionToken(request);
  return token ? accounts.sessionUser(token) : null;
}

/** A preHandler that lets through only staff sessions with one of the roles. */
export function requireUser(accounts: Accounts, roles: readonly Role[]) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const user = optionalUser(accounts, request);
    if (!user) throw new HttpError(401, 'log in first');
    if (!roles.includes(user.role)) throw new HttpError(403, `this needs the role ${roles.join(' or ')}`);
    request.user = user;
  };
}

/** A preHandler that lets through only registered, unrevoked kiosks presenting their device token. */
export function requireKiosk(accounts: Accounts) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearer(request);
    const kiosk = token ? accounts.kioskByToken(token) : null;
    if (!kiosk) throw new HttpError(401, 'a valid kiosk device token is required');
    request.kiosk = kiosk;
  };
}
