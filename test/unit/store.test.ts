import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../device/store/index.js';
import { latestVersion, MIGRATIONS, type Migration } from '../../device/store/migrations.js';

const tempFile = (): string => join(mkdtempSync(join(tmpdir(), 'branchline-store-')), 'store.json');

const user = (id: string, displayName: string) => ({ id, username: id, displayName, role: 'agent' as const, language: 'en' as const, skillGroups: [], passwordHash: 'x', createdAt: new Date().toISOString(), disabled: false });
const v8Empty = () => ({ schemaVersion: 8, users: [], kiosks: [], authSessions: [], customers: [], customerLookupKey: 'k', kbNodes: [], kbArticleVersions: [], kbLinks: [], qaForms: [], baselineReports: [] });

describe('store', () => {
  it('creates a new file at the latest schema version', async () => {
    const file = tempFile();
    const store = await Store.open(file);
    expect(store.schemaVersion).toBe(MIGRATIONS.at(-1)!.to);
    expect(JSON.parse(readFileSync(file, 'utf8')).schemaVersion).toBe(store.schemaVersion);
    await store.close();
  });

  it('keeps what was written across a reopen', async () => {
    const file = tempFile();
    const store = await Store.open(file);
    await store.update((d) => void d.users.push(user('a', 'A')));
    await store.close();
    const again = await Store.open(file);
    expect(again.read((d) => d.users.map((i) => i.id))).toEqual(['a']);
  });

  it('runs the migrations a store has not had yet, in order, and records the new version', async () => {
    const file = tempFile();
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, users: [], kiosks: [], authSessions: [], inquiries: [] }));
    const ran: number[] = [];
    const latest = latestVersion(MIGRATIONS);
    const migrations: Migration[] = [
      ...MIGRATIONS,
      { to: latest + 2, describe: 'uppercase names', up: (d) => { ran.push(latest + 2); for (const u of d.users as { displayName: string }[]) u.displayName = u.displayName.toUpperCase(); } },
      { to: latest + 1, describe: 'add a user', up: (d) => { ran.push(latest + 1); (d.users as unknown[]).push(user('x', 'next')); } },
    ];
    const imported: number[] = [];
    const store = await Store.open(file, { migrations, importLegacy: async (j) => void imported.push(j.calls.length) });
    expect(ran).toEqual([latest + 1, latest + 2]);
    expect(imported).toEqual([0]);
    expect(store.schemaVersion).toBe(latest + 2);
    expect(store.read((d) => d.users.map((u) => u.displayName))).toEqual(['NEXT']);
    // The real migrations from version 1 ran too: the customer lookup key arrived with version 3.
    expect(store.read((d) => d.customerLookupKey)).toMatch(/^[\w-]{43}$/);
    expect(JSON.parse(readFileSync(file, 'utf8')).schemaVersion).toBe(latest + 2);
  });

  it('refuses a store written by a newer build', async () => {
    const file = tempFile();
    writeFileSync(file, JSON.stringify({ schemaVersion: 99, users: [], kiosks: [], authSessions: [], inquiries: [] }));
    await expect(Store.open(file)).rejects.toThrow(/schema version 99, newer than this build understands/);
    expect(JSON.parse(readFileSync(file, 'utf8')).schemaVersion).toBe(99);
  });

  it('refuses a file that is not JSON or does not match the schema, naming the problem', async () => {
    const broken = tempFile();
    writeFileSync(broken, '{"schemaVersion": 1, "users": [');
    await expect(Store.open(broken)).rejects.toThrow(/cannot be read/);
    const wrong = tempFile();
    writeFileSync(wrong, JSON.stringify({ ...v8Empty(), users: [{ id: 1 }] }));
    await expect(Store.open(wrong)).rejects.toThrow(/users\.0\.id/);
  });

  it('changes nothing, on disk or in memory, when the change throws half-way', async () => {
    const file = tempFile();
    const store = await Store.open(file);
    const before = readFileSync(file, 'utf8');
    await expect(store.update((d) => { d.users.push(user('a', 'A')); throw new Error('rejected'); })).rejects.toThrow('rejected');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(store.read((d) => d.users)).toEqual([]);
  });

  it('changes nothing in memory when the write fails, and a later write does not carry the failed change', async () => {
    const file = tempFile();
    const store = await Store.open(file);
    // The temp file the adapter writes through is a directory: the write fails as on a broken disk.
    const temp = join(dirname(file), `.${basename(file)}.tmp`);
    mkdirSync(temp);
    await expect(store.update((d) => void d.users.push(user('ghost', 'Ghost')))).rejects.toThrow(/store write failed/);
    expect(store.read((d) => d.users)).toEqual([]);
    expect(store.health().up).toBe(false);
    rmdirSync(temp);
    await store.update((d) => void d.users.push(user('real', 'Real')));
    expect(JSON.parse(readFileSync(file, 'utf8')).users.map((u: { id: string }) => u.id)).toEqual(['real']);
    expect(store.health().up).toBe(true);
    await store.close();
  });

  it('runs changes one at a time, each on the state the previous one left', async () => {
    const store = await Store.open(tempFile());
    await Promise.all(['a', 'b', 'c'].map((id) => store.update((d) => void d.users.push(user(id, `${d.users.length}`)))));
    expect(store.read((d) => d.users.map((u) => u.displayName))).toEqual(['0', '1', '2']);
    await store.close();
  });

  it('reports health and refuses updates once closed', async () => {
    const store = await Store.open(tempFile());
    expect(store.health().up).toBe(true);
    await store.close();
    expect(store.health()).toEqual({ up: false, detail: 'closed' });
    await expect(store.update(() => undefined)).rejects.toThrow(/closed/);
  });
});

