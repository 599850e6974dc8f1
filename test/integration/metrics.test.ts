import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';

let appliance: TestAppliance;
let admin: TestClient;
let kiosk: TestClient;
let bearer: Record<string, string>;

beforeAll(async () => {
  appliance = await startTestAppliance();
  admin = new TestClient(appliance, '198.51.100.70');
  await admin.login('admin', appliance.adminPassword);
  const token = (await admin.request('POST', '/api/admin/kiosks', { name: 'Metrics kiosk' })).body.token as string;
  bearer = { authorization: `Bearer ${token}` };
  kiosk = new TestClient(appliance, '198.51.100.71');
}, 60_000);
afterAll(() => appliance.stop());

async function visit(text: string): Promise<string> {
  const id = ((await kiosk.request('POST', '/api/kiosk/sessions', { lang: 'en' }, bearer)).body.session as { id: string }).id;
  await kiosk.request('POST', `/api/kiosk/sessions/${id}/questions`, { text }, bearer);
  return id;
}

describe('the end-of-visit survey and the KPIs', () => {
  it('takes one survey per visit, refuses bad answers without storing them, and the KPIs count it', async () => {
    const first = await visit('What time do you open on Saturday?');
    const second = await visit('What time do you open on Sunday?');
    for (const bad of [{}, { stars: 0 }, { stars: 6 }, { stars: 4.5 }, { recommend: 11 }, { stars: '5' }, { stars: 5, comment: 'x' }]) {
      expect((await kiosk.request('POST', `/api/kiosk/sessions/${first}/survey`, bad, bearer)).status).toBe(400);
    }
    expect((await kiosk.request('POST', `/api/kiosk/sessions/${first}/survey`, '{"stars":', bearer)).status).toBe(400);
    expect((await kiosk.request('POST', '/api/kiosk/sessions/00000000-0000-4000-8000-000000000000/survey', { stars: 5 }, bearer)).status).toBe(404);
    expect((await kiosk.request('POST', `/api/kiosk/sessions/${first}/survey`, { stars: 5 })).status).toBe(401);
    const stored = (await admin.request('GET', '/api/routing/sessions?limit=500')).body.sessions as { id: string; survey: unknown }[];
    expect(stored.find((s) => s.id === first)!.survey).toBeNull();

    expect((await kiosk.request('POST', `/api/kiosk/sessions/${first}/survey`, { stars: 5, recommend: 10 }, bearer)).status).toBe(200);
    expect((await kiosk.request('POST', `/api/kiosk/sessions/${first}/survey`, { stars: 1, recommend: 0 }, bearer))).toMatchObject({ status: 409 });
    expect((await kiosk.request('POST', `/api/kiosk/sessions/${second}/survey`, { stars: 3, recommend: 4 }, bearer)).status).toBe(200);

    const kpis = await admin.request('GET', '/api/metrics/kpis?group=kiosk');
    expect(kpis.status).toBe(200);
    expect(kpis.body.overall).toMatchObject({ sessions: 2, csat: 0.5, averageStars: 4, nps: 0, surveyAnswers: 2 });
    const groups = kpis.body.groups as { key: string }[];
    expect((kpis.body.labels as Record<string, string>)[groups[0]!.key]).toBe('Metrics kiosk');

    for (const query of ['from=yesterday', 'group=planet', 'from=2026-11-30&to=2026-11-01', 'from=2024-01-01&to=2026-01-01', 'extra=1']) {
      expect((await admin.request('GET', `/api/metrics/kpis?${query}`)).status).toBe(400);
    }
    expect((await kiosk.request('GET', '/api/metrics/kpis', undefined, bearer)).status).toBe(401);
  });

  it('shows the live wallboard and exposes the same figures and the process health to Prometheus', async () => {
    const wallboard = await admin.request('GET', '/api/metrics/wallboard');
    expect(wallboard.body).toMatchObject({ waiting: 0, longestWaitSeconds: null, activeCalls: 0, agents: { available: 0, busy: 0, 'wrap-up': 0, away: 0, offline: 2 } });
    const metrics = await appliance.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    const text = metrics.body;
    expect(text).toMatch(/^branchline_kpi_sessions \d+$/m);
    expect(text).toMatch(/^branchline_kpi_csat 0\.5$/m);
    expect(text).toMatch(/^branchline_queue_waiting 0$/m);
    expect(text).toMatch(/^branchline_agents\{state="offline"\} 2$/m);
    expect(text).toMatch(/^branchline_subsystem_up\{subsystem="store"\} 1$/m);
    expect(text).toMatch(/^branchline_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^branchline_nodejs_eventloop_lag_seconds /m);
  });
});

