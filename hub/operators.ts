import { RateLimiterMemory } from 'rate-limiter-flexible';
import { randomSecret, scryptHash, scryptMatches, sha256 } from '../protocol/index.js';
import { HubError } from './errors.js';
import type { HubStore, OperatorRole } from './store/index.js';

export const OPERATOR_NAME = /^[a-z][a-z0-9._-]{1,39}$/;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
const SESSION_HOURS = 12;
/** Wrong passwords allowed per operator name in a window, before every attempt is refused for its rest. */
const ATTEMPTS = 5;
const WINDOW_SECONDS = 300;

export interface SignedIn {
  name: string;
  role: OperatorRole;
}

/** The actor of changes made on the hub's own command line, not through a signed-in session. */
export const CONSOLE_ACTOR = 'console';

/**
 * Fleet operators: personal accounts with a role (viewer: reads; operator: pushes, rolls back, changes
 * configuration, reads customer text) instead of one shared token, so the audit log says who did what.
 * Passwords are scrypt hashes; a signed-in session is a random token of which only the digest is kept,
 * in the database, so any hub instance recognises it.
 */
export class Operators {
  private readonly failures = new RateLimiterMemory({ points: ATTEMPTS, duration: WINDOW_SECONDS });
  private readonly unknownHash: Promise<string> = scryptHash(randomSecret());

  constructor(private readonly store: HubStore) {}

  static check(name: string, password: string | null): void {
    if (!OPERATOR_NAME.test(name)) throw new HubError('invalid', 'an operator name is 2-40 lower-case letters, digits, dots, dashes or underscores, starting with a letter');
    if (password !== null && (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH)) {
      throw new HubError('invalid', `a password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
    }
  }

  async add(name: string, role: OperatorRole, password: string, actor: string): Promise<void> {
    Operators.check(name, password);
    const added = await this.store.addOperator(name, role, await scryptHash(password), { at: new Date().toISOString(), actor, action: 'operator.add', detail: { name, role } });
    if (!added) throw new HubError('conflict', `operator ${name} exists already`);
  }

  async setPassword(name: string, password: string, actor: string): Promise<void> {
    Operators.check(name, password);
    const changed = await this.store.setOperatorPassword(name, await scryptHash(password), { at: new Date().toISOString(), actor, action: 'operator.password', detail: { name } });
    if (!changed) throw new HubError('not-found', `no operator ${name}`);
  }

  async remove(name: string, actor: string): Promise<void> {
    if (!(await this.store.removeOperator(name, { at: new Date().toISOString(), actor, action: 'operator.remove', detail: { name } }))) throw new HubError('not-found', `no operator ${name}`);
  }

  /** A session token for a right name and password; the same answer and about the same time for a wrong name or a wrong password. */
  async signIn(name: string, password: string): Promise<{ token: string; role: OperatorRole; expiresAt: string }> {
    const refused = await this.failures.get(name);
    if (refused && refused.consumedPoints >= ATTEMPTS) throw new HubError('too-many', 'too many wrong passwords for this name; try again later', Math.ceil(refused.msBeforeNext / 1000));
    const account = OPERATOR_NAME.test(name) ? await this.store.operatorPassword(name) : null;
    const valid = await scryptMatches(password.slice(0, MAX_PASSWORD_LENGTH), account?.passwordHash ?? (await this.unknownHash));
    if (!account || !valid) {
      await this.failures.penalty(name);
      throw new HubError('unauthenticated', 'wrong operator name or password');
    }
    await this.failures.delete(name);
    const token = randomSecret();
    const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000).toISOString();
    await this.store.addToken(sha256(token), name, expiresAt);
    await this.store.removeExpiredTokens(new Date().toISOString());
    return { token, role: account.role, expiresAt };
  }

  /** Who holds `token`, while its session lasts and the account exists. */
  async signedIn(token: string): Promise<SignedIn | null> {
    return this.store.tokenOperator(sha256(token), new Date().toISOString());
  }

  async signOut(token: string): Promise<void> {
    await this.store.removeToken(sha256(token));
  }
}
