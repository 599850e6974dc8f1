import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type HttpResult, type TestAppliance } from '../helpers/appliance.js';

const PASSWORD = 'correct horse battery';

async function createAgent(appliance: TestAppliance, username: string): Promise<void> {
  const admin = new TestClient(appliance, '192.0.2.1');
  expect((await admin.login('admin', appliance.adminPassword)).status).toBe(200);
  const res = await admin.request('POST', '/api/admin/users', { username, displayName: username, language: 'en', skillGroups: [], password: PASSWORD });
  expect(res.status).toBe(201);
}

/** A distinct documentation-range address per attempt, so only the limiter under test can refuse. */
const addressOf = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function count(results: HttpResult[], status: number): number {
  return results.filter((r) => r.status === status).length;
}

describe('login limits under concurrency (5 per account, 20 per address)', () => {
  let appliance: TestAppliance;
  beforeAll(async () => {
    appliance = await startTestAppliance({ BRANCHLINE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', BRANCHLINE_LOGIN_MAX_FAILURES_PER_ADDRESS: '20' });
  });
  afterAll(() => appliance.stop());

  it('checks only as many of 200 simultaneous wrong passwords for one account as the limit allows, then refuses the right one too', async () => {
    await createAgent(appliance, 'burst.target');
    const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => new TestClient(appliance, addressOf(1000 + i)).login('burst.target', `wrong password ${i}`)));
    expect(count(burst, 401)).toBe(5);
    expect(count(burst, 429)).toBe(195);
    const right = await new TestClient(appliance, '192.0.2.200').login('burst.target', PASSWORD);
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    expect(right.body).toMatchObject({ code: 'login_locked', params: { seconds: Number(right.headers['retry-after']) } });
  }, 60_000);

  it('holds one address trying many accounts at once to its limit, without touching other addresses', async () => {
    await createAgent(appliance, 'address.target');
    const attacker = '192.0.2.66';
    const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => new TestClient(appliance, attacker).login(`guess.${i}`, 'wrong password!')));
    expect(count(burst, 401)).toBe(20);
    expect(count(burst, 429)).toBe(40);
    expect((await new TestClient(appliance, attacker).login('address.target', PASSWORD)).status).toBe(429);
    expect((await new TestClient(appliance, '192.0.2.67').login('address.target', PASSWORD)).status).toBe(200);
  }, 60_000);

  it('lets in many right-password logins at once from one address, and they leave nothing counted', async () => {
    await createAgent(appliance, 'busy.agent');
    const office = '192.0.2.80';
    // More than both limits: a success gives back the point its check was charged.
    const logins = await Promise.all(Array.from({ length: 25 }, () => new TestClient(appliance, office).login('busy.agent', PASSWORD)));
    expect(logins.map((r) => r.status)).toEqual(Array.from({ length: 25 }, () => 200));
    for (let i = 0; i < 4; i++) expect((await new TestClient(appliance, office).login('busy.agent', 'mistyped password')).status).toBe(401);
    expect((await new TestClient(appliance, office).login('busy.agent', PASSWORD)).status).toBe(200);
  }, 60_000);
});

describe('login limits over time, and the password queue (3 per address, 2 s window)', () => {
  let appliance: TestAppliance;
  beforeAll(async () => {
    appliance = await startTestAppliance({ BRANCHLINE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000', BRANCHLINE_LOGIN_MAX_FAILURES_PER_ADDRESS: '3', BRANCHLINE_LOGIN_WINDOW_SECONDS: '2' });
  });
  afterAll(() => appliance.stop());

  it('refuses even the right password until the window passes, then lets it in', async () => {
    await createAgent(appliance, 'window.agent');
    const address = '192.0.2.90';
    for (let i = 0; i < 3; i++) expect((await new TestClient(appliance, address).login('window.agent', 'wrong password!')).status).toBe(401);
    expect((await new TestClient(appliance, address).login('window.agent', PASSWORD)).status).toBe(429);
    const deadline = Date.now() + 15_000;
    let last: HttpResult;
    do {
      last = await new TestClient(appliance, address).login('window.agent', PASSWORD);
      if (last.status !== 429 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    } while (true);
    expect(last.status).toBe(200);
  });

  it('keeps store writes moving during a burst of logins, and refuses what does not fit in the queue', async () => {
    const admin = new TestClient(appliance, '192.0.2.2');
    expect((await admin.login('admin', appliance.adminPassword)).status).toBe(200);

    const started = Date.now();
    let checked = 0;
    const burst = Array.from({ length: 200 }, (_, i) =>
      new TestClient(appliance, addressOf(5000 + i)).login(`nobody.${i}`, 'wrong password!').then((r) => {
        if (r.status === 401) checked += 1;
        return { ...r, at: Date.now() };
      }),
    );
    // A store write issued while every one of them waits for its password check.
    const write = admin.request('POST', '/api/admin/kiosks', { name: 'Kiosk made during a login burst' }).then((r) => ({ ...r, at: Date.now(), checkedBefore: checked }));
    const [written, results] = await Promise.all([write, Promise.all(burst)]);

    expect(written.status).toBe(201);
    const checkedAll = count(results, 401);
    const refused = results.filter((r) => r.status === 429);
    expect(checkedAll + refused.length).toBe(200);
    // Beyond the queue's length the burst is turned away at once instead of queueing without end.
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => /too many logins at once/.test(String(r.body.message)))).toBe(true);
    // Relative, not in milliseconds: the write did not wait for the password checks before it.
    const burstEnded = Math.max(...results.map((r) => r.at));
    expect(written.at).toBeLessThan(burstEnded);
    expect(written.checkedBefore).toBeLessThan(checkedAll / 4);
    expect(written.at - started).toBeLessThan((burstEnded - started) / 4);
  }, 120_000);
});
