import { authApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { App } from '../app.js';
import { requireUser, SESSION_COOKIE, sessionToken } from '../auth.js';

export function authRoutes(app: App, accounts: Accounts, cookieSecure: boolean): void {
  app.post('/api/auth/login', { schema: authApi.login }, async (request, reply) => {
    const { username, password } = request.body;
    const session = await accounts.login(username, password, request.ip);
    reply.setCookie(SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: cookieSecure,
      path: '/',
      expires: new Date(session.expiresAt),
    });
    return { user: session.user, expiresAt: session.expiresAt };
  });

  app.post('/api/auth/logout', { schema: authApi.logout }, async (request, reply) => {
    const token = sessionToken(request);
    if (token) await accounts.logout(token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { preHandler: requireUser(accounts, ['admin', 'supervisor', 'agent']), schema: authApi.me }, async (request) => ({
    user: request.user!,
  }));
}
