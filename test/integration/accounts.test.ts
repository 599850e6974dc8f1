import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';

let appliance: TestAppliance;

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', BRANCHLINE_LOGIN_MAX_FAILURES_PER_ADDRESS: '6' });
});
afterAll(async () => {
  await appliance.stop();
});

async function admin(address?: string): Promise<TestClient> {
  const client = new TestClient(appliance, address);
  expect((await client.login('admin', appliance.adminPassword)).status).toBe(200);
  return client;
}

async function createAgent(username: string, password = 'correct horse battery'): Promise<void> {
  const res = await (await admin()).request('POST', '/api/admin/users', { username, displayName: `Agent ${username}`, language: 'en', skillGroups: ['finance'], password });
  expect(res.status).toBe(201);
}

describe('first start', () => {
  it('creates an admin with a random password kept only as an scrypt hash', () => {
    expect(appliance.adminPassword).toMatch(/^[A-Za-z0-9]{16}$/);
    const file = readFileSync(join(appliance.dataDir, 'branchline.json'), 'utf8');
    expect(file).not.toContain(appliance.adminPassword);
    const adminRecord = JSON.parse(file).users.find((u: { username: string }) => u.username === 'admin');
    expect(adminRecord.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
  });

  it('creates no second admin and prints no password on a later start', async () => {
    const first = await startTestAppliance();
    expect(first.firstStartCredentials.map((c) => c.username)).toEqual(['admin', 'agent.chen', 'agent.lee']);
    await first.stop({ keepData: true });
    const again = await startTestAppliance({}, first.dataDir);
    try {
      expect(again.firstStartCredentials).toEqual([]);
      expect(again.accounts.listUsers().filter((u) => u.role === 'admin')).toHaveLength(1);
    } finally {
      await again.stop();
    }
  });
});

describe('login and logout', () => {
  it('gives an httpOnly, SameSite session cookie that opens /api/auth/me, and logout ends it', async () => {
    const client = new TestClient(appliance, '198.51.100.1');
    const login = await client.login('admin', appliance.adminPassword);
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(login.body.user).not.toHaveProperty('passwordHash');
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/bl_session=bs_/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);

    expect((await client.request('GET', '/api/auth/me')).status).toBe(200);
    const stolen = client.cookie;
    expect((await client.request('POST', '/api/auth/logout')).status).toBe(204);
    expect(client.cookie).toBeNull();
    expect((await client.request('GET', '/api/auth/me')).status).toBe(401);
    // The old cookie is dead on the server too, not only forgotten by the browser.
    expect((await client.request('GET', '/api/auth/me', undefined, { cookie: stolen! })).status).toBe(401);
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const client = new TestClient(appliance, '198.51.100.2');
    const wrong = await client.login('admin', 'not the password');
    const unknown = await client.login('nobody', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.message).toBe('wrong username or password');
    expect(client.cookie).toBeNull();
  });

  it('rejects a forged session cookie', async () => {
    const client = new TestClient(appliance, '198.51.100.3');
    await client.login('admin', appliance.adminPassword);
    const forged = client.cookie!.replace(/\.[A-Za-z0-9_-]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect((await client.request('GET', '/api/auth/me', undefined, { cookie: forged })).status).toBe(401);
  });
});

describe('login rate limits', () => {
  it('locks an account after repeated failures, even for the right password, without touching other accounts', async () => {
    await createAgent('locked.agent');
    await createAgent('free.agent');
    for (let i = 0; i < 3; i++) {
      expect((await new TestClient(appliance, `192.0.2.${10 + i}`).login('locked.agent', 'wrong password!')).status).toBe(401);
    }
    const blocked = await new TestClient(appliance, '192.0.2.50').login('locked.agent', 'correct horse battery');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await new TestClient(appliance, '192.0.2.51').login('free.agent', 'correct horse battery')).status).toBe(200);
  });

  it('limits one address trying many accounts, without touching other addresses', async () => {
    await createAgent('target.agent');
    const attacker = '192.0.2.99';
    for (let i = 0; i < 6; i++) {
      expect((await new TestClient(appliance, attacker).login(`guess${i}`, 'wrong password!')).status).toBe(401);
    }
    expect((await new TestClient(appliance, attacker).login('target.agent', 'correct horse battery')).status).toBe(429);
    expect((await new TestClient(appliance, '192.0.2.100').login('target.agent', 'correct horse battery')).status).toBe(200);
  });
});

