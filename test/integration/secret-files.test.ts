import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../device/store/index.js';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';

const modeOf = (file: string): number => statSync(file).mode & 0o777;
const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

// The usual umask, which leaves new files readable by all: with 077 every file would be private anyway.
let savedUmask: number;
beforeAll(() => {
  savedUmask = process.umask(0o022);
});
afterAll(() => {
  process.umask(savedUmask);
});

describe('files holding secrets', () => {
  let appliance: TestAppliance;
  beforeAll(async () => {
    appliance = await startTestAppliance();
  });
  afterAll(() => appliance.stop());

  it('are readable by the appliance user only from the start, and stay so after writes', async () => {
    const store = join(appliance.dataDir, 'branchline.json');
    const fleet = join(appliance.dataDir, 'fleet');
    expect(octal(modeOf(store))).toBe('0600');
    expect(octal(modeOf(`${store}.lock`))).toBe('0600');
    expect(octal(modeOf(join(fleet, 'fleet-private.pem')))).toBe('0600');
    expect(octal(modeOf(join(fleet, 'hub-operator.json')))).toBe('0600');
    expect(octal(modeOf(fleet) & 0o077)).toBe('0000');

    const admin = new TestClient(appliance, '198.51.100.140');
    expect((await admin.login('admin', appliance.adminPassword)).status).toBe(200);
    expect((await admin.request('POST', '/api/admin/kiosks', { name: 'Mode kiosk' })).status).toBe(201);
    expect(octal(modeOf(store))).toBe('0600');
    expect(JSON.parse(readFileSync(store, 'utf8')).kiosks.map((k: { name: string }) => k.name)).toContain('Mode kiosk');
  });
});

describe('the store file', () => {
  it('is made private when an older, readable one is opened, and written private over a stale temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'branchline-mode-'));
    const file = join(dir, 'branchline.json');
    const first = await Store.open(file);
    await first.close();
    chmodSync(file, 0o644);
    writeFileSync(join(dir, '.branchline.json.tmp'), 'left by a crash', { mode: 0o644 });

    const store = await Store.open(file);
    try {
      expect(octal(modeOf(file))).toBe('0600');
      await store.update((d) => void d.customers.push({ id: 'mode', name: 'mode', tier: 'standard', cardHash: null, cardLast4: null, phoneHash: null, phoneLast4: null, createdAt: new Date().toISOString() }));
      expect(octal(modeOf(file))).toBe('0600');
      expect(existsSync(join(dir, '.branchline.json.tmp'))).toBe(false);
      expect(JSON.parse(readFileSync(file, 'utf8')).customers.map((c: { id: string }) => c.id)).toEqual(['mode']);
    } finally {
      await store.close();
    }
  });

  it('acknowledges every one of many concurrent writes with the change on disk', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'branchline-mode-')), 'branchline.json');
    const store = await Store.open(file);
    try {
      const ids = Array.from({ length: 50 }, (_, i) => `w${i}`);
      await Promise.all(ids.map((id) => store.update((d) => void d.customers.push({ id, name: id, tier: 'standard', cardHash: null, cardLast4: null, phoneHash: null, phoneLast4: null, createdAt: new Date().toISOString() }))));
      expect(JSON.parse(readFileSync(file, 'utf8')).customers.map((c: { id: string }) => c.id)).toEqual(ids);
      expect(octal(modeOf(file))).toBe('0600');
    } finally {
      await store.close();
    }
  });
});
