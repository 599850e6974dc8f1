import { rmSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from '@playwright/test';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emptyTally, kpisOf, tallySession } from '../../protocol/index.js';
import { perStream, simulatedFacts } from '../../scripts/fleet-sim/records.js';
import { spawnLoad, type LoadProcess } from '../../scripts/fleet-sim/spawn.js';
import { startTestFleet, type TestFleet } from '../helpers/fleet.js';
import { hubCommand, spawnHub, type HubProcess } from '../helpers/hub-process.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const DEVICES = 50;
const PER_DEVICE = 400;
const TOTAL = DEVICES * PER_DEVICE;
const deviceIds = Array.from({ length: DEVICES }, (_, i) => `fleet-dev-${String(i + 1).padStart(2, '0')}`);
const OPERATOR = { name: 'ops', password: 'a long operator password' };
const VIEWER = { name: 'watcher', password: 'a long viewer password' };

let database: TestPostgres;
let fleet: TestFleet;
const hubs: HubProcess[] = [];
const loads: LoadProcess[] = [];
let sql: pg.Pool;

beforeAll(async () => {
  database = await startPostgres();
  fleet = await startTestFleet(deviceIds);
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
  sql.on('error', () => undefined);
}, 60_000);

afterAll(async () => {
  for (const load of loads) load.child.kill('SIGKILL');
  for (const hub of hubs) hub.child.kill('SIGTERM');
  await Promise.all(hubs.map((h) => h.exited));
  for (const hub of hubs) rmSync(hub.dataDir, { recursive: true, force: true });
  await sql?.end();
  await fleet?.broker.stop();
  if (fleet) rmSync(fleet.keysDir, { recursive: true, force: true });
  await database?.close();
});

async function storedCount(): Promise<number> {
  const { rows } = await sql.query<{ n: string }>('SELECT count(*) AS n FROM hub_records');
  return Number(rows[0]!.n);
}

