import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../device/store/index.js';
import { latestVersion, MIGRATIONS, type Migration } from '../../device/store/migrations.js';

const tempFile = (): string => join(mkdtempSync(join(tmpdir(), 'branchline-store-')), 'store.json');

const inquiry = (id: string) => ({ id, kioskId: 'k', kind: 'question' as const, text: 'hi', lang: 'en' as const, createdAt: new Date().toISOString() });

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
    await store.update((d) => void d.inquiries.push(inquiry('a')));
    await store.close();
    const again = await Store.open(file);
    expect(again.read((d) => d.inquiries.map((i) => i.id))).toEqual(['a']);
  });

  it('runs the migrations a store has not had yet, in order, and records the new version', async () => {
    const file = tempFile();
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, users: [], kiosks: [], authSessions: [], inquiries: [inquiry('old')] }));
    const ran: number[] = [];
    const latest = latestVersion(MIGRATIONS);
    const migrations: Migration[] = [
      ...MIGRATIONS,
      { to: latest + 2, describe: 'uppercase texts', up: (d) => { ran.push(latest + 2); for (const i of d.inquiries as { text: string }[]) i.text = i.text.toUpperCase(); } },
      { to: latest + 1, describe: 'prefix texts', up: (d) => { ran.push(latest + 1); for (const i of d.inquiries as { text: string }[]) i.text = `next:${i.text}`; } },
    ];
    const store = await Store.open(file, migrations);
    expect(ran).toEqual([latest + 1, latest + 2]);
    expect(store.schemaVersion).toBe(latest + 2);
    expect(store.read((d) => d.inquiries[0]!.text)).toBe('NEXT:HI');
    // The real migration from version 1 ran too: call records arrived with version 2.
    expect(store.read((d) => d.calls)).toEqual([]);
    expect(JSON.parse(readFileSync(file, 'utf8')).schemaVersion).toBe(latest + 2);
  });

  it('refuses a store written by a newer build', async () => {
    const file = tempFile();
    writeFileSync(file, JSON.stringify({ schemaVersion: 99, users: [], kiosks: [], authSessions: [], inquiries: [] }));
    await expect(Store.open(file)).rejects.toThrow(/schema version 99, newer than this build understands/);
  });

  it('refuses a file that is not JSON or does not match the schema, naming the problem', async () => {
    const broken = tempFile();
    writeFileSync(broken, '{"schemaVersion": 1, "users": [');
    await expect(Store.open(broken)).rejects.toThrow(/cannot be read/);
    const wrong = tempFile();
    writeFileSync(wrong, JSON.stringify({ schemaVersion: 2, users: [{ id: 1 }], kiosks: [], authSessions: [], inquiries: [], calls: [] }));
    await expect(Store.open(wrong)).rejects.toThrow(/users\.0\.id/);
  });

  it('writes nothing when the change throws', async () => {
    const file = tempFile();
    const store = await Store.open(file);
    const before = readFileSync(file, 'utf8');
    await expect(store.update(() => { throw new Error('rejected'); })).rejects.toThrow('rejected');
    expect(readFileSync(file, 'utf8')).toBe(before);
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
    writeFileSync(file, JSON.stringify({ schemaVersion: 2, users: [], kiosks: [], authSessions: [], inquiries: [], calls: [] }));
    const store = await Store.open(file);
    await store.close();
  });
});
