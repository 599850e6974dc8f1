import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';
import { WsClient } from '../helpers/ws-client.js';

let appliance: TestAppliance;
let admin: TestClient;
let supervisor: TestClient;
/** Took the customer's call. */
let served: TestClient;
/** Another agent of the same groups, who never met this customer. */
let other: TestClient;
let sessionId: string;
let label: string;
let ownTicketId: string;
let manualTicketId: string;

async function staff(username: string, role: 'agent' | 'supervisor'): Promise<TestClient> {
  await admin.request('POST', '/api/admin/users', { username, displayName: username, role, language: 'en', password: `${username} password`, skillGroups: role === 'agent' ? ['logistics', 'general'] : [] });
  const client = new TestClient(appliance, '198.51.100.90');
  expect((await client.login(username, `${username} password`)).status).toBe(200);
  return client;
}

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1' });
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `ws://127.0.0.1:${(appliance.app.server.address() as AddressInfo).port}/ws`;
  admin = new TestClient(appliance, '198.51.100.91');
  await admin.login('admin', appliance.adminPassword);
  supervisor = await staff('authz.supervisor', 'supervisor');
  served = await staff('authz.served', 'agent');
  other = await staff('authz.other', 'agent');

  // A customer asks at the kiosk, is routed to an agent, and the call ends unresolved: a ticket opens.
  const token = (await admin.request('POST', '/api/admin/kiosks', { name: 'Authorization kiosk' })).body.token as string;
  const bearer = { authorization: `Bearer ${token}` };
  const kioskHttp = new TestClient(appliance, '198.51.100.92');
  sessionId = ((await kioskHttp.request('POST', '/api/kiosk/sessions', { lang: 'en' }, bearer)).body.session as { id: string }).id;
  const asked = await kioskHttp.request('POST', `/api/kiosk/sessions/${sessionId}/questions`, { text: 'How long does standard delivery take to Kaohsiung?' }, bearer);
  label = (asked.body.decision as { label: string }).label;
  expect(label).toMatch(/\./);

  const agentWs = await WsClient.open(url, { cookie: served.cookie! });
  await agentWs.next((f) => f.type === 'ready');
  expect((await served.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
  const kioskWs = await WsClient.open(url);
  kioskWs.send({ type: 'auth', kioskToken: token });
  await kioskWs.next((f) => f.type === 'ready');
  expect((await kioskWs.request('requestAgent', { lang: 'en', sessionId })).type).toBe('response');
  expect(await agentWs.next((f) => f.type === 'callStarted')).toMatchObject({ sessionId });
  expect((await agentWs.request('endCall')).type).toBe('response');
  await agentWs.next((f) => f.type === 'callEnded');
  // The ticket opens from a bus event after the wrap-up answers (or opened already, for a bot question left unanswered).
  const ticketOfSession = () => appliance.tickets.list().find((t) => t.sessionId === sessionId);
  const opened = new Promise<void>((resolve) => appliance.bus.on('knowledge.ticket.opened', () => ticketOfSession() && resolve()));
  expect((await served.request('POST', `/api/routing/sessions/${sessionId}/wrap-up`, { label, resolved: false })).status).toBe(200);
  if (!ticketOfSession()) await opened;
  ownTicketId = ticketOfSession()!.id;
  const manual = await supervisor.request('POST', '/api/knowledge/tickets', { question: 'Do you deliver to Kinmen?', intent: null, lang: 'en' });
  expect(manual.status).toBe(201);
  manualTicketId = (manual.body.ticket as { id: string }).id;
  agentWs.close();
  kioskWs.close();
}, 60_000);
afterAll(() => appliance.stop());

describe("a session's routed label", () => {
  it('is shown to the agent who took its call, to supervisors and admins, and to no other agent', async () => {
    const path = `/api/routing/sessions/${sessionId}/routed`;
    const own = await served.request('GET', path);
    expect(own.status).toBe(200);
    expect(own.body.routed).toMatchObject({ label });
    expect((await supervisor.request('GET', path)).body.routed).toMatchObject({ label });
    expect((await admin.request('GET', path)).status).toBe(200);
    const foreign = await other.request('GET', path);
    expect(foreign.status).toBe(403);
    expect(JSON.stringify(foreign.body)).not.toContain(label);
    // A session nobody served is nobody's to read among the agents.
    expect((await served.request('GET', '/api/routing/sessions/00000000-0000-4000-8000-000000000000/routed')).status).toBe(403);
  });
});

describe('knowledge tickets', () => {
  const ids = (body: Record<string, unknown>) => (body.tickets as { id: string }[]).map((t) => t.id).sort();

  it('are listed in full for supervisors and admins, and for an agent only those of sessions they served', async () => {
    expect(ids((await supervisor.request('GET', '/api/knowledge/tickets')).body)).toEqual([ownTicketId, manualTicketId].sort());
    expect(ids((await admin.request('GET', '/api/knowledge/tickets')).body)).toEqual([ownTicketId, manualTicketId].sort());
    const own = await served.request('GET', '/api/knowledge/tickets');
    expect(own.status).toBe(200);
    expect(ids(own.body)).toEqual([ownTicketId]);
    const foreign = await other.request('GET', '/api/knowledge/tickets?status=open');
    expect(foreign.status).toBe(200);
    expect(foreign.body.tickets).toEqual([]);
  });

  it('take comments from the agent who served the session and from supervisors; another agent is told there is no such ticket', async () => {
    const comment = (client: TestClient, id: string, text: string) => client.request('POST', `/api/knowledge/tickets/${id}/comments`, { text });
    expect((await comment(served, ownTicketId, 'The customer wanted Saturday delivery')).status).toBe(200);
    expect((await comment(supervisor, ownTicketId, 'Asking logistics')).status).toBe(200);
    const foreign = await comment(other, ownTicketId, 'let me see');
    expect(foreign.status).toBe(404);
    expect((await comment(served, manualTicketId, 'not mine')).status).toBe(404);
    expect(appliance.tickets.get(ownTicketId).comments.map((c) => c.by)).toEqual(['authz.served', 'authz.supervisor']);
    expect(appliance.tickets.get(manualTicketId).comments).toEqual([]);
  });
});
