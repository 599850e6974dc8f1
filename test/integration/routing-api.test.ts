import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';
import { WsClient } from '../helpers/ws-client.js';

let appliance: TestAppliance;
let admin: TestClient;
let kiosk: TestClient;
let bearer: Record<string, string>;
let otherBearer: Record<string, string>;
let url: string;

async function kioskToken(name: string): Promise<string> {
  return (await admin.request('POST', '/api/admin/kiosks', { name })).body.token as string;
}

async function startSession(headers = bearer, lang = 'en'): Promise<string> {
  const res = await kiosk.request('POST', '/api/kiosk/sessions', { lang }, headers);
  expect(res.status).toBe(201);
  return (res.body.session as { id: string }).id;
}

async function staff(username: string, role: 'agent' | 'supervisor', skillGroups: string[] = []): Promise<TestClient> {
  await admin.request('POST', '/api/admin/users', { username, displayName: username, role, language: 'en', password: `${username} password`, skillGroups });
  const client = new TestClient(appliance, '198.51.100.60');
  expect((await client.login(username, `${username} password`)).status).toBe(200);
  return client;
}

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1', BRANCHLINE_ROUTING_OVERFLOW_SECONDS: '3600' });
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  url = `ws://127.0.0.1:${(appliance.app.server.address() as AddressInfo).port}/ws`;
  admin = new TestClient(appliance, '198.51.100.50');
  await admin.login('admin', appliance.adminPassword);
  bearer = { authorization: `Bearer ${await kioskToken('Routing kiosk')}` };
  otherBearer = { authorization: `Bearer ${await kioskToken('Other kiosk')}` };
  kiosk = new TestClient(appliance, '198.51.100.51');
}, 60_000);
afterAll(() => appliance.stop());

