import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';
import { WsClient } from '../helpers/ws-client.js';

let appliance: TestAppliance;
let url: string;
let kioskToken: string;
let otherKioskToken: string;
let agentCookie: string;
let agentHttp: TestClient;

/** An available agent of the fallback group, where requests without a routed session go. */
async function agentSession(username: string): Promise<string> {
  const admin = new TestClient(appliance, '198.51.100.200');
  await admin.login('admin', appliance.adminPassword);
  await admin.request('POST', '/api/admin/users', { username, displayName: `Agent ${username}`, language: 'en', password: 'signalling agent pw', skillGroups: ['general'] });
  agentHttp = new TestClient(appliance, '198.51.100.201');
  expect((await agentHttp.login(username, 'signalling agent pw')).status).toBe(200);
  expect((await agentHttp.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
  return agentHttp.cookie!;
}

async function kiosk(token = kioskToken): Promise<WsClient> {
  const client = await WsClient.open(url);
  client.send({ type: 'auth', kioskToken: token });
  await client.next((f) => f.type === 'ready');
  return client;
}

async function agent(): Promise<WsClient> {
  const client = await WsClient.open(url, { cookie: agentCookie });
  await client.next((f) => f.type === 'ready');
  return client;
}

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_CALL_RECONNECT_SECONDS: '2', BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1', BRANCHLINE_MEDIA_WORKERS: '2' });
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  url = `ws://127.0.0.1:${(appliance.app.server.address() as AddressInfo).port}/ws`;
  const admin = new TestClient(appliance, '198.51.100.199');
  await admin.login('admin', appliance.adminPassword);
  kioskToken = (await admin.request('POST', '/api/admin/kiosks', { name: 'Signalling kiosk' })).body.token as string;
  otherKioskToken = (await admin.request('POST', '/api/admin/kiosks', { name: 'Other kiosk' })).body.token as string;
  agentCookie = await agentSession('ws.agent');
});
afterAll(() => appliance.stop());

