import { access, chmod, copyFile, mkdir, open as openFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { diskLooksWritable } from './disk.js';
import { describeWriteFailure, isDiskFault, StoreError } from './errors.js';
import type { StoreHealth } from './health.js';
import { lockStoreFile } from './lock.js';
import { PRIVATE_FILE_MODE, PrivateJsonFile } from './private-file.js';
import { latestVersion, LEGACY_JOURNAL_COLLECTIONS, MIGRATIONS, type LegacyJournals, type Migration } from './migrations.js';
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

export { StoreError, type StoreFaultKind, describeWriteFailure } from './errors.js';
export type { StoreHealth } from './health.js';
export { Journal, type Tx, type JournalOptions } from './journal.js';
export type { TableOwner } from './schema-versions.js';
export { LEGACY_JOURNAL_COLLECTIONS, type LegacyJournals } from './migrations.js';

/**
 * Called with the growing collections of a store written by an older build (schema v7 and before),
 * before they are dropped from the file: the appliance moves them into the journals. It must be safe to
 * call again for the same data (a crash after the import and before the file is rewritten).
 */
export type LegacyImport = (journals: LegacyJournals) => Promise<void>;

export interface StoreOptions {
  migrations?: Migration[];
  importLegacy?: LegacyImport;
}

/**
 * The appliance's reference state (accounts, kiosks, customers, the knowledge graph, QA forms,
 * settings): small and rarely changed, so one lowdb JSON file, readable only by the appliance's user
 * (0600). What grows with use lives in the journals (SQLite). A change is made on a copy; the copy is
 * written to a temp file that is fsynced and renamed into place (`PrivateJsonFile`), and only then does
 * it become what readers see, so a failed write changes nothing, in memory or on disk. Changes run one
 * at a time, each on the state the previous one left.
 */
export class Store {
  private lastError: Error | null = null;
  private writes = 0;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private data: StoreData,
    private readonly adapter: PrivateJsonFile<StoreData>,
    readonly file: string,
    private readonly unlock: () => void,
  ) {}

  static async open(file: string, options: StoreOptions = {}): Promise<Store> {
    await mkdir(dirname(file), { recursive: true });
    let unlock: () => void;
    try {
      unlock = lockStoreFile(file);
    } catch (err) {
      throw new StoreError(`store ${(err as Error).message}`, 'locked');
    }
    try {
      return await Store.load(file, options.migrations ?? MIGRATIONS, options.importLegacy, unlock);
    } catch (err) {
      unlock();
      throw err;
    }
  }

  private static async load(file: string, migrations: Migration[], importLegacy: LegacyImport | undefined, unlock: () => void): Promise<Store> {
    const adapter = new PrivateJsonFile<StoreData>(file);
    let raw: Record<string, unknown>;
    try {
      raw = ((await adapter.read()) as Record<string, unknown> | null) ?? { schemaVersion: 0 };
    } catch (err) {
      throw new StoreError(`store ${file} cannot be read: ${(err as Error).message}`, 'corrupt');
    }
    const from = typeof raw.schemaVersion === 'number' ? raw.schemaVersion : 0;
    const target = latestVersion(migrations);
    if (from > target) {
      throw new StoreError(`store ${file} has schema version ${from}, newer than this build understands (${target})`, 'schema');
    }
    if (from > 0 && from < target) await backUp(file, from);
    for (const migration of migrations.filter((m) => m.to > from).sort((a, b) => a.to - b.to)) {
      if (migration.journals && from > 0) {
        if (!importLegacy) throw new StoreError(`store ${file} holds journals of schema v${from} and nothing was given to move them`, 'schema');
        await importLegacy(legacyJournalsOf(raw));
      }
      migration.up(raw);
      raw.schemaVersion = migration.to;
    }
    const parsed = storeDataSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0]!;
      throw new StoreError(`store ${file} does not match schema version ${target}: ${first.path.join('.')}: ${first.message}`, 'schema');
    }
    const store = new Store(parsed.data, adapter, file, unlock);
    if (from !== target) await store.update(() => undefined);
    return store;
  }

  /** Reads a consistent view; the callback must not keep or mutate what it is given. */
  read<T>(fn: (data: Readonly<StoreData>) => T): T {
    return fn(this.data);
  }

  /**
   * Applies a change and resolves once it is on disk; if `fn` throws or the write fails, nothing
   * changed and the caller gets the error. Validate input before calling: the change is applied as given.
   */
  update<T>(fn: (data: StoreData) => T): Promise<T> {
    const run = this.queue.then(() => this.apply(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply<T>(fn: (data: StoreData) => T): Promise<T> {
    if (this.closed) throw new StoreError('store is closed', 'closed');
    const draft = structuredClone(this.data);
    const result = fn(draft);
    try {
      await this.adapter.write(draft);
    } catch (err) {
      this.lastError = err as Error;
      throw new StoreError(`store write failed: ${describeWriteFailure(err)}`);
    }
    this.data = draft;
    this.writes += 1;
    this.lastError = null;
    return result;
  }

  get schemaVersion(): number {
    return this.data.schemaVersion;
  }

  health(): StoreHealth {
    if (this.closed) return { up: false, detail: 'closed' };
    if (this.lastError && isDiskFault(this.lastError) && diskLooksWritable(this.file)) this.lastError = null;
    if (this.lastError) return { up: false, detail: `last write failed: ${describeWriteFailure(this.lastError)}` };
    return { up: true, detail: `schema v${this.schemaVersion}, ${this.writes} writes since start, ${this.file}` };
  }

  /** Waits for changes under way, refuses further ones and releases the file for another process. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.unlock();
  }
}

/** The file as the older build left it, kept beside the store before the first migration touches it. */
async function backUp(file: string, version: number): Promise<void> {
  const backup = `${file}.v${version}.backup`;
  try {
    await access(backup);
    return; // an earlier attempt at this migration made it: that one is the original
  } catch {
    // not made yet
  }
  const temp = `${backup}.tmp`;
  await copyFile(file, temp);
  await chmod(temp, PRIVATE_FILE_MODE);
  const handle = await openFile(temp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, backup);
}

function legacyJournalsOf(raw: Record<string, unknown>): LegacyJournals {
  const out: Record<string, unknown[]> = {};
  for (const name of LEGACY_JOURNAL_COLLECTIONS) out[name] = Array.isArray(raw[name]) ? (raw[name] as unknown[]) : [];
  return out as unknown as LegacyJournals;
}