describe('routing a kiosk question', () => {
  it('answers a bot-tier question, routes a specialist one, asks when unsure, stores every decision with its reasons', async () => {
    const id = await startSession(bearer, 'zh-Hant');
    const hours = await kiosk.request('POST', `/api/kiosk/sessions/${id}/questions`, { text: '請問你們營業時間是幾點到幾點？' }, bearer);
    expect(hours.status).toBe(200);
    expect(hours.body).toMatchObject({ decision: { kind: 'bot', label: 'general.hours.opening_hours', rules: ['bot-tier'] }, answer: { exposureId: expect.any(String), title: expect.any(String), body: expect.any(String) } });
    // The customer says the answer helped: the shown article's success count grows.
    const exposureId = (hours.body.answer as { exposureId: string }).exposureId;
    expect((await kiosk.request('POST', `/api/kiosk/sessions/${id}/feedback`, { exposureId, helpful: true }, bearer)).status).toBe(200);
    expect(appliance.knowledge.ledger.exposure(exposureId)).toMatchObject({ outcome: 'success', outcomeBy: 'customer', sessionId: id });
    expect((await kiosk.request('POST', `/api/kiosk/sessions/${id}/feedback`, { exposureId, helpful: false }, bearer)).status).toBe(409);
    const stored = appliance.router.recentSessions(10).find((s) => s.id === id)!;
    expect(stored.decisions[0]).toMatchObject({ text: '請問你們營業時間是幾點到幾點？', label: 'general.hours.opening_hours', explanation: expect.stringContaining('general.hours.opening_hours') });
    expect(stored.firstResponseAt).toBe(stored.botAnsweredAt);

    const complaint = await kiosk.request('POST', `/api/kiosk/sessions/${id}/questions`, { text: '我要投訴！包裹寄丟了三個禮拜都沒人處理' }, bearer);
    expect(complaint.body).toMatchObject({ decision: { kind: 'queue', route: { priority: 1 } } });
    expect((complaint.body.decision as { rules: string[] }).rules).toContain('complaint-wording');
  });

  it('identifies a VIP by card number and a customer by phone, and routes the VIP to the VIP line', async () => {
    const created = await admin.request('POST', '/api/admin/customers', { name: 'Test VIP', tier: 'vip', cardNumber: '4111 1111 1111 1111' });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain('4111111111111111');
    const id = await startSession();
    const found = await kiosk.request('POST', `/api/kiosk/sessions/${id}/identify`, { method: 'card', value: '4111-1111-1111-1111' }, bearer);
    expect(found.body).toEqual({ customer: { name: 'Test VIP', tier: 'vip' } });
    const asked = await kiosk.request('POST', `/api/kiosk/sessions/${id}/questions`, { text: 'I would like to raise the credit limit on my card' }, bearer);
    expect(asked.body).toMatchObject({ decision: { route: { vipLine: true, priority: 2 } } });
    expect((asked.body.decision as { rules: string[] }).rules).toContain('vip-customer');
    // Demo customers exist from the first start; phone numbers are matched ignoring spaces.
    const phone = await kiosk.request('POST', `/api/kiosk/sessions/${id}/identify`, { method: 'phone', value: '9123 4567' }, bearer);
    expect(phone.body).toEqual({ customer: { name: 'Alex Chan', tier: 'standard' } });
  });

  it('refuses bad input to every routing endpoint and changes nothing', async () => {
    const id = await startSession();
    const before = JSON.stringify(appliance.router.recentSessions(500));
    const customersBefore = (await admin.request('GET', '/api/admin/customers')).body;
    const cases: [string, string, unknown, Record<string, string>, number, RegExp][] = [
      ['POST', '/api/kiosk/sessions', { lang: 'fr' }, bearer, 400, /lang/],
      ['POST', '/api/kiosk/sessions', { lang: 'en', extra: 1 }, bearer, 400, /extra|Unrecognized/i],
      ['POST', '/api/kiosk/sessions', { lang: 'en' }, { authorization: 'Bearer bk_forged.token' }, 401, /./],
      ['POST', `/api/kiosk/sessions/${id}/questions`, { text: '' }, bearer, 400, /type a question/],
      ['POST', `/api/kiosk/sessions/${id}/questions`, { text: 42 }, bearer, 400, /text/],
      ['POST', `/api/kiosk/sessions/${id}/questions`, { text: 'x'.repeat(501) }, bearer, 400, /text/],
      ['POST', `/api/kiosk/sessions/${id}/questions`, { text: 'hello' }, otherBearer, 404, /no such session at this kiosk/],
      ['POST', '/api/kiosk/sessions/00000000-0000-4000-8000-000000000000/questions', { text: 'hello' }, bearer, 404, /no such session/],
      ['POST', '/api/kiosk/sessions/not-a-uuid/questions', { text: 'hello' }, bearer, 400, /id must be a UUID/],
      ['POST', `/api/kiosk/sessions/${id}/choice`, { label: 'general.hours.opening_hours' }, bearer, 409, /no question to choose/],
      ['POST', `/api/kiosk/sessions/${id}/feedback`, { exposureId: '00000000-0000-4000-8000-000000000000', helpful: true }, bearer, 404, /no such answer in this session/],
      ['POST', `/api/kiosk/sessions/${id}/feedback`, { exposureId: 'nope', helpful: true }, bearer, 400, /exposureId must be a UUID/],
      ['POST', `/api/kiosk/sessions/${id}/identify`, { method: 'card', value: '1234' }, bearer, 400, /12 to 19 digits/],
      ['POST', `/api/kiosk/sessions/${id}/identify`, { method: 'email', value: 'a@b.c' }, bearer, 400, /method/],
      ['POST', `/api/kiosk/sessions/${id}/identify`, { method: 'phone', value: '0000000000' }, bearer, 404, /no customer with that phone number/],
      ['POST', '/api/admin/customers', { name: 'No number', tier: 'vip' }, {}, 400, /card number or a phone number/],
      ['POST', '/api/admin/customers', { name: 'Bad tier', tier: 'platinum', phone: '12345678' }, {}, 400, /tier/],
      ['POST', '/api/admin/customers', { name: 'Duplicate', tier: 'standard', phone: '91234567' }, {}, 409, /exists/],
    ];
    for (const [method, path, body, headers, status, message] of cases) {
      const client = path.startsWith('/api/admin') ? admin : kiosk;
      const res = await client.request(method, path, body, headers);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(String(res.body.message)).toMatch(message);
    }
    const malformed = await appliance.app.inject({ method: 'POST', url: `/api/kiosk/sessions/${id}/questions`, headers: { ...bearer, 'content-type': 'application/json' }, payload: '{"text": ' });
    expect(malformed.statusCode).toBe(400);
    const huge = await appliance.app.inject({ method: 'POST', url: `/api/kiosk/sessions/${id}/questions`, headers: { ...bearer, 'content-type': 'application/json' }, payload: JSON.stringify({ text: 'x'.repeat(100_000) }) });
    expect(huge.statusCode).toBe(413);
    expect(JSON.stringify(appliance.router.recentSessions(500))).toBe(before);
    expect((await admin.request('GET', '/api/admin/customers')).body).toEqual(customersBefore);

    const agent = await staff('routing.agent', 'agent');
    expect((await agent.request('POST', `/api/routing/sessions/${id}/wrap-up`, { label: 'general.hours.opening_hours', resolved: true })).status).toBe(403);
    const supervisor = await staff('routing.supervisor', 'supervisor');
    expect((await supervisor.request('POST', `/api/routing/sessions/${id}/wrap-up`, { label: 'no.such.label', resolved: true })).body.message).toBe('unknown intent label');
    expect((await supervisor.request('POST', `/api/routing/sessions/${id}/wrap-up`, { label: 'general.hours.opening_hours', resolved: 'yes' })).status).toBe(400);
    expect((await supervisor.request('GET', '/api/routing/labels?lang=fr')).status).toBe(400);
    expect((await supervisor.request('GET', '/api/routing/sessions?limit=0')).status).toBe(400);
    expect((await supervisor.request('GET', '/api/routing/sessions/not-a-uuid/routed')).status).toBe(400);
    expect((await supervisor.request('POST', '/api/routing/sessions/00000000-0000-4000-8000-000000000000/wrap-up', { label: 'general.hours.opening_hours', resolved: true })).status).toBe(404);
    expect((await kiosk.request('GET', '/api/routing/measures', undefined, bearer)).status).toBe(401);
    expect((await agent.request('GET', '/api/admin/customers')).status).toBe(403);
  });

  it('pauses look-ups from a kiosk that keeps trying unknown numbers', async () => {
    const id = await startSession(otherBearer);
    for (let i = 0; i < 10; i++) {
      expect((await kiosk.request('POST', `/api/kiosk/sessions/${id}/identify`, { method: 'card', value: `40000000000000${10 + i}` }, otherBearer)).status).toBe(404);
    }
    const paused = await kiosk.request('POST', `/api/kiosk/sessions/${id}/identify`, { method: 'phone', value: '91234567' }, otherBearer);
    expect(paused.status).toBe(429);
    expect(Number(paused.headers['retry-after'])).toBeGreaterThan(0);
    // Other kiosks are not affected.
    const mine = await startSession();
    expect((await kiosk.request('POST', `/api/kiosk/sessions/${mine}/identify`, { method: 'phone', value: '91234567' }, bearer)).status).toBe(200);
  });
});