describe('roles', () => {
  it('lets an admin create an agent with a one-time generated password, and keeps the agent out of admin endpoints', async () => {
    const adminClient = await admin();
    const created = await adminClient.request('POST', '/api/admin/users', { username: 'mei.lin', displayName: '林美', language: 'zh-Hant', skillGroups: ['finance', 'vip'] });
    expect(created.status).toBe(201);
    const password = created.body.password as string;
    expect(password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(created.body.user).toMatchObject({ username: 'mei.lin', role: 'agent', language: 'zh-Hant', skillGroups: ['finance', 'vip'] });
    const listed = await adminClient.request('GET', '/api/admin/users');
    expect(JSON.stringify(listed.body)).not.toContain(password);
    expect(JSON.stringify(listed.body)).not.toContain('passwordHash');

    const agent = new TestClient(appliance, '198.51.100.20');
    expect((await agent.login('mei.lin', password)).status).toBe(200);
    expect((await agent.request('GET', '/api/admin/users')).status).toBe(403);
    expect((await agent.request('POST', '/api/admin/kiosks', { name: 'sneaky' })).status).toBe(403);
    expect((await agent.request('DELETE', `/api/admin/users/${(created.body.user as { id: string }).id}`)).status).toBe(403);
    expect((await agent.request('PUT', '/api/agent/presence', { state: 'available' })).body).toMatchObject({ state: 'available' });
    expect((await new TestClient(appliance).request('GET', '/api/admin/users')).status).toBe(401);
  });

  it('lets an admin give an agent a new password, which ends the old sessions', async () => {
    await createAgent('reset.me', 'first password here');
    const agent = new TestClient(appliance, '198.51.100.40');
    expect((await agent.login('reset.me', 'first password here')).status).toBe(200);
    const id = appliance.accounts.findByUsername('reset.me')!.id;
    const reset = await (await admin()).request('POST', `/api/admin/users/${id}/password`);
    expect(reset.status).toBe(200);
    expect((await agent.request('GET', '/api/auth/me')).status).toBe(401);
    expect((await new TestClient(appliance, '198.51.100.41').login('reset.me', 'first password here')).status).toBe(401);
    expect((await new TestClient(appliance, '198.51.100.42').login('reset.me', reset.body.password as string)).status).toBe(200);
    expect((await agent.request('POST', `/api/admin/users/${id}/password`)).status).toBe(401);
  });

  it('gives each kiosk its own token that works only as a kiosk, and stops it when revoked', async () => {
    const adminClient = await admin();
    const created = await adminClient.request('POST', '/api/admin/kiosks', { name: 'Lobby kiosk', location: 'Taipei Xinyi branch', language: 'zh-Hant' });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    const kioskId = (created.body.kiosk as { id: string }).id;
    expect(JSON.stringify((await adminClient.request('GET', '/api/admin/kiosks')).body)).not.toContain(token.split('.')[1]);

    const kiosk = new TestClient(appliance, '198.51.100.30');
    const bearer = { authorization: `Bearer ${token}` };
    expect((await kiosk.request('GET', '/api/kiosk/me', undefined, bearer)).body).toMatchObject({ kiosk: { id: kioskId, name: 'Lobby kiosk' } });
    const started = await kiosk.request('POST', '/api/kiosk/sessions', { lang: 'zh-Hant' }, bearer);
    expect(started.status).toBe(201);

    // The kiosk token is no staff session, whichever way it is presented.
    expect((await kiosk.request('GET', '/api/agent/presence', undefined, bearer)).status).toBe(401);
    expect((await kiosk.request('GET', '/api/auth/me', undefined, { cookie: `bl_session=${token}` })).status).toBe(401);
    expect((await kiosk.request('GET', '/api/admin/users', undefined, bearer)).status).toBe(401);
    // A staff session is no kiosk either.
    expect((await adminClient.request('GET', '/api/kiosk/me')).status).toBe(401);

    const forged = token.replace(/\.[A-Za-z0-9_-]+$/, '.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB');
    expect((await kiosk.request('GET', '/api/kiosk/me', undefined, { authorization: `Bearer ${forged}` })).status).toBe(401);

    expect((await adminClient.request('DELETE', `/api/admin/kiosks/${kioskId}`)).status).toBe(204);
    expect((await kiosk.request('GET', '/api/kiosk/me', undefined, bearer)).status).toBe(401);
  });
});

describe('bad input', () => {
  it('gets a clear 4xx and changes nothing', async () => {
    const client = await admin();
    const users = () => appliance.accounts.listUsers().length;
    const before = users();

    const malformed = await client.request('POST', '/api/admin/users', '{"username": "x",');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('bad_request');

    const wrongTypes = await client.request('POST', '/api/admin/users', { username: 42, displayName: 'X', language: 'fr' });
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.body.message).toMatch(/username/);
    expect(wrongTypes.body.message).toMatch(/language/);

    const unknownField = await client.request('POST', '/api/admin/users', { username: 'extra.field', displayName: 'X', language: 'en', role: 'admin' });
    expect(unknownField.status).toBe(400);

    const shortPassword = await client.request('POST', '/api/admin/users', { username: 'short.pw', displayName: 'X', language: 'en', password: 'abc' });
    expect(shortPassword.status).toBe(400);
    expect(shortPassword.body.message).toMatch(/at least 10 characters/);

    const huge = await client.request('POST', '/api/admin/users', { username: 'huge', displayName: 'x'.repeat(100_000), language: 'en' });
    expect(huge.status).toBe(413);

    const duplicate = await client.request('POST', '/api/admin/users', { username: 'admin', displayName: 'Again', language: 'en' });
    expect(duplicate.status).toBe(409);

    expect((await client.request('DELETE', '/api/admin/users/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await client.request('DELETE', '/api/admin/users/not-a-uuid')).body.message).toMatch(/id must be a UUID/);
    expect((await client.request('DELETE', '/api/admin/kiosks/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const hugeLogin = await new TestClient(appliance, '198.51.100.77').login('admin', 'p'.repeat(5000));
    expect(hugeLogin.status).toBe(400);

    expect(users()).toBe(before);
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const res = await new TestClient(appliance).request('GET', '/api/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('no route GET /api/does-not-exist');
  });
});