async function signIn(hub: HubProcess, who: { name: string; password: string }): Promise<string> {
  const res = await fetch(`${hub.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function call(hub: HubProcess, token: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${hub.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('several hubs, one fleet (PostgreSQL and mosquitto)', () => {
  it('stores 20,000 records of 50 devices exactly once while a hub is SIGKILLed and the database restarts, and every instance shows the whole fleet', async () => {
    // Three instances started at once: they take turns at the schema migration.
    hubs.push(...(await Promise.all(['hub-a', 'hub-b', 'hub-c'].map((name) => spawnHub(fleet, database.url, name)))));
    expect(await hubCommand(fleet, database.url, ['operator', 'add', OPERATOR.name, '--role', 'operator'], `${OPERATOR.password}\n`)).toMatchObject({ code: 0 });
    expect(await hubCommand(fleet, database.url, ['operator', 'add', VIEWER.name, '--role', 'viewer'], `${VIEWER.password}\n`)).toMatchObject({ code: 0 });
    // Refused: a taken name, a short password; neither changes the accounts.
    expect((await hubCommand(fleet, database.url, ['operator', 'add', OPERATOR.name, '--role', 'viewer'], 'another long password\n')).code).toBe(1);
    expect((await hubCommand(fleet, database.url, ['operator', 'add', 'shorty', '--role', 'viewer'], 'short\n')).out).toMatch(/12 to 256 characters/);
    expect((await sql.query('SELECT name, role FROM hub_operators ORDER BY name')).rows).toEqual([{ name: 'ops', role: 'operator' }, { name: 'watcher', role: 'viewer' }]);

    for (let i = 0; i < 2; i++) {
      const devices = deviceIds.slice(i * 25, (i + 1) * 25).map((id) => ({ id, password: fleet.password(id) }));
      loads.push(spawnLoad({ url: fleet.broker.url, devices, recordsPerDevice: PER_DEVICE, batch: 50, window: 2, resendMs: 3000, heartbeatMs: 1000 }));
    }
    const confirmed = () => loads.reduce((n, l) => n + l.confirmed(), 0);

    await vi.waitFor(async () => expect(await storedCount()).toBeGreaterThan(TOTAL / 5), { timeout: 60_000, interval: 100 });
    const killed = hubs[1]!;
    killed.child.kill('SIGKILL');
    await killed.exited;

    await vi.waitFor(async () => expect(await storedCount()).toBeGreaterThan(TOTAL / 2), { timeout: 60_000, interval: 100 });
    await database.stopServer(true);
    // While it is away the hubs acknowledge nothing: the devices keep their records and send them again.
    await vi.waitFor(() => expect(hubs[0]!.output() + hubs[2]!.output()).toMatch(/hub database unavailable/), { timeout: 30_000 });
    await database.startServer();
    hubs[1] = await spawnHub(fleet, database.url, 'hub-b', { port: Number(new URL(killed.url).port) });
    rmSync(killed.dataDir, { recursive: true, force: true });

    await Promise.all(loads.map((l) => l.done));
    expect(confirmed()).toBe(TOTAL);
    expect(await storedCount()).toBe(TOTAL);
    const perDevice = await sql.query<{ device_id: string; stream: string; n: string; lo: string; hi: string }>(
      'SELECT device_id, stream, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM hub_records GROUP BY device_id, stream ORDER BY device_id, stream',
    );
    const counts = perStream(PER_DEVICE);
    expect(perDevice.rows).toEqual(
      deviceIds.flatMap((id) => [
        { device_id: id, stream: 'scorecard', n: String(counts.scorecard), lo: '1', hi: String(counts.scorecard) },
        { device_id: id, stream: 'session', n: String(counts.session), lo: '1', hi: String(counts.session) },
      ]),
    );

    // The figures every instance shows are the shared definitions over the sessions the devices sent.
    const expected = emptyTally();
    for (const id of deviceIds) for (let n = 1; n <= counts.session; n++) tallySession(expected, simulatedFacts(id, n));
    const views = [];
    for (const hub of hubs) {
      const token = await signIn(hub, OPERATOR);
      const fleetView = await call(hub, token, '/api/fleet');
      expect(fleetView.status).toBe(200);
      const devices = fleetView.body.devices as { deviceId: string }[];
      expect(devices.map((d) => d.deviceId)).toEqual(deviceIds);
      expect(fleetView.body.records).toBe(TOTAL);
      views.push(fleetView.body.fleet);
    }
    expect(views[0]).toMatchObject({ kpis: kpisOf(expected), activity: { scorecards: TOTAL / 2 } });
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
  }, 240_000);

  it('gives operators their own roles and keeps who did what, on every instance', async () => {
    const [a, , c] = hubs;
    const viewer = await signIn(a!, VIEWER);
    expect((await call(a!, viewer, '/api/fleet')).status).toBe(200);
    expect((await call(a!, viewer, '/api/config', { method: 'POST', body: JSON.stringify({ settings: { faceFps: 5 }, target: { all: true } }) })).status).toBe(403);
    expect((await call(a!, viewer, '/api/corrections')).status).toBe(403);
    expect((await call(a!, 'not-a-token', '/api/fleet')).status).toBe(401);
    expect((await fetch(`${a!.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ops', password: 'wrong password here' }) })).status).toBe(401);

    const operator = await signIn(a!, OPERATOR);
    expect((await call(a!, operator, '/api/config', { method: 'POST', body: JSON.stringify({ settings: { faceFps: 5 }, target: { group: 'sim' } }) })).status).toBe(200);
    // Signed in on one instance, known on another: sessions and the log are in the database.
    const log = await call(c!, operator, '/api/audit');
    expect(log.status).toBe(200);
    const entries = log.body.entries as { actor: string; action: string; detail: { devices?: number } }[];
    expect(entries[0]).toMatchObject({ actor: 'ops', action: 'config.push', detail: { devices: DEVICES } });
    expect(entries.filter((e) => e.action === 'operator.add').map((e) => e.actor)).toEqual(['console', 'console']);
    expect((await call(c!, operator, '/api/session', { method: 'DELETE' })).status).toBe(200);
    expect((await call(a!, operator, '/api/fleet')).status).toBe(401);
  }, 60_000);

  it('shows the whole fleet on the fleet page of any instance, in the reader language, with no serious accessibility fault', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      for (const hub of [hubs[2]!, hubs[1]!]) {
        const context = await browser.newContext({ locale: 'zh-TW' });
        const page = await context.newPage();
        await page.goto(hub.url);
        await page.getByLabel('操作員名稱').fill(OPERATOR.name);
        await page.getByLabel('密碼').fill(OPERATOR.password);
        await page.getByRole('button', { name: '登入' }).click();
        await expect.poll(() => page.locator('#devices tr').count(), { timeout: 15_000 }).toBe(DEVICES);
        expect(await page.locator('#hub').textContent()).toContain(`實例 ${hub.name}`);
        expect(await page.locator('#hub').textContent()).toContain(new Intl.NumberFormat('zh-Hant').format(TOTAL));
        const serious = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
        await context.close();
      }
    } finally {
      await browser.close();
    }
  }, 60_000);
});
