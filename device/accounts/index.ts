import { randomUUID } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { BusEvents, EventBus } from '../bus.js';
import type { KioskRecord, Role, Store, UserRecord } from '../store/index.js';
import { AccountError } from './errors.js';
import { randomSecret, sameSecret, sha256 } from '../../protocol/index.js';
import { hashPassword, randomPassword, splitToken, UNKNOWN_ACCOUNT_HASH, verifyPasswordInTurn } from './secrets.js';

import type { NewKiosk, NewUser, UserChange } from './validation.js';

export { AccountError } from './errors.js';
export { newUserSchema, newKioskSchema, loginSchema, userChangeSchema } from './validation.js';
export type { NewUser, NewKiosk, UserChange } from './validation.js';

/** What may leave the appliance about a user: never the password hash. */
export type PublicUser = Omit<UserRecord, 'passwordHash'>;
export type PublicKiosk = Omit<KioskRecord, 'tokenHash'>;

/** A valid login session: who it belongs to, which one it is and when it ends. */
export interface SessionInfo {
  user: PublicUser;
  sessionId: string;
  expiresAt: string;
}

type RevokeReason = BusEvents['account.sessions.revoked']['reason'];

export interface AccountsOptions {
  sessionTtlHours: number;
  loginMaxFailuresPerAccount: number;
  loginMaxFailuresPerAddress: number;
  loginWindowSeconds: number;
}

const SESSION_PREFIX = 'bs_';
const KIOSK_PREFIX = 'bk_';

export function publicUser({ passwordHash: _hash, ...user }: UserRecord): PublicUser {
  return user;
}

export function publicKiosk({ tokenHash: _hash, ...kiosk }: KioskRecord): PublicKiosk {
  return kiosk;
}

