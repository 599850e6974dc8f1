import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_FORM } from '../../device/qa/index.js';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';
import { WsClient } from '../helpers/ws-client.js';

let appliance: TestAppliance;
let admin: TestClient;
let url: string;

async function staff(username: string, role: 'agent' | 'supervisor') {
  await admin.request('POST', '/api/admin/users', { username, displayName: username, role, language: 'en', password: `${username} password`, skillGroups: ['general', 'logistics'] });
  const http = new TestClient(appliance, '198.51.100.90');
  expect((await http.login(username, `${username} password`)).status).toBe(200);
  return http;
}

/** A kiosk session answered by the agent, with chat, wrapped up; resolves with the session id. */
async function servedSession(agent: TestClient, agentWs: WsClient, lines: [string, string][], resolved: boolean): Promise<string> {
  const token = (await admin.request('POST', '/api/admin/kiosks', { name: `QA kiosk ${Math.random()}` })).body.token as string;
  const bearer = { authorization: `Bearer ${token}` };
  const kiosk = new TestClient(appliance, '198.51.100.91');
  const sessionId = ((await kiosk.request('POST', '/api/kiosk/sessions', { lang: 'en' }, bearer)).body.session as { id: string }).id;
  await kiosk.request('POST', `/api/kiosk/sessions/${sessionId}/questions`, { text: 'How long does standard delivery take to Kaohsiung?' }, bearer);
  const ws = await WsClient.open(url);
  ws.send({ type: 'auth', kioskToken: token });
  await ws.next((f) => f.type === 'ready');
  await agent.request('PUT', '/api/agent/presence', { state: 'available' });
  await ws.request('requestAgent', { lang: 'en', sessionId });
  await agentWs.next((f) => f.type === 'callStarted');
  for (const [from, text] of lines) await (from === 'agent' ? agentWs : ws).request('chat', { text });
  await agentWs.request('endCall');
  await agentWs.next((f) => f.type === 'callEnded');
  expect((await agent.request('POST', `/api/routing/sessions/${sessionId}/wrap-up`, { label: 'ecommerce.logistics.delivery_time_estimate', resolved })).status).toBe(200);
  ws.close();
  return sessionId;
}

type Scorecard = { id: string; sessionId: string; formVersion: number; total: number; effectiveTotal: number; items: { questionId: string; score: number | null; evidence: unknown[] }[] };

/** The session's scorecard as `client` sees it through the API, once inspection has scored the wrapped-up session. */
function scorecardOf(client: TestClient, sessionId: string): Promise<Scorecard> {
  return vi.waitFor(
    async () => {
      const cards = (await client.request('GET', '/api/qa/scorecards')).body.scorecards as Scorecard[];
      const card = cards.find((c) => c.sessionId === sessionId);
      if (!card) throw new Error(`session ${sessionId} has no scorecard yet`);
      return card;
    },
    // "Within seconds": inspection waits a moment after the wrap-up for the session's closing events.
    { timeout: 10_000, interval: 50 },
  );
}

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1' });
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  url = `ws://127.0.0.1:${(appliance.app.server.address() as AddressInfo).port}/ws`;
  admin = new TestClient(appliance, '198.51.100.89');
  await admin.login('admin', appliance.adminPassword);
}, 60_000);
afterAll(() => appliance.stop());

