import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';
import { WsClient, type Frame } from '../helpers/ws-client.js';

let appliance: TestAppliance;
let url: string;
let admin: TestClient;
let agents: { http: TestClient; ws: WsClient }[];

async function kiosk(name: string): Promise<{ id: string; ws: WsClient }> {
  const created = await admin.request('POST', '/api/admin/kiosks', { name });
  const ws = await WsClient.open(url);
  ws.send({ type: 'auth', kioskToken: created.body.token as string });
  await ws.next((f) => f.type === 'ready');
  return { id: (created.body.kiosk as { id: string }).id, ws };
}

async function agent(username: string): Promise<{ http: TestClient; ws: WsClient }> {
  await admin.request('POST', '/api/admin/users', { username, displayName: username, role: 'agent', language: 'en', password: 'one request pw', skillGroups: ['general'] });
  const http = new TestClient(appliance, '198.51.100.81');
  expect((await http.login(username, 'one request pw')).status).toBe(200);
  expect((await http.request('PUT', '/api/agent/presence', { state: 'away' })).status).toBe(200);
  const ws = await WsClient.open(url, { cookie: http.cookie! });
  await ws.next((f) => f.type === 'ready');
  return { http, ws };
}

/** Three requests written to the socket at once, as a double-tapping customer or a retrying client does. */
async function burst(ws: WsClient): Promise<Frame[]> {
  const reqIds = [101, 102, 103];
  for (const reqId of reqIds) ws.send({ type: 'requestAgent', reqId, lang: 'en' });
  return Promise.all(reqIds.map((reqId) => ws.next((f) => f.reqId === reqId)));
}

function callIdsOf(answers: Frame[]): string[] {
  return answers.filter((f) => f.type === 'response').map((f) => (f.data as { callId: string }).callId);
}

/**
 * Whether each agent was given a call: a round trip on each socket comes back after any callStarted the
 * server sent before it, so once distribution has settled the frames tell the whole story.
 */
async function startedFor(kioskName: string): Promise<number> {
  await appliance.calls.settled();
  let started = 0;
  for (const a of agents) {
    expect((await a.ws.request('noSuchRequest')).type).toBe('error');
    started += a.ws.frames.filter((f) => f.type === 'callStarted' && f.peerName === kioskName).length;
  }
  return started;
}

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1' });
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  url = `ws://127.0.0.1:${(appliance.app.server.address() as AddressInfo).port}/ws`;
  admin = new TestClient(appliance, '198.51.100.80');
  await admin.login('admin', appliance.adminPassword);
  agents = [await agent('burst.one'), await agent('burst.two')];
}, 60_000);
afterAll(() => appliance.stop());

describe('one open request per kiosk', () => {
  it('answers a burst of requests with one call id and errors for the rest; the queue counts one customer; one agent gets them', async () => {
    const k = await kiosk('Burst kiosk');
    const answers = await burst(k.ws);
    expect(callIdsOf(answers)).toHaveLength(1);
    expect(answers.filter((f) => f.type === 'error').map((f) => f.message)).toEqual(['this kiosk is already waiting or in a call', 'this kiosk is already waiting or in a call']);
    const [callId] = callIdsOf(answers);
    expect(appliance.calls.recentCalls(500).filter((c) => c.kioskId === k.id).map((c) => c.id)).toEqual([callId]);

    const wallboard = await admin.request('GET', '/api/metrics/wallboard');
    expect(wallboard.status).toBe(200);
    expect(wallboard.body).toMatchObject({ waiting: 1, waitingBySkill: { general: 1 } });

    // Two agents free at once: the kiosk is one customer, so one of them takes it and the other stays free.
    await Promise.all(agents.map((a) => a.http.request('PUT', '/api/agent/presence', { state: 'available' })));
    expect(await k.ws.next((f) => f.type === 'callStarted')).toMatchObject({ callId });
    expect(await startedFor('Burst kiosk')).toBe(1);
    expect(appliance.calls.activeCalls().filter((c) => c.kioskId === k.id)).toHaveLength(1);
    expect((await admin.request('GET', '/api/metrics/wallboard')).body).toMatchObject({ waiting: 0, activeCalls: 1 });

    expect((await k.ws.request('endCall')).type).toBe('response');
    await k.ws.next((f) => f.type === 'callEnded');
    k.ws.close();
  });

  it('connects a burst to one agent when two are already waiting for customers', async () => {
    await Promise.all(agents.map((a) => a.http.request('PUT', '/api/agent/presence', { state: 'available' })));
    const k = await kiosk('Eager kiosk');
    const answers = await burst(k.ws);
    expect(callIdsOf(answers)).toHaveLength(1);
    await k.ws.next((f) => f.type === 'callStarted');
    expect(await startedFor('Eager kiosk')).toBe(1);
    expect(appliance.calls.activeCalls().filter((c) => c.kioskId === k.id)).toHaveLength(1);
    expect(appliance.calls.recentCalls(500).filter((c) => c.kioskId === k.id)).toHaveLength(1);
    k.ws.close();
  });
});
