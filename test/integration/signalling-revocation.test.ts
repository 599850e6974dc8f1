import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppliance, type Appliance } from '../../device/appliance.js';
import { loadConfig } from '../../device/config.js';
import { TestClient } from '../helpers/appliance.js';
import { WsClient } from '../helpers/ws-client.js';

const PASSWORD = 'revocation agent pw';

let appliance: Appliance;
let dataDir: string;
let port: number;
let url: string;
let admin: TestClient;
let kioskId: string;
let kioskToken: string;
let kioskWs: WsClient;
/** Every line the appliance logged, parsed: the oversized-frame test reads them. */
const logLines: { level: number; msg?: string; party?: string; reason?: string; err?: unknown; stack?: unknown }[] = [];

/** Staff signed in over HTTP with their signalling socket open, available for the fallback group. */
async function agentOnline(username: string): Promise<{ id: string; http: TestClient; ws: WsClient }> {
  const created = await admin.request('POST', '/api/admin/users', { username, displayName: username, role: 'agent', language: 'en', password: PASSWORD, skillGroups: ['general'] });
  expect(created.status).toBe(201);
  const http = new TestClient(appliance, '198.51.100.71');
  expect((await http.login(username, PASSWORD)).status).toBe(200);
  expect((await http.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
  const ws = await WsClient.open(url, { cookie: http.cookie! });
  await ws.next((f) => f.type === 'ready');
  return { id: (created.body.user as { id: string }).id, http, ws };
}

async function kiosk(token = kioskToken): Promise<WsClient> {
  const client = await WsClient.open(url);
  client.send({ type: 'auth', kioskToken: token });
  await client.next((f) => f.type === 'ready');
  return client;
}

/**
 * The kiosk asks for an agent and a whole distribution pass ends with it still queued: nobody took it.
 * Then it gives up, so the next case starts with an empty queue.
 */
async function nobodyAnswers(revokedId: string, revoked: WsClient): Promise<void> {
  expect(appliance.calls.connectedAgents()).not.toContain(revokedId);
  const callId = ((await kioskWs.request('requestAgent', { lang: 'en' })).data as { callId: string }).callId;
  await kioskWs.next((f) => f.type === 'queued' && f.callId === callId);
  await appliance.calls.settled();
  expect(appliance.calls.activeCalls().filter((c) => c.kioskId === kioskId)).toEqual([]);
  expect(revoked.frames.filter((f) => f.type === 'callStarted' || (f.type === 'queue' && (f.waiting as unknown[]).length > 0))).toEqual([]);
  expect((await kioskWs.request('cancelRequest')).type).toBe('response');
  await kioskWs.next((f) => f.type === 'callEnded' && f.callId === callId);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'branchline-revocation-'));
  const config = loadConfig({
    BRANCHLINE_DATA_DIR: dataDir,
    BRANCHLINE_EMBEDDED_MQTT_PORT: '0',
    BRANCHLINE_EMBEDDED_HUB_PORT: '0',
    BRANCHLINE_MEDIA_WORKERS: '1',
    BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1',
    BRANCHLINE_CALL_RECONNECT_SECONDS: '1',
    BRANCHLINE_DEVICE_ID: `test-${process.pid}-${Math.floor(Math.random() * 1e6)}`,
  });
  // The appliance's own logger, writing into memory: what an operator would read in the journal.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as (typeof logLines)[number]);
      done();
    },
  });
  appliance = await startAppliance(config, pino({ level: 'warn' }, sink));
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  port = (appliance.app.server.address() as AddressInfo).port;
  url = `ws://127.0.0.1:${port}/ws`;
  admin = new TestClient(appliance, '198.51.100.70');
  expect((await admin.login('admin', appliance.firstStartCredentials.find((c) => c.role === 'admin')!.password)).status).toBe(200);
  const created = await admin.request('POST', '/api/admin/kiosks', { name: 'Revocation kiosk' });
  kioskId = (created.body.kiosk as { id: string }).id;
  kioskToken = created.body.token as string;
  kioskWs = await kiosk();
}, 60_000);
afterAll(async () => {
  kioskWs?.close();
  await appliance?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('an agent socket ends with the login it was opened with', () => {
  it('closes on logout, in the middle of a call: the customer chat no longer reaches it and it cannot end the call', async () => {
    const agent = await agentOnline('revoke.logout');
    const callId = ((await kioskWs.request('requestAgent', { lang: 'en' })).data as { callId: string }).callId;
    await kioskWs.next((f) => f.type === 'callStarted' && f.callId === callId);
    await agent.ws.next((f) => f.type === 'callStarted' && f.callId === callId);

    const cookie = agent.http.cookie!;
    expect((await agent.http.request('POST', '/api/auth/logout')).status).toBe(204);
    expect(await agent.ws.closed()).toBe(4401);
    expect(await kioskWs.next((f) => f.type === 'peerConnection')).toMatchObject({ connected: false });
    expect((await kioskWs.request('chat', { text: 'are you still there?' })).type).toBe('response');
    // The old cookie opens no agent socket: the server takes it for a kiosk that has not authenticated.
    const again = await WsClient.open(url, { cookie });
    again.send({ type: 'endCall' });
    expect(await again.closed()).toBe(4401);
    // The call ends because the agent is gone, not because the revoked agent ended it.
    expect(await kioskWs.next((f) => f.type === 'callEnded' && f.callId === callId, 6000)).toMatchObject({ reason: 'agent-lost' });
    expect(agent.ws.frames.filter((f) => f.type === 'chat')).toEqual([]);
  });

  it('closes when an admin resets the password, and the agent is offered no customer after', async () => {
    const agent = await agentOnline('revoke.reset');
    expect((await admin.request('POST', `/api/admin/users/${agent.id}/password`)).status).toBe(200);
    expect(await agent.ws.closed()).toBe(4401);
    await nobodyAnswers(agent.id, agent.ws);
  });

  it('closes when the user is deleted, and the agent is offered no customer after', async () => {
    const agent = await agentOnline('revoke.delete');
    expect((await admin.request('DELETE', `/api/admin/users/${agent.id}`)).status).toBe(204);
    expect(await agent.ws.closed()).toBe(4401);
    await nobodyAnswers(agent.id, agent.ws);
  });

  it('closes when the role changes, and the agent is offered no customer after', async () => {
    const agent = await agentOnline('revoke.role');
    expect((await admin.request('PATCH', `/api/admin/users/${agent.id}`, { role: 'supervisor' })).status).toBe(200);
    expect(await agent.ws.closed()).toBe(4401);
    await nobodyAnswers(agent.id, agent.ws);
  });

  it('closes when the login session expires, though nothing announces it', async () => {
    const created = await admin.request('POST', '/api/admin/users', { username: 'revoke.expiry', displayName: 'Expiring', role: 'agent', language: 'en', password: PASSWORD, skillGroups: ['general'] });
    const userId = (created.body.user as { id: string }).id;
    const http = new TestClient(appliance, '198.51.100.72');
    expect((await http.login('revoke.expiry', PASSWORD)).status).toBe(200);
    expect((await http.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
    // A session near its end, as if it had been opened hours ago.
    await appliance.store.update((d) => {
      for (const s of d.authSessions.filter((x) => x.userId === userId)) s.expiresAt = new Date(Date.now() + 1500).toISOString();
    });
    const ws = await WsClient.open(url, { cookie: http.cookie! });
    await ws.next((f) => f.type === 'ready');
    expect(await ws.closed(6000)).toBe(4401);
    await nobodyAnswers(userId, ws);
  });

  it('closes only the session that logged out, not the others of the same user', async () => {
    const agent = await agentOnline('revoke.two');
    const phone = new TestClient(appliance, '198.51.100.73');
    expect((await phone.login('revoke.two', PASSWORD)).status).toBe(200);
    expect((await phone.request('POST', '/api/auth/logout')).status).toBe(204);
    // The socket's own session still holds: a request round trip shows it open and answering.
    expect((await agent.ws.request('chat', { text: 'hello' })).message).toBe('you are not in a call');
    expect(agent.ws.closeCode).toBeNull();
    agent.ws.close();
  });
});

describe('a kiosk socket ends with its device registration', () => {
  it('closes when the kiosk is revoked, and the token opens no socket after', async () => {
    const created = await admin.request('POST', '/api/admin/kiosks', { name: 'Doomed kiosk' });
    const token = created.body.token as string;
    const doomed = await kiosk(token);
    expect((await admin.request('DELETE', `/api/admin/kiosks/${(created.body.kiosk as { id: string }).id}`)).status).toBe(204);
    expect(await doomed.closed()).toBe(4401);
    const again = await WsClient.open(url);
    again.send({ type: 'auth', kioskToken: token });
    expect(await again.closed()).toBe(4401);
  });
});

describe('the /ws upgrade from a browser page', () => {
  it('is refused with 403 when the page is on another origin, even carrying a staff cookie', async () => {
    const agent = new TestClient(appliance, '198.51.100.74');
    await admin.request('POST', '/api/admin/users', { username: 'origin.agent', displayName: 'Origin', role: 'agent', language: 'en', password: PASSWORD, skillGroups: ['general'] });
    expect((await agent.login('origin.agent', PASSWORD)).status).toBe(200);
    const cookie = agent.cookie!;
    await expect(WsClient.open(url, { cookie, origin: 'https://evil.example' })).rejects.toThrow(/403/);
    // Another port of the same host is another origin: SameSite cookies do not tell them apart.
    await expect(WsClient.open(url, { cookie, origin: `http://127.0.0.1:${port + 1}` })).rejects.toThrow(/403/);
    await expect(WsClient.open(url, { origin: 'null' })).rejects.toThrow(/403/);
    expect(appliance.calls.connectedAgents()).not.toContain(appliance.accounts.findByUsername('origin.agent')!.id);

    const same = await WsClient.open(url, { cookie, origin: `http://127.0.0.1:${port}` });
    expect((await same.next((f) => f.type === 'ready')).party).toBe('agent');
    same.close();
  });
});

describe('oversized frames', () => {
  it('close the socket with 1009 and log one warning per socket, without a stack and never at error level', async () => {
    const created = await admin.request('POST', '/api/admin/kiosks', { name: 'Big frame kiosk' });
    const bigKioskId = (created.body.kiosk as { id: string }).id;
    const before = logLines.length;
    const big = await kiosk(created.body.token as string);
    big.send({ type: 'chat', text: 'x'.repeat(70 * 1024) });
    big.send({ type: 'chat', text: 'y'.repeat(70 * 1024) });
    expect(await big.closed()).toBe(1009);
    const stranger = await WsClient.open(url);
    stranger.send('z'.repeat(65 * 1024 + 1));
    expect(await stranger.closed()).toBe(1009);
    const isFrameWarning = (l: (typeof logLines)[number]) => l.msg === 'signalling socket error';
    await expect.poll(() => logLines.slice(before).filter(isFrameWarning).length).toBe(2);
    const lines = logLines.slice(before);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter(isFrameWarning).map((l) => ({ level: l.level, party: l.party, stack: l.stack ?? null, err: l.err ?? null }))).toEqual([
      { level: 40, party: `kiosk:${bigKioskId}`, stack: null, err: null },
      { level: 40, party: 'unauthenticated', stack: null, err: null },
    ]);
    for (const line of lines.filter(isFrameWarning)) expect(line.reason).toMatch(/max payload/i);
  });
});
