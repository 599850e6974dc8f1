import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvents } from '../../device/bus.js';
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
    // The screen says it in its reader's language from the code.
    expect(wrong.body.code).toBe('login_failed');
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

type Revoked = BusEvents['account.sessions.revoked'];

/** Every `account.sessions.revoked` event from now on. */
function revocations(): Revoked[] {
  const seen: Revoked[] = [];
  appliance.bus.on('account.sessions.revoked', (e) => void seen.push(e));
  return seen;
}

async function agentSession(username: string, address: string): Promise<{ client: TestClient; id: string }> {
  await createAgent(username);
  const client = new TestClient(appliance, address);
  expect((await client.login(username, 'correct horse battery')).status).toBe(200);
  return { client, id: appliance.accounts.findByUsername(username)!.id };
}

/** The session id inside the cookie's token: bs_<id>.<secret>. */
const sessionIdOf = (client: TestClient): string => /^bl_session=bs_([^.]+)\./.exec(client.cookie!)![1]!;

describe('sessions and their end', () => {
  it('tells who a session token belongs to, which session it is and when it ends', async () => {
    const { client, id } = await agentSession('session.info', '198.51.100.90');
    const token = client.cookie!.slice('bl_session='.length);
    const session = appliance.accounts.session(token);
    expect(session).toMatchObject({ user: { id, username: 'session.info' }, sessionId: sessionIdOf(client) });
    expect(session!.user).not.toHaveProperty('passwordHash');
    expect(Date.parse(session!.expiresAt)).toBeGreaterThan(Date.now());
    expect(appliance.accounts.sessionUser(token)).toEqual(session!.user);
    expect(appliance.accounts.session(token.replace(/\.[A-Za-z0-9_-]+$/, '.CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'))).toBeNull();
    expect(appliance.accounts.session('not a token')).toBeNull();
    await client.request('POST', '/api/auth/logout');
    expect(appliance.accounts.session(token)).toBeNull();
  });

  it('announces the end of one session on logout, and of all of them on a password reset or removal', async () => {
    const events = revocations();
    const adminClient = await admin();
    const { client, id } = await agentSession('ends.sessions', '198.51.100.91');
    const sessionId = sessionIdOf(client);
    expect((await client.request('POST', '/api/auth/logout')).status).toBe(204);
    expect(events.filter((e) => e.userId === id)).toEqual([{ userId: id, sessionId, reason: 'logout', at: expect.any(String) }]);

    expect((await adminClient.request('POST', `/api/admin/users/${id}/password`)).status).toBe(200);
    expect(events.filter((e) => e.userId === id).at(-1)).toMatchObject({ sessionId: null, reason: 'password-reset' });

    expect((await adminClient.request('DELETE', `/api/admin/users/${id}`)).status).toBe(204);
    expect(events.filter((e) => e.userId === id).at(-1)).toMatchObject({ sessionId: null, reason: 'removed' });
    expect(events.filter((e) => e.userId === id)).toHaveLength(3);
  });

  it('lets an admin edit a user; a new role or disabling ends their sessions at once', async () => {
    const events = revocations();
    const adminClient = await admin();
    const { client, id } = await agentSession('edited.agent', '198.51.100.92');

    const renamed = await adminClient.request('PATCH', `/api/admin/users/${id}`, { displayName: 'Edited Agent', language: 'zh-Hans', skillGroups: ['cards'] });
    expect(renamed.status).toBe(200);
    expect(renamed.body.user).toMatchObject({ id, displayName: 'Edited Agent', language: 'zh-Hans', skillGroups: ['cards'], role: 'agent', disabled: false });
    expect(renamed.body.user).not.toHaveProperty('passwordHash');
    // Nothing about what the session may do changed: it goes on.
    expect((await client.request('GET', '/api/auth/me')).body.user).toMatchObject({ displayName: 'Edited Agent' });
    expect(events.filter((e) => e.userId === id)).toEqual([]);

    const promoted = await adminClient.request('PATCH', `/api/admin/users/${id}`, { role: 'supervisor' });
    expect(promoted.body.user).toMatchObject({ role: 'supervisor' });
    expect((await client.request('GET', '/api/auth/me')).status).toBe(401);
    expect(events.filter((e) => e.userId === id)).toEqual([{ userId: id, sessionId: null, reason: 'role-changed', at: expect.any(String) }]);

    const again = new TestClient(appliance, '198.51.100.93');
    expect((await again.login('edited.agent', 'correct horse battery')).body.user).toMatchObject({ role: 'supervisor' });
    expect((await adminClient.request('PATCH', `/api/admin/users/${id}`, { disabled: true })).body.user).toMatchObject({ disabled: true });
    expect((await again.request('GET', '/api/auth/me')).status).toBe(401);
    expect(events.filter((e) => e.userId === id).at(-1)).toMatchObject({ sessionId: null, reason: 'disabled' });
    expect((await new TestClient(appliance, '198.51.100.94').login('edited.agent', 'correct horse battery')).status).toBe(401);

    expect((await adminClient.request('PATCH', `/api/admin/users/${id}`, { disabled: false })).status).toBe(200);
    expect((await new TestClient(appliance, '198.51.100.95').login('edited.agent', 'correct horse battery')).status).toBe(200);
    expect(events.filter((e) => e.userId === id)).toHaveLength(2);
  });

  it('keeps the last admin an admin who can log in', async () => {
    const adminClient = await admin();
    const adminId = appliance.accounts.findByUsername('admin')!.id;
    const demote = await adminClient.request('PATCH', `/api/admin/users/${adminId}`, { role: 'supervisor' });
    expect(demote.status).toBe(409);
    expect(demote.body.message).toMatch(/last admin/);
    expect((await adminClient.request('PATCH', `/api/admin/users/${adminId}`, { disabled: true })).status).toBe(409);
    expect(appliance.accounts.getUser(adminId)).toMatchObject({ role: 'admin', disabled: false });
    expect((await adminClient.request('GET', '/api/auth/me')).status).toBe(200);

    // With a second admin the first may step down; the second is then the last.
    const { id: deputy } = await agentSession('deputy.admin', '198.51.100.96');
    expect((await adminClient.request('PATCH', `/api/admin/users/${deputy}`, { role: 'admin' })).body.user).toMatchObject({ role: 'admin' });
    expect((await adminClient.request('PATCH', `/api/admin/users/${deputy}`, { role: 'agent' })).status).toBe(200);
    expect((await adminClient.request('PATCH', `/api/admin/users/${adminId}`, { role: 'agent' })).status).toBe(409);
  });

  it('refuses bad edits with 400 and changes nothing; only admins may edit', async () => {
    const adminClient = await admin();
    const { client, id } = await agentSession('edit.target', '198.51.100.97');
    const before = JSON.stringify(appliance.accounts.getUser(id));
    const url = `/api/admin/users/${id}`;
    for (const body of [{}, { role: 'root' }, { displayName: '' }, { displayName: 'x'.repeat(81) }, { language: 'fr' }, { skillGroups: ['Not A Skill'] }, { disabled: 'yes' }, { username: 'renamed' }, { passwordHash: 'scrypt$1$1$1$a$b' }, { displayName: 'Fine', extra: 1 }]) {
      const res = await adminClient.request('PATCH', url, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('bad_request');
    }
    expect((await adminClient.request('PATCH', url, '{"displayName": ')).status).toBe(400);
    expect((await adminClient.request('PATCH', '/api/admin/users/not-a-uuid', { displayName: 'X' })).status).toBe(400);
    expect((await adminClient.request('PATCH', '/api/admin/users/00000000-0000-4000-8000-000000000000', { displayName: 'X' })).status).toBe(404);
    expect((await client.request('PATCH', url, { role: 'supervisor' })).status).toBe(403);
    expect((await new TestClient(appliance).request('PATCH', url, { role: 'supervisor' })).status).toBe(401);
    expect(JSON.stringify(appliance.accounts.getUser(id))).toBe(before);
    expect((await client.request('GET', '/api/auth/me')).status).toBe(200);
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