describe('store lock', () => {
  it('refuses a second open of the same file while the first is open, and allows it after close', async () => {
    const file = tempFile();
    const first = await Store.open(file);
    await expect(Store.open(file)).rejects.toThrow(new RegExp(`is in use by process ${process.pid}`));
    await first.close();
    const second = await Store.open(file);
    await second.close();
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const file = tempFile();
    writeFileSync(`${file}.lock`, '2147483646');
    const store = await Store.open(file);
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(String(process.pid));
    await store.close();
  });

  it('releases the lock when the file cannot be opened', async () => {
    const file = tempFile();
    writeFileSync(file, 'not json');
    await expect(Store.open(file)).rejects.toThrow(/cannot be read/);
    writeFileSync(file, JSON.stringify(v8Empty()));
    const store = await Store.open(file);
    await store.close();
  });
});

describe('store written by the v7 build', () => {
  const fixture = new URL('../fixtures/store-v7.json', import.meta.url);

  it('hands every journal collection to the importer, keeps a backup of the v7 file and drops them from the file', async () => {
    const file = tempFile();
    const original = readFileSync(fixture, 'utf8');
    writeFileSync(file, original);
    const seen: Record<string, number> = {};
    const store = await Store.open(file, { importLegacy: async (j) => { for (const [k, v] of Object.entries(j)) seen[k] = (v as unknown[]).length; } });
    expect(seen).toEqual({ inquiries: 1, calls: 2, serviceSessions: 2, kbExposures: 2, kbTickets: 1, kbIngestRuns: 1, senseEvents: 2, senseAlerts: 1, senseCallStats: 1, qaScorecards: 1 });
    expect(readFileSync(`${file}.v7.backup`, 'utf8')).toBe(original);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.schemaVersion).toBe(8);
    for (const name of Object.keys(seen)) expect(written).not.toHaveProperty(name);
    expect(store.read((d) => [d.users.length, d.kiosks.length, d.customers.length, d.kbNodes.length, d.qaForms.length, d.baselineReports.length])).toEqual([2, 1, 1, 2, 1, 1]);
    await store.close();
  });

  it('leaves the v7 file as it was when the import fails, and migrates on the next start', async () => {
    const file = tempFile();
    const original = readFileSync(fixture, 'utf8');
    writeFileSync(file, original);
    await expect(Store.open(file, { importLegacy: async () => { throw new Error('disk full'); } })).rejects.toThrow('disk full');
    expect(readFileSync(file, 'utf8')).toBe(original);
    const store = await Store.open(file, { importLegacy: async () => undefined });
    expect(store.schemaVersion).toBe(8);
    expect(readFileSync(`${file}.v7.backup`, 'utf8')).toBe(original);
    await store.close();
  });

  it('refuses to drop journals nobody imports', async () => {
    const file = tempFile();
    writeFileSync(file, readFileSync(fixture, 'utf8'));
    await expect(Store.open(file)).rejects.toThrow(/nothing was given to move them/);
  });
});
