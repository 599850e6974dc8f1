import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { BoundedQueue, QueueFullError } from './bounded-queue.js';
import { AccountError } from './errors.js';
import { randomPassword, scryptHash, scryptMatches } from '../../protocol/index.js';

export { randomPassword };

/**
 * scrypt runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise), the same
 * threads every file read and write of the store needs: a burst of logins that took them all stalled
 * every store write for seconds. At most this many hashes run at once, leaving at least two threads to
 * file I/O and a core to the event loop.
 */
function scryptConcurrency(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(pool - 2, availableParallelism() - 1));
}

/**
 * Hashes waiting their turn beyond those running. Big enough for a whole branch's staff (or the
 * simulator's 100 agents) logging in at once; a burst beyond it is refused at once instead of growing
 * a line whose last member would wait for minutes.
 */
export const MAX_WAITING_HASHES = 128;

const hashes = new BoundedQueue(scryptConcurrency(), MAX_WAITING_HASHES);

async function inTurn<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await hashes.run(task);
  } catch (err) {
    if (err instanceof QueueFullError) throw new AccountError(429, 'too many logins at once; try again in a moment', 1, 'logins_busy');
    throw err;
  }
}

export async function hashPassword(password: string): Promise<string> {
  return inTurn(() => scryptHash(password));
}

/**
 * Verifies a password when its turn in the hash queue comes. `before` runs at that moment, just ahead of
 * scrypt: it may refuse the attempt by throwing (so a rate limit charged there counts every attempt that
 * is checked, however many arrive at once) and returns the stored hash, read then rather than when the
 * request arrived. `after` runs with the verdict before the turn passes on, so what it gives back is back
 * before the next attempt is charged.
 */
export async function verifyPasswordInTurn(
  password: string,
  steps: { before: () => Promise<string>; after: (valid: boolean) => Promise<void> },
): Promise<boolean> {
  return inTurn(async () => {
    const valid = await scryptMatches(password, await steps.before());
    await steps.after(valid);
    return valid;
  });
}

/** A hash to verify against when the account does not exist, so both cases cost the same time. */
export const UNKNOWN_ACCOUNT_HASH = await hashPassword(randomBytes(16).toString('hex'));

/**
 * Bearer secrets are "<record id>.<secret>": the id finds the record, the secret is checked against the
 * stored digest in constant time, so timing reveals nothing about the secret.
 */
export function splitToken(token: string, prefix: string): { id: string; secret: string } | null {
  const match = new RegExp(`^${prefix}([A-Za-z0-9_-]{1,64})\\.([A-Za-z0-9_-]{20,128})$`).exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}