describe('queues over the real signalling', () => {
  it('connects the VIP-line customer first, then a raised complaint, then the longest waiting, and records matching at wrap-up', async () => {
    const agentHttp = await staff('queue.agent', 'agent', ['logistics', 'general']);
    const agentWs = await WsClient.open(url, { cookie: agentHttp.cookie! });
    await agentWs.next((f) => f.type === 'ready');
    const kiosks = await Promise.all(['Queue kiosk A', 'Queue kiosk B', 'Queue kiosk C'].map(kioskToken));
    const sockets = await Promise.all(
      kiosks.map(async (token) => {
        const ws = await WsClient.open(url);
        ws.send({ type: 'auth', kioskToken: token });
        await ws.next((f) => f.type === 'ready');
        return ws;
      }),
    );
    const headers = kiosks.map((token) => ({ authorization: `Bearer ${token}` }));
    const ask = async (i: number, text: string, route: object) => {
      const id = await startSession(headers[i]);
      const res = await kiosk.request('POST', `/api/kiosk/sessions/${id}/questions`, { text }, headers[i]);
      expect(res.body).toMatchObject({ decision: { route } });
      return id;
    };
    const plain = await ask(0, 'How long does standard delivery take to Kaohsiung?', { skill: 'logistics', vipLine: false, priority: 0 });
    const angry = await ask(1, 'I want to make a complaint, my parcel tracking has not updated for a week', { skill: 'logistics', vipLine: false, priority: 1 });
    const vip = await startSession(headers[2]);
    await kiosk.request('POST', `/api/kiosk/sessions/${vip}/identify`, { method: 'phone', value: '0912345678' }, headers[2]);

    for (const [i, sessionId] of [[0, plain], [1, angry], [2, vip]] as const) {
      expect((await sockets[i]!.request('requestAgent', { lang: 'en', sessionId })).type).toBe('response');
    }
    expect((await sockets[2]!.next((f) => f.type === 'queued')).position).toBe(1);
    const agentQueue = await agentWs.next((f) => f.type === 'queue' && (f.waiting as unknown[]).length === 3);
    expect((agentQueue.waiting as { kioskName: string }[]).map((w) => w.kioskName)).toEqual(['Queue kiosk C', 'Queue kiosk B', 'Queue kiosk A']);

    const order: string[] = [];
    for (let round = 0; round < 3; round++) {
      expect((await agentHttp.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
      const started = await agentWs.next((f) => f.type === 'callStarted');
      order.push(started.peerName as string);
      const sessionId = started.sessionId as string;
      const routed = (await agentHttp.request('GET', `/api/routing/sessions/${sessionId}/routed`)).body.routed as { label: string } | null;
      await agentWs.request('endCall');
      await agentWs.next((f) => f.type === 'callEnded');
      const label = routed?.label ?? 'general.chitchat.human_agent';
      expect((await agentHttp.request('POST', `/api/routing/sessions/${sessionId}/wrap-up`, { label: round === 0 ? 'general.chitchat.human_agent' : label, resolved: true })).status).toBe(200);
    }
    expect(order).toEqual(['Queue kiosk C', 'Queue kiosk B', 'Queue kiosk A']);
    const supervisor = await staff('queue.supervisor', 'supervisor');
    const measures = (await supervisor.request('GET', '/api/routing/measures')).body;
    expect(measures.reviewed).toBeGreaterThanOrEqual(3);
    expect(measures.matchingAccuracy).toBeGreaterThan(0);
    expect(measures.matchingAccuracy).toBeLessThan(1);
    agentWs.close();
    for (const ws of sockets) ws.close();
  }, 60_000);
});
