import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';

let appliance: TestAppliance;
let admin: TestClient;
let kiosk: TestClient;
let bearer: Record<string, string>;

async function staff(username: string, role: 'agent' | 'supervisor'): Promise<TestClient> {
  await admin.request('POST', '/api/admin/users', { username, displayName: username, role, language: 'en', password: `${username} password`, skillGroups: ['cards'] });
  const client = new TestClient(appliance, '198.51.100.70');
  expect((await client.login(username, `${username} password`)).status).toBe(200);
  return client;
}

/** A kiosk session whose question was routed to the lost-card intent. */
async function lostCardSession(): Promise<string> {
  const started = await kiosk.request('POST', '/api/kiosk/sessions', { lang: 'en' }, bearer);
  const id = (started.body.session as { id: string }).id;
  expect((await kiosk.request('POST', `/api/kiosk/sessions/${id}/questions`, { text: 'I lost my credit card, please block it' }, bearer)).status).toBe(200);
  return id;
}

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1', BRANCHLINE_ROUTING_OVERFLOW_SECONDS: '3600' });
  admin = new TestClient(appliance, '198.51.100.71');
  await admin.login('admin', appliance.adminPassword);
  bearer = { authorization: `Bearer ${(await admin.request('POST', '/api/admin/kiosks', { name: 'Knowledge kiosk' })).body.token as string}` };
  kiosk = new TestClient(appliance, '198.51.100.72');
}, 60_000);
afterAll(() => appliance.stop());

describe('agent recommendations over HTTP', () => {
  it('are fetched without writing anything and recorded as shown only when the page says so, once per session', async () => {
    const supervisor = await staff('kb.super', 'supervisor');
    const id = await lostCardSession();
    const before = appliance.knowledge.exposuresOf(id);
    const fetched = await supervisor.request('GET', `/api/knowledge/recommendations?sessionId=${id}`);
    expect(fetched.status).toBe(200);
    const recommendations = fetched.body.recommendations as { articleId: string; version: number }[];
    expect(recommendations).toHaveLength(3);
    expect(await supervisor.request('GET', `/api/knowledge/recommendations?sessionId=${id}`)).toMatchObject({ status: 200 });
    expect(appliance.knowledge.exposuresOf(id)).toEqual(before);

    const shown = { sessionId: id, articles: recommendations.map((r) => ({ articleId: r.articleId, version: r.version })) };
    const posted = await supervisor.request('POST', '/api/knowledge/exposures', shown);
    expect(posted.status).toBe(201);
    const exposures = posted.body.exposures as { id: string; articleId: string; audience: string; rank: number; intent: string | null }[];
    expect(exposures.map((e) => [e.articleId, e.audience, e.rank])).toEqual(recommendations.map((r, i) => [r.articleId, 'agent', i + 1]));
    expect(exposures.map((e) => e.intent)).toEqual(recommendations.map(() => fetched.body.intent));
    // The page reloaded: the same showing, not a second one.
    expect((await supervisor.request('POST', '/api/knowledge/exposures', shown)).body.exposures).toEqual(posted.body.exposures);
    expect(appliance.knowledge.exposuresOf(id).filter((e) => e.audience === 'agent').map((e) => e.id)).toEqual(exposures.map((e) => e.id));
  });

  it('refuses agents who did not take the session and input that is not a bounded list of real article versions', async () => {
    const supervisor = await staff('kb.super2', 'supervisor');
    const agent = await staff('kb.agent', 'agent');
    const id = await lostCardSession();
    const [first] = (await supervisor.request('GET', `/api/knowledge/recommendations?sessionId=${id}`)).body.recommendations as { articleId: string; version: number }[];
    const article = { articleId: first!.articleId, version: first!.version };
    expect((await agent.request('GET', `/api/knowledge/recommendations?sessionId=${id}`)).status).toBe(403);
    expect((await agent.request('POST', '/api/knowledge/exposures', { sessionId: id, articles: [article] })).status).toBe(403);
    expect((await kiosk.request('POST', '/api/knowledge/exposures', { sessionId: id, articles: [article] }, bearer)).status).toBe(401);
    for (const [body, status] of [
      [{ sessionId: id, articles: [] }, 400],
      [{ sessionId: id, articles: [article, article] }, 400],
      [{ sessionId: id, articles: Array.from({ length: 11 }, () => article) }, 400],
      [{ sessionId: id, articles: [{ ...article, version: 0 }] }, 400],
      [{ sessionId: id, articles: [article], extra: true }, 400],
      [{ sessionId: 'nope', articles: [article] }, 400],
      [{ sessionId: '00000000-0000-4000-8000-000000000000', articles: [article] }, 404],
      [{ sessionId: id, articles: [{ ...article, version: article.version + 1 }] }, 404],
      [{ sessionId: id, articles: [{ articleId: '00000000-0000-4000-8000-000000000000', version: 1 }] }, 404],
    ] as const) {
      expect((await supervisor.request('POST', '/api/knowledge/exposures', body)).status, JSON.stringify(body)).toBe(status);
    }
    expect(appliance.knowledge.exposuresOf(id).filter((e) => e.audience === 'agent')).toEqual([]);
  });
});
