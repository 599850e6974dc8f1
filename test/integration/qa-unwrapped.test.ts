import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';
import { WsClient } from '../helpers/ws-client.js';

let appliance: TestAppliance;
let url: string;
let admin: TestClient;

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1', BRANCHLINE_QA_UNWRAPPED_MINUTES: '0' });
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  url = `ws://127.0.0.1:${(appliance.app.server.address() as AddressInfo).port}/ws`;
  admin = new TestClient(appliance, '198.51.100.95');
  await admin.login('admin', appliance.adminPassword);
}, 60_000);
afterAll(() => appliance.stop());

async function kiosk(): Promise<{ ws: WsClient; sessionId: string }> {
  const token = (await admin.request('POST', '/api/admin/kiosks', { name: `Unwrapped ${Math.random()}` })).body.token as string;
  const http = new TestClient(appliance, '198.51.100.96');
  const sessionId = ((await http.request('POST', '/api/kiosk/sessions', { lang: 'en' }, { authorization: `Bearer ${token}` })).body.session as { id: string }).id;
  const ws = await WsClient.open(url);
  ws.send({ type: 'auth', kioskToken: token });
  await ws.next((f) => f.type === 'ready');
  return { ws, sessionId };
}

/** The session's scorecard, once quality inspection has made it: it scores an ended call on a timer of its own. */
const scored = (sessionId: string) =>
  vi.waitFor(
    () => {
      const card = appliance.quality.list({ limit: 500 }).find((c) => c.sessionId === sessionId);
      if (!card) throw new Error(`session ${sessionId} has no scorecard yet`);
      return card;
    },
    { timeout: 10_000, interval: 50 },
  );

it('inspects a call its agent never wrapped up, and a request abandoned in the queue', async () => {
  await admin.request('POST', '/api/admin/users', { username: 'no.wrap', displayName: 'No Wrap', language: 'en', password: 'no wrap password', skillGroups: ['general'] });
  const agent = new TestClient(appliance, '198.51.100.97');
  await agent.login('no.wrap', 'no wrap password');
  const agentWs = await WsClient.open(url, { cookie: agent.cookie! });
  await agentWs.next((f) => f.type === 'ready');
  await agent.request('PUT', '/api/agent/presence', { state: 'available' });

  const served = await kiosk();
  await served.ws.request('requestAgent', { lang: 'en', sessionId: served.sessionId });
  await agentWs.next((f) => f.type === 'callStarted');
  await agentWs.request('chat', { text: 'Hello, welcome!' });
  await agentWs.request('endCall');
  const card = await scored(served.sessionId);
  expect(card).toMatchObject({ agentId: expect.any(String), formVersion: 1 });
  expect(card.items.find((i) => i.questionId === 'greeting')!.score).toBe(1);
  expect(card.items.find((i) => i.questionId === 'resolution')!.score).toBeNull();

  const gaveUp = await kiosk();
  await gaveUp.ws.request('requestAgent', { lang: 'en', sessionId: gaveUp.sessionId });
  await gaveUp.ws.request('cancelRequest');
  const abandoned = await scored(gaveUp.sessionId);
  expect(abandoned).toMatchObject({ agentId: null, callId: null });
  for (const ws of [agentWs, served.ws, gaveUp.ws]) ws.close();
});