describe('baseline diagnosis of historical complaints', () => {
  const csv = [
    'Date,Channel,Text,Outcome',
    '2026-01-05,phone,"My parcel has not arrived after two weeks, tracking shows nothing",unresolved',
    '2026-01-09,email,我的包裹三個星期都沒有送到,未解決',
    '2026-02-11,phone,"Where is my parcel? The courier never came",unresolved',
    '2026-02-14,web,I lost my credit card and need to block it,resolved',
    '2026-02-20,phone,信用卡被盗刷了，请帮我冻结,已解决',
    '2026-03-02,email,"The parcel arrived broken, I want a refund",unresolved',
    'not-a-date,phone,something,resolved',
    '2026-03-04,,no channel given,resolved',
    '2026-03-05,phone,,resolved',
    '2026-03-06,phone,a fine complaint,maybe',
    '2026-03-07,phone,"multi-line',
    'complaint about my card fee",resolved',
  ].join('\n');

  it('classifies each complaint, reports bad rows and skips only them, and exports a self-contained HTML report', async () => {
    const res = await admin.request('POST', '/api/admin/baseline?name=2026%20Q1%20complaints', csv, { 'content-type': 'text/csv' });
    expect(res.status).toBe(201);
    const report = res.body.report as { id: string; rows: number; rejected: { row: number; problem: string }[]; months: string[]; groups: { group: string; count: number; share: number; resolutionRate: number; trend: number[]; examples: string[] }[]; sinkholes: string[] };
    expect(report.rows).toBe(7);
    expect(report.rejected.map((r) => r.row)).toEqual([7, 8, 9, 10]);
    expect(report.rejected[0]!.problem).toMatch(/date/);
    expect(report.rejected[1]!.problem).toMatch(/channel/);
    expect(report.rejected[2]!.problem).toMatch(/text/);
    expect(report.rejected[3]!.problem).toMatch(/outcome must be one of/);
    expect(report.months).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(report.groups.reduce((n, g) => n + g.count, 0)).toBe(7);
    expect(report.groups.reduce((n, g) => n + g.share, 0)).toBeCloseTo(1);
    // The parcel complaints, in both languages, land in one e-commerce group that is never resolved: the worst sinkhole.
    const worst = report.groups.find((g) => g.group === report.sinkholes[0])!;
    expect(worst.group).toMatch(/^ecommerce\./);
    expect(worst.count).toBeGreaterThanOrEqual(3);
    expect(worst.resolutionRate).toBe(0);
    expect(worst.examples.length).toBeGreaterThan(0);
    const cards = report.groups.find((g) => g.group === 'finance.cards')!;
    expect(cards.resolutionRate).toBeGreaterThan(0.5);

    const list = await admin.request('GET', '/api/admin/baseline');
    expect(list.body.reports).toEqual([expect.objectContaining({ id: report.id, name: '2026 Q1 complaints', rows: 7, rejected: 4 })]);
    const html = await admin.request('GET', `/api/admin/baseline/${report.id}/report.html`);
    expect(html.status).toBe(200);
    expect(String(html.headers['content-disposition'])).toMatch(/attachment; filename="baseline-\d{4}-\d{2}-\d{2}\.html"/);
    const page = (await appliance.app.inject({ method: 'GET', url: `/api/admin/baseline/${report.id}/report.html`, headers: { cookie: admin.cookie! } })).body;
    expect(page).toMatch(/<svg role="img" aria-label="Share of complaints per intent group"/);
    expect(page).toMatch(/Satisfaction sinkholes/);
    expect(page).not.toMatch(/<script|https?:\/\//);
  });

  it('reads JSON too, and refuses a file it cannot read at all without storing anything', async () => {
    const rows = [
      { date: '2026-04-01', channel: 'app', text: 'I want to make a complaint about the tuition fee refund', outcome: 'escalated' },
      { date: '2026-04-02', channel: 'app', text: 42, outcome: 'resolved' },
    ];
    const ok = await admin.request('POST', '/api/admin/baseline', JSON.stringify(rows), { 'content-type': 'application/json' });
    expect(ok.status).toBe(201);
    expect(ok.body.report).toMatchObject({ rows: 1, rejected: [{ row: 2, problem: expect.stringMatching(/text/) }] });
    const before = (await admin.request('GET', '/api/admin/baseline')).body.reports;
    const refusals: [string, string, number][] = [
      ['{"rows": 5}', 'application/json', 400],
      ['[', 'application/json', 400],
      ['date,channel\n2026-01-01,phone', 'text/csv', 400],
      ['date,channel,text,outcome\nbad,,,', 'text/csv', 400],
      ['', 'text/csv', 400],
      [`date,channel,text,outcome\n${'2026-01-01,phone,x,resolved\n'.repeat(400_000)}`, 'text/csv', 413],
    ];
    for (const [body, type, status] of refusals) {
      const res = await admin.request('POST', '/api/admin/baseline', body, { 'content-type': type });
      expect(res.status, `${type} ${body.slice(0, 30)}`).toBe(status);
      expect(typeof res.body.message).toBe('string');
    }
    expect((await admin.request('GET', '/api/admin/baseline')).body.reports).toEqual(before);
    expect((await admin.request('GET', '/api/admin/baseline/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await kiosk.request('POST', '/api/admin/baseline', 'x', { ...bearer, 'content-type': 'text/csv' })).status).toBe(401);
  });
});
