import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ReleaseShelf } from './releases.js';
import type { DeviceRolloutState, DeviceStatus, HubStore, Rollout, StoredRecord } from './store/index.js';

/** Where the LevelDB hub data goes once it is in the database: set aside, not deleted. */
export const IMPORTED_SUFFIX = '.leveldb-imported';
const BATCH = 500;

type LegacyRollout = Omit<Rollout, 'createdBy' | 'rolledBackBy'> & Partial<Pick<Rollout, 'createdBy' | 'rolledBackBy'>>;

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * An embedded hub of an earlier release kept its records in LevelDB (`<dataDir>/records`) and its release
 * files in `<dataDir>/releases`. Its device deleted those records from its outbox on the hub's receipt,
 * so they exist nowhere else: they are copied into the hub database at the first start, then the
 * folders are set aside. Every step is idempotent (records by id, rollouts by id, a sealed release is
 * skipped), so a start that dies half-way imports the rest next time.
 */
export async function importLegacyHub(dataDir: string, store: HubStore, shelf: ReleaseShelf, log: Logger): Promise<{ records: number; releases: number } | null> {
  const recordsDir = path.join(dataDir, 'records');
  const releasesDir = path.join(dataDir, 'releases');
  if (!(await exists(recordsDir)) && !(await exists(releasesDir))) return null;
  let records = 0;
  if (await exists(recordsDir)) {
    // Only an upgrading appliance needs LevelDB, once.
    const { ClassicLevel } = await import('classic-level');
    const db = new ClassicLevel<string, unknown>(recordsDir, { valueEncoding: 'json', createIfMissing: false });
    await db.open();
    try {
      let batch: StoredRecord[] = [];
      for await (const value of db.values({ gt: 'rec!', lt: 'rec~' })) {
        batch.push(value as StoredRecord);
        if (batch.length === BATCH) {
          records += (await store.ingest(batch)).length;
          batch = [];
        }
      }
      records += (await store.ingest(batch)).length;
      for await (const value of db.values({ gt: 'dev!', lt: 'dev~' })) await store.saveDevice(value as DeviceStatus);
      for await (const value of db.values({ gt: 'rollout!', lt: 'rollout~' })) {
        const old = value as LegacyRollout;
        const rollout: Rollout = { ...old, createdBy: old.createdBy ?? 'before operator accounts', rolledBackBy: old.rolledBackBy ?? (old.rolledBackAt ? 'before operator accounts' : null) };
        await store.saveRollout(rollout, { at: new Date().toISOString(), actor: 'console', action: 'rollout.import', detail: { rollout: rollout.id, releaseId: rollout.releaseId } });
      }
      for await (const [key, value] of db.iterator({ gt: 'rstate!', lt: 'rstate~' })) {
        const [, releaseId, deviceId] = key.split('!');
        await store.importRolloutState(releaseId!, deviceId!, value as DeviceRolloutState);
      }
    } finally {
      await db.close();
    }
    await rename(recordsDir, recordsDir + IMPORTED_SUFFIX);
  }
  let releases = 0;
  if (await exists(releasesDir)) {
    for (const id of await readdir(releasesDir)) {
      const dir = path.join(releasesDir, id);
      if (await store.sealedRelease(id)) continue;
      try {
        const manifestText = await readFile(path.join(dir, 'manifest.json'), 'utf8');
        const signature = await readFile(path.join(dir, 'manifest.sig'), 'utf8');
        const manifest = JSON.parse(manifestText) as { files: { path: string }[] };
        for (const file of manifest.files) await shelf.saveFile(id, file.path, createReadStream(path.join(dir, 'files', file.path)));
        await shelf.seal(id, manifestText, signature);
        releases += 1;
      } catch (err) {
        // An upload that was never sealed, or files changed on disk: the hub never served it as it is.
        log.warn({ release: id, err: (err as Error).message }, 'release folder not imported');
      }
    }
    await rename(releasesDir, releasesDir + IMPORTED_SUFFIX);
  }
  log.info({ records, releases }, 'imported the hub data of the earlier release');
  return { records, releases };
}
