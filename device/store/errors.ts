/**
 * Why the store refused: `unavailable` is the disk (full, read-only, failing) and passes when the disk
 * is fixed; `closed` is a shutdown; `schema` and `corrupt` need an operator; `locked` is a second process.
 */
export type StoreFaultKind = 'unavailable' | 'closed' | 'schema' | 'corrupt' | 'locked';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    message: string,
    readonly kind: StoreFaultKind = 'unavailable',
  ) {
    super(message);
  }
}

const REASONS: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'the data directory is read-only',
  SQLITE_READONLY_DBMOVED: 'the database file was moved or removed',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_IOERR: 'the disk reported an I/O error',
  ENOSPC: 'the disk is full',
  EROFS: 'the data directory is read-only',
  EACCES: 'the data directory is not writable',
  EIO: 'the disk reported an I/O error',
};

/** Names a failed write for the operator: "the disk is full (SQLITE_FULL)". */
export function describeWriteFailure(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  const known = REASONS[code] ?? Object.entries(REASONS).find(([prefix]) => code.startsWith(prefix))?.[1];
  return known ? `${known} (${code})` : (err as Error).message;
}

export function toStoreError(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: string }).code ?? '';
  const kind = code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' ? 'corrupt' : 'unavailable';
  return new StoreError(`${what}: ${describeWriteFailure(err)}`, kind);
}

const DISK_CODES = /^(SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|BUSY|LOCKED|PERM)|ENOSPC|EROFS|EACCES|EIO)/;

/** A failure of the disk or the database file, not of the write's own content (a constraint, a bug). */
export function isDiskFault(err: unknown): boolean {
  return DISK_CODES.test((err as { code?: string }).code ?? '');
}
