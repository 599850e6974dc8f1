import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';
import { WsClient } from '../helpers/ws-client.js';

let appliance: TestAppliance;
let admin: TestClient;
let url: string;

async function staff(username: string, role: 'agent' | 'supervisor', skillGroups: string[] = []): Promise<{ http: TestClient; ws: WsClient }> {
  await admin.request('POST', '/api/admin/users', { username, displayName: username, role, language: 'zh-Hant', password: `${username} password`, skillGroups });
  const http = new TestClient(appliance, '198.51.100.80');
  expect((await http.login(username, `${username} password`)).status).toBe(200);
  const ws = await WsClient.open(url, { cookie: http.cookie! });
  await ws.next((f) => f.type === 'ready');
  return { http, ws };
}

async function kiosk(name: string): Promise<{ id: string; bearer: Record<string, string>; ws: WsClient; http: TestClient }> {
  const created = await admin.request('POST', '/api/admin/kiosks', { name });
  const token = created.body.token as string;
  const ws = await WsClient.open(url);
  ws.send({ type: 'auth', kioskToken: token });
  await ws.next((f) => f.type === 'ready');
  return { id: (created.body.kiosk as { id: string }).id, bearer: { authorization: `Bearer ${token}` }, ws, http: new TestClient(appliance, '198.51.100.81') };
}

async function session(k: Awaited<ReturnType<typeof kiosk>>, question: string): Promise<string> {
  const id = ((await k.http.request('POST', '/api/kiosk/sessions', { lang: 'zh-Hant' }, k.bearer)).body.session as { id: string }).id;
  await k.http.request('POST', `/api/kiosk/sessions/${id}/questions`, { text: question }, k.bearer);
  return id;
}

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1' });
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  url = `ws://127.0.0.1:${(appliance.app.server.address() as AddressInfo).port}/ws`;
  admin = new TestClient(appliance, '198.51.100.79');
  await admin.login('admin', appliance.adminPassword);
}, 60_000);
afterAll(() => appliance.stop());

describe('emotion alerts', () => {
  it('warns the agent and the supervisor within a second of an angry message, with evidence and a phrase in the agent language', async () => {
    const agent = await staff('calm.agent', 'agent', ['logistics', 'general']);
    const supervisor = await staff('floor.supervisor', 'supervisor');
    expect((await agent.http.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
    const k = await kiosk('Angry kiosk');
    const sessionId = await session(k, '我的包裹寄到哪裡了');
    await k.ws.request('requestAgent', { lang: 'zh-Hant', sessionId });
    const started = await agent.ws.next((f) => f.type === 'callStarted');

    const sent = Date.now();
    await k.ws.request('chat', { text: '我要投訴！等了三個禮拜，太離譜了' });
    const alert = await agent.ws.next((f) => f.type === 'alert', 1000);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(alert).toMatchObject({ kioskName: 'Angry kiosk', alert: { level: 'red', rule: 'explicit-trigger', reason: 'customer mentions complaint', callId: started.callId, sessionId, evidence: { channel: 'text' } } });
    expect((alert.alert as { suggestion: Record<string, string> }).suggestion['zh-Hant']).toMatch(/理解您的不滿/);
    expect((alert.alert as { evidence: { detail: string } }).evidence.detail).toContain('投訴');
    expect(await supervisor.ws.next((f) => f.type === 'alert', 1000)).toMatchObject({ alert: { sessionId } });
    expect(await agent.ws.next((f) => f.type === 'emotion')).toMatchObject({ sessionId, fused: { label: expect.any(String) } });

    const timeline = (await agent.http.request('GET', `/api/sense/sessions/${sessionId}/timeline`)).body.timeline as { channel: string; fused: { valence: number } }[];
    expect(timeline.length).toBeGreaterThanOrEqual(2);
    expect(timeline.at(-1)!.fused.valence).toBeLessThan(0);
    expect(appliance.router.sessionById(sessionId)!.escalatedAt).not.toBeNull();
    expect((await supervisor.http.request('GET', '/api/sense/alerts')).body.alerts).toEqual(expect.arrayContaining([expect.objectContaining({ sessionId, rule: 'explicit-trigger' })]));
    expect((await agent.http.request('GET', '/api/sense/alerts')).status).toBe(403);
    await agent.ws.request('endCall');
    for (const ws of [agent.ws, supervisor.ws, k.ws]) ws.close();
  });

  it('moves a waiting customer who gets upset up the queue', async () => {
    const agent = await staff('queue.watcher', 'agent', ['logistics']);
    const first = await kiosk('Patient kiosk');
    const second = await kiosk('Upset kiosk');
    const patient = await session(first, 'How long does standard delivery take to Kaohsiung?');
    const upset = await session(second, 'How long does standard delivery take to Taichung?');
    await first.ws.request('requestAgent', { lang: 'en', sessionId: patient });
    await second.ws.request('requestAgent', { lang: 'en', sessionId: upset });
    await second.http.request('POST', `/api/kiosk/sessions/${upset}/questions`, { text: 'This is ridiculous and unacceptable, I am furious!!' }, second.bearer);
    const queue = await agent.ws.next((f) => f.type === 'queue' && (f.waiting as { kioskName: string }[])[0]?.kioskName === 'Upset kiosk');
    expect((queue.waiting as { kioskName: string; priority: number }[]).map((w) => [w.kioskName, w.priority])).toEqual([['Upset kiosk', 1], ['Patient kiosk', 0]]);
    for (const ws of [agent.ws, first.ws, second.ws]) ws.close();
  });

  it('analyses nothing for a kiosk whose analysis is switched off', async () => {
    const k = await kiosk('Private kiosk');
    expect((await admin.request('PUT', `/api/admin/kiosks/${k.id}/analysis`, { enabled: false })).body).toMatchObject({ kiosk: { analysisEnabled: false } });
    expect((await k.http.request('GET', '/api/kiosk/me', undefined, k.bearer)).body).toMatchObject({ kiosk: { analysisEnabled: false } });
    const counts = () => appliance.journal.db.prepare('SELECT (SELECT count(*) FROM sense_events), (SELECT count(*) FROM sense_alerts)').raw().get();
    const before = counts();
    await session(k, '我要投訴，你們太離譜了！');
    expect(counts()).toEqual(before);
    expect((await admin.request('PUT', `/api/admin/kiosks/${k.id}/analysis`, { enabled: 'no' })).status).toBe(400);
    expect((await admin.request('PUT', '/api/admin/kiosks/00000000-0000-4000-8000-000000000000/analysis', { enabled: true })).status).toBe(404);
    k.ws.close();
  });
});