/** Staff accounts, their login sessions, and the registered kiosk devices. */
export class Accounts {
  private readonly failuresPerAccount: RateLimiterMemory;
  private readonly failuresPerAddress: RateLimiterMemory;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly options: AccountsOptions,
  ) {
    this.failuresPerAccount = new RateLimiterMemory({ points: options.loginMaxFailuresPerAccount, duration: options.loginWindowSeconds });
    this.failuresPerAddress = new RateLimiterMemory({ points: options.loginMaxFailuresPerAddress, duration: options.loginWindowSeconds });
  }

  /** Creates the admin on first start. Returns its one-time password, or null when an admin exists. */
  async ensureAdmin(): Promise<{ username: string; password: string } | null> {
    if (this.store.read((d) => d.users.some((u) => u.role === 'admin'))) return null;
    const { password } = await this.createUser({ username: 'admin', displayName: 'Administrator', role: 'admin', language: 'en', skillGroups: [] });
    return { username: 'admin', password: password! };
  }

  /** Creates a user; when no password is given a random one is generated and returned once. */
  async createUser(input: NewUser & { role: Role }): Promise<{ user: PublicUser; password?: string }> {
    const generated = input.password === undefined ? randomPassword() : undefined;
    const passwordHash = await hashPassword(input.password ?? generated!);
    const user: UserRecord = {
      id: randomUUID(),
      username: input.username,
      displayName: input.displayName,
      role: input.role,
      language: input.language,
      skillGroups: input.skillGroups,
      passwordHash,
      createdAt: new Date().toISOString(),
      disabled: false,
    };
    await this.store.update((d) => {
      if (d.users.some((u) => u.username === user.username)) {
        throw new AccountError(409, `username "${user.username}" is taken`);
      }
      d.users.push(user);
    });
    this.bus.emit('account.created', { userId: user.id, role: user.role, at: user.createdAt });
    return generated === undefined ? { user: publicUser(user) } : { user: publicUser(user), password: generated };
  }

  listUsers(): PublicUser[] {
    return this.store.read((d) => d.users.map(publicUser));
  }

  getUser(id: string): PublicUser | null {
    const user = this.store.read((d) => d.users.find((u) => u.id === id));
    return user ? publicUser(user) : null;
  }

  async removeUser(id: string): Promise<void> {
    await this.store.update((d) => {
      const user = d.users.find((u) => u.id === id);
      if (!user) throw new AccountError(404, `no user with id "${id}"`);
      if (isLastAdmin(d.users, user)) throw new AccountError(409, 'the last admin cannot be removed');
      d.users = d.users.filter((u) => u.id !== id);
      d.authSessions = d.authSessions.filter((s) => s.userId !== id);
    });
    this.revoked(id, null, 'removed');
    this.bus.emit('account.removed', { userId: id, at: new Date().toISOString() });
  }

  /**
   * Changes a user's role, name, language, skills or whether they may log in. A new role or disabling
   * ends every session of the user at once: what a session may do was decided at login.
   */
  async updateUser(id: string, change: UserChange): Promise<PublicUser> {
    const { user, reason } = await this.store.update((d) => {
      const found = d.users.find((u) => u.id === id);
      if (!found) throw new AccountError(404, `no user with id "${id}"`);
      const demoted = change.role !== undefined && change.role !== 'admin';
      const disabled = change.disabled === true;
      if ((demoted || disabled) && isLastAdmin(d.users, found)) {
        throw new AccountError(409, `the last admin cannot be ${disabled ? 'disabled' : 'given another role'}`);
      }
      const ends: RevokeReason | null = disabled && !found.disabled ? 'disabled' : change.role !== undefined && change.role !== found.role ? 'role-changed' : null;
      Object.assign(found, definedOnly(change));
      if (ends) d.authSessions = d.authSessions.filter((s) => s.userId !== id);
      return { user: publicUser(found), reason: ends };
    });
    if (reason) this.revoked(id, null, reason);
    return user;
  }

  /** Gives the user a new random password (returned once) and ends all their sessions. */
  async resetPassword(id: string): Promise<string> {
    if (!this.getUser(id)) throw new AccountError(404, `no user with id "${id}"`);
    const password = randomPassword();
    const passwordHash = await hashPassword(password);
    await this.store.update((d) => {
      const user = d.users.find((u) => u.id === id);
      if (!user) throw new AccountError(404, `no user with id "${id}"`);
      user.passwordHash = passwordHash;
      d.authSessions = d.authSessions.filter((s) => s.userId !== id);
    });
    this.revoked(id, null, 'password-reset');
    return password;
  }

  private revoked(userId: string, sessionId: string | null, reason: RevokeReason): void {
    this.bus.emit('account.sessions.revoked', { userId, sessionId, reason, at: new Date().toISOString() });
  }

  findByUsername(username: string): PublicUser | null {
    const user = this.store.read((d) => d.users.find((u) => u.username === username));
    return user ? publicUser(user) : null;
  }

  /**
   * Checks the password and opens a session. Every checked attempt is charged to both the account and
   * the address before its password is checked, so a burst that arrives at once counts in full; a success
   * gives its charge back. Once either is over its limit every attempt, the right password too, is
   * refused with 429 until the window passes.
   */
  async login(username: string, password: string, address: string): Promise<{ token: string; user: PublicUser; expiresAt: string }> {
    const accountKey = username.toLowerCase();
    // Already blocked: refused before taking a place in the hash queue that others need.
    await this.refuseIfBlocked(accountKey, address);
    const seen: { user?: UserRecord } = {};
    const accepted = (matched: boolean): boolean => matched && seen.user !== undefined && !seen.user.disabled;
    const valid = await verifyPasswordInTurn(password, {
      before: async () => {
        await this.charge(accountKey, address);
        seen.user = this.store.read((d) => d.users.find((u) => u.username === accountKey));
        return seen.user?.passwordHash ?? UNKNOWN_ACCOUNT_HASH;
      },
      // The account's earlier failures were most likely its owner's typing; the address only gets back
      // this attempt's point, or one valid account would let an address reset its count at will.
      after: async (matched) => {
        if (accepted(matched)) await Promise.all([this.failuresPerAccount.delete(accountKey), this.failuresPerAddress.reward(address, 1)]);
      },
    });
    const user = seen.user;
    if (!user || !accepted(valid)) throw new AccountError(401, 'wrong username or password', undefined, 'login_failed');
    const id = randomUUID();
    const secret = randomSecret();
    const now = Date.now();
    const expiresAt = new Date(now + this.options.sessionTtlHours * 3_600_000).toISOString();
    await this.store.update((d) => {
      // Removed, disabled or given a new password while its check ran: the check no longer holds.
      if (!d.users.some((u) => u.id === user.id && u.passwordHash === user.passwordHash && !u.disabled)) {
        throw new AccountError(401, 'wrong username or password', undefined, 'login_failed');
      }
      d.authSessions = d.authSessions.filter((s) => Date.parse(s.expiresAt) > now);
      d.authSessions.push({ id, tokenHash: sha256(secret), userId: user.id, createdAt: new Date(now).toISOString(), expiresAt });
    });
    return { token: `${SESSION_PREFIX}${id}.${secret}`, user: publicUser(user), expiresAt };
  }

  private async refuseIfBlocked(accountKey: string, address: string): Promise<void> {
    const states = await Promise.all([this.failuresPerAccount.get(accountKey), this.failuresPerAddress.get(address)]);
    const blocked = states.filter((s): s is RateLimiterRes => s !== null && s.remainingPoints <= 0);
    if (blocked.length > 0) throw tooManyAttempts(blocked);
  }

  /**
   * Takes a point from both limiters at once (each consume is atomic); when either refuses, the other
   * gets its point back, since no password is checked.
   */
  private async charge(accountKey: string, address: string): Promise<void> {
    const [account, place] = await Promise.allSettled([this.failuresPerAccount.consume(accountKey), this.failuresPerAddress.consume(address)]);
    if (account.status === 'fulfilled' && place.status === 'fulfilled') return;
    await Promise.all([
      account.status === 'fulfilled' ? this.failuresPerAccount.reward(accountKey, 1) : null,
      place.status === 'fulfilled' ? this.failuresPerAddress.reward(address, 1) : null,
    ]);
    const refusals = [account, place].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    // rate-limiter-flexible refuses with a RateLimiterRes; anything else is a failure of the limiter itself.
    const failure = refusals.find((r) => !(r instanceof RateLimiterRes));
    if (failure !== undefined) throw failure;
    throw tooManyAttempts(refusals as RateLimiterRes[]);
  }

  /** The user, session id and end of a session token, or null when it is unknown, forged or expired. */
  session(token: string): SessionInfo | null {
    const parts = splitToken(token, SESSION_PREFIX);
    if (!parts) return null;
    return this.store.read((d) => {
      const session = d.authSessions.find((s) => s.id === parts.id);
      if (!session || !sameSecret(sha256(parts.secret), session.tokenHash) || Date.parse(session.expiresAt) <= Date.now()) return null;
      const user = d.users.find((u) => u.id === session.userId && !u.disabled);
      return user ? { user: publicUser(user), sessionId: session.id, expiresAt: session.expiresAt } : null;
    });
  }

  /** The user behind a session token, or null when the token is unknown, forged or expired. */
  sessionUser(token: string): PublicUser | null {
    return this.session(token)?.user ?? null;
  }

  async logout(token: string): Promise<void> {
    const session = this.session(token);
    if (!session) return;
    await this.store.update((d) => {
      d.authSessions = d.authSessions.filter((s) => s.id !== session.sessionId);
    });
    this.revoked(session.user.id, session.sessionId, 'logout');
  }

  async createKiosk(input: NewKiosk): Promise<{ kiosk: PublicKiosk; token: string }> {
    const id = randomUUID();
    const secret = randomSecret();
    const kiosk: KioskRecord = {
      id,
      name: input.name,
      location: input.location,
      language: input.language,
      tokenHash: sha256(secret),
      analysisEnabled: true,
      createdAt: new Date().toISOString(),
      revokedAt: null,
    };
    await this.store.update((d) => {
      d.kiosks.push(kiosk);
    });
    this.bus.emit('kiosk.registered', { kioskId: id, at: kiosk.createdAt });
    return { kiosk: publicKiosk(kiosk), token: `${KIOSK_PREFIX}${id}.${secret}` };
  }

  /** Switches emotion analysis of a kiosk's customers on or off. */
  async setKioskAnalysis(id: string, enabled: boolean): Promise<PublicKiosk> {
    const kiosk = await this.store.update((d) => {
      const found = d.kiosks.find((k) => k.id === id && !k.revokedAt);
      if (!found) throw new AccountError(404, 'no such kiosk');
      found.analysisEnabled = enabled;
      return found;
    });
    return publicKiosk(kiosk);
  }

  listKiosks(): PublicKiosk[] {
    return this.store.read((d) => d.kiosks.map(publicKiosk));
  }

  getKiosk(id: string): PublicKiosk | null {
    const kiosk = this.store.read((d) => d.kiosks.find((k) => k.id === id));
    return kiosk ? publicKiosk(kiosk) : null;
  }

  async revokeKiosk(id: string): Promise<void> {
    const kiosk = this.store.read((d) => d.kiosks.find((k) => k.id === id));
    if (!kiosk) throw new AccountError(404, `no kiosk with id "${id}"`);
    if (kiosk.revokedAt) return;
    const at = new Date().toISOString();
    await this.store.update((d) => {
      const record = d.kiosks.find((k) => k.id === id);
      if (record) record.revokedAt = at;
    });
    this.bus.emit('kiosk.revoked', { kioskId: id, at });
  }

  /** The kiosk behind a device token, or null when the token is unknown, forged or revoked. */
  kioskByToken(token: string): PublicKiosk | null {
    const parts = splitToken(token, KIOSK_PREFIX);
    if (!parts) return null;
    const kiosk = this.store.read((d) => d.kiosks.find((k) => k.id === parts.id));
    if (!kiosk || !sameSecret(sha256(parts.secret), kiosk.tokenHash) || kiosk.revokedAt) return null;
    return publicKiosk(kiosk);
  }
}

/** Whether taking this user's admin rights away would leave no admin who can log in. */
function isLastAdmin(users: readonly UserRecord[], user: UserRecord): boolean {
  return user.role === 'admin' && !user.disabled && !users.some((u) => u.id !== user.id && u.role === 'admin' && !u.disabled);
}

function tooManyAttempts(limits: RateLimiterRes[]): AccountError {
  const retry = Math.max(1, ...limits.map((s) => Math.ceil(s.msBeforeNext / 1000)));
  return new AccountError(429, 'too many failed login attempts; try again later', retry, 'login_locked');
}

/** The fields a change sets: an absent one keeps its value rather than becoming undefined in the store. */
function definedOnly<T extends object>(change: T): Partial<T> {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<T>;
}