describe('quality inspection of every session', () => {
  it('scores a wrapped-up session within seconds, with evidence, and keeps the form version through edits, overrides and disputes', async () => {
    const agent = await staff('qa.agent', 'agent');
    const other = await staff('qa.other', 'agent');
    const supervisor = await staff('qa.supervisor', 'supervisor');
    const agentWs = await WsClient.open(url, { cookie: agent.cookie! });
    await agentWs.next((f) => f.type === 'ready');

    const first = await servedSession(agent, agentWs, [['agent', 'Hello and welcome, how can I help?'], ['customer', 'When will my parcel arrive?'], ['agent', 'I understand, it arrives tomorrow. Is there anything else?'], ['agent', 'Thank you, goodbye!']], true);
    const card = await scorecardOf(supervisor, first);
    expect(card.formVersion).toBe(1);
    expect(card.items).toHaveLength(20);
    const item = (id: string) => card.items.find((i) => i.questionId === id)!;
    expect(item('greeting')).toMatchObject({ score: 1, evidence: [{ quote: 'Hello and welcome, how can I help?' }] });
    expect(item('resolution').score).toBe(1);
    expect(item('csat').score).toBeNull();
    expect(item('ticket-when-unresolved').score).toBeNull();
    expect(card.total).toBeGreaterThan(60);

    // The agent sees their own scorecards only; the other agent sees none of them.
    expect(((await agent.request('GET', '/api/qa/scorecards')).body.scorecards as unknown[]).length).toBe(1);
    expect(((await other.request('GET', '/api/qa/scorecards')).body.scorecards as unknown[]).length).toBe(0);
    expect((await other.request('GET', `/api/qa/scorecards/${card.id}`)).status).toBe(403);

    const overridden = await supervisor.request('POST', `/api/qa/scorecards/${card.id}/override`, { questionId: 'empathy', score: 0, reason: 'Scripted phrase, no real empathy' });
    expect(overridden.status).toBe(200);
    expect((overridden.body.scorecard as { effectiveTotal: number }).effectiveTotal).toBeLessThan(card.total);
    expect((await other.request('POST', `/api/qa/scorecards/${card.id}/dispute`, { questionId: 'empathy', reason: 'not mine' })).status).toBe(403);
    const disputed = await agent.request('POST', `/api/qa/scorecards/${card.id}/dispute`, { questionId: 'empathy', reason: 'I did acknowledge the delay' });
    expect(disputed.body.scorecard).toMatchObject({ overrides: [{ questionId: 'empathy', score: 0, by: 'qa.supervisor' }], disputes: [{ questionId: 'empathy', reason: 'I did acknowledge the delay' }] });
    expect((await supervisor.request('POST', `/api/qa/scorecards/${card.id}/override`, { questionId: 'nope', score: 1, reason: 'x' })).status).toBe(400);
    expect((await supervisor.request('POST', `/api/qa/scorecards/${card.id}/override`, { questionId: 'empathy', score: 2, reason: 'x' })).status).toBe(400);

    // A new form version: fewer questions; the next session is scored on it, the first keeps version 1.
    const edited = { name: 'Short form', sections: [{ ...DEFAULT_FORM.sections[0]!, questions: DEFAULT_FORM.sections[0]!.questions.slice(0, 2) }, DEFAULT_FORM.sections[3]!] };
    expect((await agent.request('PUT', '/api/qa/form', edited)).status).toBe(403);
    expect((await supervisor.request('PUT', '/api/qa/form', { name: '', sections: [] })).status).toBe(400);
    expect((await supervisor.request('PUT', '/api/qa/form', edited)).body).toMatchObject({ form: { version: 2, name: 'Short form' } });
    const second = await servedSession(agent, agentWs, [['customer', 'Is it late?']], false);
    const secondCard = await scorecardOf(supervisor, second);
    expect(secondCard.formVersion).toBe(2);
    expect(secondCard.items.map((i) => i.questionId)).toEqual(['greeting', 'identification', 'resolution', 'ticket-when-unresolved', 'routing-confirmed', 'transfers']);
    expect(secondCard.items.find((i) => i.questionId === 'ticket-when-unresolved')!.score).toBe(1);
    const firstAgain = (await supervisor.request('GET', `/api/qa/scorecards/${card.id}`)).body as { scorecard: { formVersion: number }; form: { version: number; sections: unknown[] } };
    expect(firstAgain.scorecard.formVersion).toBe(1);
    expect(firstAgain.form.version).toBe(1);
    expect(firstAgain.form.sections).toHaveLength(5);
    agentWs.close();
  }, 60_000);
});
