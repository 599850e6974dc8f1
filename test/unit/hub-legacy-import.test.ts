import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { importLegacyHub } from '../../hub/legacy-import.js';
import { ReleaseShelf } from '../../hub/releases.js';
import { openHubStore } from '../../hub/store/index.js';
import { buildManifest, generateFleetKeys, signManifest } from '../../protocol/index.js';

const work = mkdtempSync(join(tmpdir(), 'branchline-legacy-hub-'));
const log = pino({ level: 'silent' });
afterAll(() => rmSync(work, { recursive: true, force: true }));

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The LevelDB layout and release folders an embedded hub of the previous release wrote. */
async function previousReleaseData(dir: string, keys: { privateKey: string }): Promise<void> {
  const db = new ClassicLevel<string, unknown>(join(dir, 'records'), { valueEncoding: 'json' });
  await db.open();
  const batch: { type: 'put'; key: string; value: unknown }[] = [];
  for (let seq = 1; seq <= 1200; seq++) {
    const record = { id: uuid(seq), deviceId: 'branch-1', stream: 'scorecard', seq, at: '2026-11-20T10:00:00.000Z', receivedAt: '2026-11-20T10:00:01.000Z', data: { scorecardId: `q${seq}`, sessionId: `s${seq}`, agentId: 'a1', total: 80, formVersion: 1 } };
    batch.push({ type: 'put', key: `id!${record.id}`, value: 1 }, { type: 'put', key: `rec!branch-1!scorecard!${String(seq).padStart(16, '0')}`, value: record });
  }
  batch.push({ type: 'put', key: 'dev!branch-1', value: { deviceId: 'branch-1', group: 'north', lastSeen: '2026-11-20T10:00:00.000Z', appVersion: '0.1.0', versions: { model: null, knowledge: 'kb-1', config: null }, outboxBacklog: 0, uptimeSeconds: 5 } });
  batch.push({ type: 'put', key: 'rollout!r1', value: { id: 'r1', releaseId: 'rel-1', kind: 'knowledge', version: 'kb-1', target: { all: true }, devices: ['branch-1'], createdAt: '2026-11-19T09:00:00.000Z', rolledBackAt: null } });
  batch.push({ type: 'put', key: 'rstate!rel-1!branch-1', value: { state: 'active', reason: null, at: '2026-11-19T09:01:00.000Z' } });
  await db.batch(batch);
  await db.close();
  const source = join(work, 'release-source');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'bundle.json'), JSON.stringify({ version: 'kb-1', filler: 'x'.repeat(600_000) }));
  const manifestText = JSON.stringify({ ...(await buildManifest(source, 'knowledge', 'kb-1', null)), id: 'rel-1' });
  const files = join(dir, 'releases', 'rel-1', 'files');
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, 'bundle.json'), JSON.stringify({ version: 'kb-1', filler: 'x'.repeat(600_000) }));
  writeFileSync(join(dir, 'releases', 'rel-1', 'manifest.json'), manifestText);
  writeFileSync(join(dir, 'releases', 'rel-1', 'manifest.sig'), signManifest(manifestText, keys.privateKey));
  // An upload the fleet manager never sealed: the hub never served it, so it is not carried over.
  mkdirSync(join(dir, 'releases', 'rel-2', 'files'), { recursive: true });
}

describe('the embedded hub of the previous release', () => {
  it('has its records, devices, rollouts and sealed releases carried into the database once, and its folders set aside', async () => {
    const dir = join(work, 'hub');
    const keys = generateFleetKeys();
    await previousReleaseData(dir, keys);
    const store = await openHubStore({ databaseUrl: null, dataDir: dir, maxConnections: 1, log });
    const shelf = new ReleaseShelf(store, keys.publicKey);
    try {
      expect(await importLegacyHub(dir, store, shelf, log)).toEqual({ records: 1200, releases: 1 });
      expect(await store.recordCount('branch-1')).toBe(1200);
      expect((await store.recordsOf('branch-1', 'scorecard', 5000)).map((r) => r.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
      expect((await store.figures()).fleet.activity.scorecards).toBe(1200);
      expect((await store.devices()).map((d) => [d.deviceId, d.group])).toEqual([['branch-1', 'north']]);
      expect(await store.rollout('r1')).toMatchObject({ releaseId: 'rel-1', createdBy: 'before operator accounts', rolledBackBy: null });
      expect(await store.deviceRolloutStates('rel-1')).toEqual(new Map([['branch-1', { state: 'active', reason: null, at: '2026-11-19T09:01:00.000Z' }]]));
      const first = await shelf.chunk('rel-1', 'bundle.json', 0);
      const last = await shelf.chunk('rel-1', 'bundle.json', 2);
      expect([first?.data.length, first?.last, last?.last]).toEqual([256 * 1024, false, true]);
      expect(await shelf.get('rel-2')).toBeNull();
      expect(readdirSync(dir).sort()).toEqual(['hub.db', 'hub.db-shm', 'hub.db-wal', 'records.leveldb-imported', 'releases.leveldb-imported']);
      // A second start finds nothing left to import.
      expect(await importLegacyHub(dir, store, shelf, log)).toBeNull();
      expect(await store.recordCount()).toBe(1200);
    } finally {
      await store.close();
    }
  });
});
