import { randomUUID } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { EventBus } from '../bus.js';
import type { KioskRecord, Role, Store, UserRecord } from '../store/index.js';
import { AccountError } from './errors.js';
import { randomSecret, sameSecret, sha256 } from '../crypto.js';
import { hashPassword, randomPassword, splitToken, UNKNOWN_ACCOUNT_HASH, verifyPassword } from './secrets.js';

import type { NewKiosk, NewUser } from './validation.js';

export { AccountError } from './errors.js';
export { newUserSchema, newKioskSchema, loginSchema } from './validation.js';
export type { NewUser, NewKiosk } from './validation.js';

/** What may leave the appliance about a user: never the password hash. */
export type PublicUser = Omit<UserRecord, 'passwordHash'>;
export type PublicKiosk = Omit<KioskRecord, 'tokenHash'>;

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
    const user = this.getUser(id);
    if (!user) throw new AccountError(404, `no user with id "${id}"`);
    if (user.role === 'admin' && this.store.read((d) => d.users.filter((u) => u.role === 'admin').length) === 1) {
      throw new AccountError(409, 'the last admin cannot be removed');
    }
    await this.store.update((d) => {
      d.users = d.users.filter((u) => u.id !== id);
      d.authSessions = d.authSessions.filter((s) => s.userId !== id);
    });
    this.bus.emit('account.removed', { userId: id, at: new Date().toISOString() });
  }

  /** Gives the user a new random password (returned once) and ends all their sessions. */
  async resetPassword(id: string): Promise<string> {
    if (!this.getUser(id)) throw new AccountError(404, `no user with id "${id}"`);
    const password = randomPassword();
    const passwordHash = await hashPassword(password);
    await this.store.update((d) => {
      const user = d.users.find((u) => u.id === id);
      if (user) user.passwordHash = passwordHash;
      d.authSessions = d.authSessions.filter((s) => s.userId !== id);
    });
    return password;
  }

  findByUsername(username: string): PublicUser | null {
    const user = this.store.read((d) => d.users.find((u) => u.username === username));
    return user ? publicUser(user) : null;
  }

  /**
   * Checks the password and opens a session. Failures count against both the account and the address;
   * once either is over its limit every attempt is refused with 429 until the window passes.
   */
  async login(username: string, password: string, address: string): Promise<{ token: string; user: PublicUser; expiresAt: string }> {
    const accountKey = username.toLowerCase();
    const [accountState, addressState] = await Promise.all([this.failuresPerAccount.get(accountKey), this.failuresPerAddress.get(address)]);
    const blocked = [accountState, addressState].filter((s) => s !== null && s.remainingPoints <= 0);
    if (blocked.length > 0) {
      const retry = Math.max(...blocked.map((s) => Math.ceil(s!.msBeforeNext / 1000)));
      throw new AccountError(429, 'too many failed login attempts; try again later', retry);
    }
    const user = this.store.read((d) => d.users.find((u) => u.username === accountKey));
    const valid = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_ACCOUNT_HASH);
    if (!user || !valid || user.disabled) {
      await Promise.all([
        this.failuresPerAccount.penalty(accountKey, 1),
        this.failuresPerAddress.penalty(address, 1),
      ]);
      throw new AccountError(401, 'wrong username or password');
    }
    await this.failuresPerAccount.delete(accountKey);
    const id = randomUUID();
    const secret = randomSecret();
    const now = Date.now();
    const expiresAt = new Date(now + this.options.sessionTtlHours * 3_600_000).toISOString();
    await this.store.update((d) => {
      d.authSessions = d.authSessions.filter((s) => Date.parse(s.expiresAt) > now);
      d.authSessions.push({ id, tokenHash: sha256(secret), userId: user.id, createdAt: new Date(now).toISOString(), expiresAt });
    });
    return { token: `${SESSION_PREFIX}${id}.${secret}`, user: publicUser(user), expiresAt };
  }

  /** The user behind a session token, or null when the token is unknown, forged or expired. */
  sessionUser(token: string): PublicUser | null {
    const parts = splitToken(token, SESSION_PREFIX);
    if (!parts) return null;
    return this.store.read((d) => {
      const session = d.authSessions.find((s) => s.id === parts.id);
      if (!session || !sameSecret(sha256(parts.secret), session.tokenHash) || Date.parse(session.expiresAt) <= Date.now()) return null;
      const user = d.users.find((u) => u.id === session.userId && !u.disabled);
      return user ? publicUser(user) : null;
    });
  }

  async logout(token: string): Promise<void> {
    const parts = splitToken(token, SESSION_PREFIX);
    if (!parts || !this.sessionUser(token)) return;
    await this.store.update((d) => {
      d.authSessions = d.authSessions.filter((s) => s.id !== parts.id);
    });
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
