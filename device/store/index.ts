import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { lockStoreFile } from './lock.js';
import { PrivateJsonFile } from './private-file.js';
import { latestVersion, MIGRATIONS, type Migration } from './migrations.js';
import { storeDataSchema, type StoreData } from './schema.js';

export type {
  StoreData,
  UserRecord,
  KioskRecord,
  AuthSessionRecord,
  InquiryRecord,
  CallRecord,
  ChatMessage,
  EndReason,
  Role,
  Language,
  CustomerRecord,
  CustomerTier,
  ServiceSessionRecord,
  StoredDecision,
  LocalizedText,
  LocalizedTerms,
  KbNode,
  KbArticleVersion,
  KbLink,
  KbExposure,
  KbTicket,
  KbIngestRun,
  SenseEvent,
  SenseAlert,
  SenseCallStats,
  QaFormRecord,
  QaScorecardRecord,
  BaselineReport,
  KbNodeType,
  KbLinkType,
} from './schema.js';
export { END_REASONS, LANGUAGES, ROLES, CUSTOMER_TIERS, KB_NODE_TYPES, KB_LINK_TYPES, localizedTextSchema, localizedTermsSchema } from './schema.js';

export interface StoreHealth {
  up: boolean;
  detail: string;
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/**
 * The appliance's one lowdb database, in a file only the appliance's user may read (0600). Each write
 * goes to a temp file that is fsynced and renamed into place (`PrivateJsonFile`), so a kill -9 leaves
 * either the previous or the new complete file. A write is acknowledged when `update` resolves, which is
 * after the file holding it has been renamed into place and the rename synced.
 */
export class Store {
  private lastError: Error | null = null;
  private writes = 0;
  private closed = false;

  private constructor(
    private readonly db: Low<StoreData>,
    readonly file: string,
    private readonly unlock: () => void,
  ) {}

  static async open(file: string, migrations: Migration[] = MIGRATIONS): Promise<Store> {
    await mkdir(dirname(file), { recursive: true });
    let unlock: () => void;
    try {
      unlock = lockStoreFile(file);
    } catch (err) {
      throw new StoreError(`store ${(err as Error).message}`);
    }
    try {
      return await Store.load(file, migrations, unlock);
    } catch (err) {
      unlock();
      throw err;
    }
  }

  private static async load(file: string, migrations: Migration[], unlock: () => void): Promise<Store> {
    const db = new Low<StoreData>(new PrivateJsonFile<StoreData>(file), emptyData());
    try {
      await db.read();
    } catch (err) {
      throw new StoreError(`store ${file} cannot be read: ${(err as Error).message}`);
    }
    const raw = db.data as unknown as Record<string, unknown>;
    const from = typeof raw.schemaVersion === 'number' ? raw.schemaVersion : 0;
    const target = latestVersion(migrations);
    if (from > target) {
      throw new StoreError(`store ${file} has schema version ${from}, newer than this build understands (${target})`);
    }
    for (const migration of migrations.filter((m) => m.to > from).sort((a, b) => a.to - b.to)) {
      migration.up(raw);
      raw.schemaVersion = migration.to;
    }
    const parsed = storeDataSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      throw new StoreError(`store ${file} does not match schema version ${target}: ${first.path.join('.')}: ${first.message}`);
    }
    db.data = parsed.data;
    const store = new Store(db, file, unlock);
    if (from !== target) await store.update(() => undefined);
    return store;
  }

  /** Reads a consistent view; the callback must not keep or mutate what it is given. */
  read<T>(fn: (data: Readonly<StoreData>) => T): T {
    return fn(this.db.data);
  }

  /** Applies a change and resolves once it is on disk. Validate input before calling: the change is applied as given. */
  async update<T>(fn: (data: StoreData) => T): Promise<T> {
    if (this.closed) throw new StoreError('store is closed');
    const result = fn(this.db.data);
    try {
      await this.db.write();
      this.writes += 1;
      this.lastError = null;
    } catch (err) {
      this.lastError = err as Error;
      throw new StoreError(`store write failed: ${(err as Error).message}`);
    }
    return result;
  }

  get schemaVersion(): number {
    return this.db.data.schemaVersion;
  }

  health(): StoreHealth {
    if (this.closed) return { up: false, detail: 'closed' };
    if (this.lastError) return { up: false, detail: `last write failed: ${this.lastError.message}` };
    return { up: true, detail: `schema v${this.schemaVersion}, ${this.writes} writes since start, ${this.file}` };
  }

  /** Writes what is in memory, refuses further updates and releases the file for another process. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.db.write();
    } finally {
      this.closed = true;
      this.unlock();
    }
  }
}

function emptyData(): StoreData {
  return { schemaVersion: 0, users: [], kiosks: [], authSessions: [], inquiries: [], calls: [], customers: [], serviceSessions: [], customerLookupKey: '', kbNodes: [], kbArticleVersions: [], kbLinks: [], kbExposures: [], kbTickets: [], kbIngestRuns: [], senseEvents: [], senseAlerts: [], senseCallStats: [], qaForms: [], qaScorecards: [], baselineReports: [] };
}