describe('signalling authentication', () => {
  it('closes a socket that presents a wrong kiosk token, or nothing at all', async () => {
    const forged = await WsClient.open(url);
    forged.send({ type: 'auth', kioskToken: kioskToken.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
    expect((await forged.next((f) => f.type === 'error')).message).toMatch(/valid kiosk token or an agent session/);
    expect(await forged.closed()).toBe(4401);

    const garbage = await WsClient.open(url);
    garbage.send('not json at all');
    expect(await garbage.closed()).toBe(4401);

    const staffCookieAsKiosk = await WsClient.open(url, { cookie: 'bl_session=bs_00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    staffCookieAsKiosk.send({ type: 'requestAgent', lang: 'en' });
    expect(await staffCookieAsKiosk.closed()).toBe(4401);
  });
});

describe('signalling requests', () => {
  it('answers malformed, unknown, misplaced and oversized frames with an error and changes nothing', async () => {
    const k = await kiosk();
    const a = await agent();
    const callsBefore = appliance.calls.recentCalls(500).length;

    k.send('{"type": "requestAgent",');
    expect((await k.next((f) => f.type === 'error')).message).toBe('frame is not valid JSON');
    expect((await k.request('teleport')).message).toMatch(/^invalid request: type: /);
    expect((await k.request('requestAgent', { lang: 'fr' })).message).toMatch(/^invalid request: lang: /);
    expect((await k.request('requestAgent', { lang: 'en', callId: 'mine' })).message).toMatch(/^invalid request: /);
    expect((await k.request('acceptNext')).message).toMatch(/^invalid request: type: /);
    expect((await k.request('requestAgent', { lang: 'en', sessionId: 'not-a-uuid' })).message).toMatch(/^invalid request: sessionId: /);
    expect((await k.request('requestAgent', { lang: 'en', sessionId: '00000000-0000-4000-8000-000000000000' })).message).toMatch(/no such session at this kiosk/);
    expect((await a.request('requestAgent', { lang: 'en' })).message).toBe('requestAgent is not allowed for an agent');
    expect((await k.request('chat', { text: 'hello' })).message).toBe('you are not in a call');
    expect((await k.request('connectTransport', { transportId: 'x'.repeat(65), dtlsParameters: {} })).message).toMatch(/transportId/);
    expect(appliance.calls.recentCalls(500).length).toBe(callsBefore);

    const big = await kiosk();
    big.send({ type: 'chat', text: 'x'.repeat(70 * 1024) });
    expect(await big.closed()).toBe(1009);
    k.close();
    a.close();
  });

  it('queues a kiosk until an agent is free, connects them, checks every id against what the caller owns, keeps chat, and ends it', async () => {
    expect((await agentHttp.request('PUT', '/api/agent/presence', { state: 'away' })).status).toBe(200);
    const k = await kiosk();
    const a = await agent();
    const requested = await k.request('requestAgent', { lang: 'zh-Hant' });
    const callId = (requested.data as { callId: string }).callId;
    expect(await k.next((f) => f.type === 'queued')).toMatchObject({ position: 1, etaSeconds: expect.any(Number) });
    expect((await a.next((f) => f.type === 'queue' && (f.waiting as unknown[]).length === 1)).waiting).toMatchObject([{ callId, kioskName: 'Signalling kiosk', lang: 'zh-Hant', skill: 'general', vipLine: false }]);
    expect((await k.request('requestAgent', { lang: 'en' })).message).toBe('this kiosk is already waiting or in a call');

    // Becoming available is enough: the waiting customer is connected to the agent.
    expect((await agentHttp.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
    const kStarted = await k.next((f) => f.type === 'callStarted');
    const aStarted = await a.next((f) => f.type === 'callStarted');
    expect(kStarted).toMatchObject({ callId, role: 'customer', resumed: false, peerName: 'Agent ws.agent' });
    expect(aStarted).toMatchObject({ callId, role: 'agent', peerName: 'Signalling kiosk' });

    const kTransport = (await k.request('createTransport')).data as { id: string; iceCandidates: { address: string }[] };
    expect(kTransport.iceCandidates[0]!.address).toBe('127.0.0.1');
    const aTransport = (await a.request('createTransport')).data as { id: string };
    // The agent cannot use the kiosk's transport, even knowing its id.
    expect((await a.request('restartIce', { transportId: kTransport.id })).message).toBe('unknown transport id');
    expect((await a.request('consume', { transportId: aTransport.id, producerId: 'not-a-producer', rtpCapabilities: {} })).message).toBe('unknown producer id');
    expect((await k.request('resumeConsumer', { consumerId: 'forged' })).message).toBe('unknown consumer id');
    // Malformed DTLS parameters are refused by mediasoup and reported, not fatal.
    expect((await k.request('connectTransport', { transportId: kTransport.id, dtlsParameters: { fingerprints: 'nope' } })).type).toBe('error');

    // Another kiosk is not part of this call.
    const intruder = await kiosk(otherKioskToken);
    expect((await intruder.request('chat', { text: 'let me in' })).message).toBe('you are not in a call');
    expect((await intruder.request('endCall')).message).toBe('you are not in a call');

    expect((await k.request('chat', { text: '  你好，我的卡不見了  ' })).type).toBe('response');
    expect((await a.next((f) => f.type === 'chat')).message).toMatchObject({ from: 'customer', text: '你好，我的卡不見了' });
    expect((await k.request('chat', { text: '' })).message).toMatch(/text/);

    expect((await a.request('endCall')).type).toBe('response');
    expect(await k.next((f) => f.type === 'callEnded')).toMatchObject({ callId, reason: 'agent-ended' });
    expect(await a.next((f) => f.type === 'callEnded')).toMatchObject({ callId, reason: 'agent-ended' });
    const record = appliance.calls.record(callId)!;
    expect(record).toMatchObject({ endReason: 'agent-ended', chat: [{ from: 'customer', text: '你好，我的卡不見了' }] });
    expect(record.agentId).not.toBeNull();
    expect(Date.parse(record.endedAt!)).toBeGreaterThanOrEqual(Date.parse(record.answeredAt!));
    k.close();
    a.close();
    intruder.close();
  });

  it('holds the call for a side whose socket drops, resumes it when it returns, and ends it after the grace period', async () => {
    await agentSession('ws.agent2').then((cookie) => (agentCookie = cookie));
    const k = await kiosk();
    const a = await agent();
    const callId = ((await k.request('requestAgent', { lang: 'en' })).data as { callId: string }).callId;
    await k.next((f) => f.type === 'callStarted');

    k.close();
    expect(await a.next((f) => f.type === 'peerConnection')).toMatchObject({ connected: false, graceSeconds: 2 });
    const back = await kiosk();
    expect(await back.next((f) => f.type === 'callStarted')).toMatchObject({ callId, resumed: true });
    expect(await a.next((f) => f.type === 'peerConnection')).toMatchObject({ connected: true });

    back.close();
    expect(await a.next((f) => f.type === 'callEnded', 6000)).toMatchObject({ callId, reason: 'customer-lost' });
    expect(appliance.calls.record(callId)!.endReason).toBe('customer-lost');
    // The kiosk was away when its call ended: it is told as soon as it is back.
    const late = await kiosk();
    expect(await late.next((f) => f.type === 'callEnded')).toMatchObject({ callId, reason: 'customer-lost' });
    late.close();
    a.close();
  });

  it('moves a call whose mediasoup worker dies to another worker, and both sides rejoin it', async () => {
    agentCookie = await agentSession('ws.agent3');
    const k = await kiosk();
    const a = await agent();
    const callId = ((await k.request('requestAgent', { lang: 'en' })).data as { callId: string }).callId;
    await k.next((f) => f.type === 'callStarted');
    await a.next((f) => f.type === 'callStarted');
    const before = appliance.calls.activeCalls().find((c) => c.id === callId)!.media.workerPid;

    process.kill(before, 'SIGKILL');
    expect(await k.next((f) => f.type === 'callStarted', 10_000)).toMatchObject({ callId, resumed: true });
    expect(await a.next((f) => f.type === 'callStarted', 10_000)).toMatchObject({ callId, resumed: true });
    const after = appliance.calls.activeCalls().find((c) => c.id === callId)!.media.workerPid;
    expect(after).not.toBe(before);
    expect(((await k.request('createTransport')).data as { id: string }).id).toBeTruthy();
    await a.request('endCall');
    k.close();
    a.close();
  });

  it('records a waiting customer who leaves and does not come back as abandoned', async () => {
    const k = await kiosk();
    const callId = ((await k.request('requestAgent', { lang: 'en' })).data as { callId: string }).callId;
    k.close();
    await expect.poll(() => appliance.calls.record(callId)!.endReason, { timeout: 6000 }).toBe('abandoned');
  });
});
