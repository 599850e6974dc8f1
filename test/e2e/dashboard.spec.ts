import { expect, test, type Locator, type Page } from '@playwright/test';
import { asAdmin, createAgent, createKiosk, openAdminPage } from './admin-api.js';
import { openAvailableAgent, openKiosk } from './call-helpers.js';

interface KpiReport {
  overall: { csat: number | null; nps: number | null; surveyAnswers: number };
  groups: { key: string; kpis: { sessions: number; csat: number | null; nps: number | null; averageStars: number | null; surveyAnswers: number } }[];
  labels: Record<string, string>;
}

/** The text of one cell of a table row, found by the column's header. */
async function cell(table: Locator, row: Locator, header: string): Promise<Locator> {
  const headers = (await table.locator('thead th').allTextContents()).map((h) => h.trim());
  const index = headers.indexOf(header);
  expect(index, `column ${header} in ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return row.locator('td').nth(index);
}

async function openDashboard(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Dashboard', exact: true }).click();
  await expect(page.getByTestId('kpi-tiles')).toBeVisible();
}

const surveyAnswers = async (page: Page) => Number(/(\d+) survey answers?/.exec((await page.getByTestId('kpi-csat-note').textContent()) ?? '')?.[1]);

test('after a bot answer the customer rates the visit, and the Dashboard counts the rating', async ({ browser, request }) => {
  test.setTimeout(180_000);
  const token = await createKiosk(request, 'Survey kiosk');
  const { context, page: kiosk } = await openKiosk(browser, token);
  await kiosk.getByRole('button', { name: 'What are your opening hours?' }).click();
  await expect(kiosk.getByTestId('bot-answer')).toBeVisible();

  // The session is on the dashboard already, not yet rated.
  const admin = await openAdminPage(browser);
  await openDashboard(admin);
  const breakdown = admin.getByTestId('breakdown');
  const row = breakdown.getByRole('row').filter({ hasText: 'Survey kiosk' });
  await expect(await cell(breakdown, row, 'Sessions')).toHaveText('1');
  await expect(await cell(breakdown, row, 'CSAT')).toHaveText('–');
  await expect(await cell(breakdown, row, 'NPS')).toHaveText('–');
  const answersBefore = await surveyAnswers(admin);
  expect(answersBefore).toBeGreaterThanOrEqual(0);

  // The customer is done: the survey, big touch targets, nothing to send until something is chosen.
  await kiosk.getByRole('button', { name: "I'm done" }).click();
  await expect(kiosk.getByTestId('survey')).toBeVisible();
  await expect(kiosk.getByRole('heading', { name: 'How was your visit?' })).toBeVisible();
  await expect(kiosk.getByRole('heading', { name: 'How likely are you to recommend us?' })).toBeVisible();
  await expect(kiosk.getByRole('radiogroup', { name: 'How was your visit?' }).getByRole('radio')).toHaveCount(5);
  await expect(kiosk.getByRole('radiogroup', { name: 'How likely are you to recommend us?' }).getByRole('radio')).toHaveCount(11);
  const submit = kiosk.getByRole('button', { name: 'Submit' });
  await expect(submit).toBeDisabled();
  const star = (await kiosk.getByRole('radio', { name: '5 stars', exact: true }).locator('..').boundingBox())!;
  expect(Math.min(star.width, star.height)).toBeGreaterThanOrEqual(48);

  await kiosk.getByRole('radio', { name: '5 stars', exact: true }).check();
  await kiosk.getByRole('radio', { name: '10 out of 10', exact: true }).check();
  await expect(kiosk.getByRole('radio', { name: '5 stars', exact: true })).toBeChecked();
  const posted = kiosk.waitForRequest((r) => r.method() === 'POST' && /\/api\/kiosk\/sessions\/[^/]+\/survey$/.test(r.url()));
  await submit.click();
  const surveyRequest = await posted;
  expect(surveyRequest.postDataJSON()).toEqual({ stars: 5, recommend: 10 });
  expect((await surveyRequest.response())!.status()).toBe(200);
  await expect(kiosk.getByTestId('survey-thanks')).toHaveText('Thank you for your rating. We hope to see you again!');
  // Then back to the start for the next customer, without a touch.
  await expect(kiosk.getByRole('heading', { level: 1 })).toHaveText('Welcome', { timeout: 20_000 });

  // The rating is stored with the session: a second one for the same visit is refused.
  const again = await request.post(surveyRequest.url(), { headers: { authorization: `Bearer ${token}` }, data: { stars: 1 } });
  expect(again.status()).toBe(409);

  await admin.getByRole('button', { name: 'Refresh' }).click();
  await expect(await cell(breakdown, row, 'CSAT')).toHaveText('100%');
  await expect(await cell(breakdown, row, 'NPS')).toHaveText('+100');
  await expect.poll(() => surveyAnswers(admin)).toBe(answersBefore + 1);
  if (answersBefore === 0) {
    await expect(admin.getByTestId('kpi-csat')).toHaveText('100%');
    await expect(admin.getByTestId('kpi-nps')).toHaveText('+100');
  }
  await expect(admin.getByTestId('kpi-csat')).toHaveText(/^\d+(\.\d)?%$/);
  await expect(admin.getByTestId('kpi-nps')).toHaveText(/^[+-]?\d+$/);
  await expect(admin.getByTestId('kpi-responseRate30s')).toHaveText(/^\d+(\.\d)?%$/);
  // Today's sessions are a bar in the daily chart, and the kiosk a bar in the breakdown chart.
  await expect(admin.getByTestId('kpi-trend').locator('rect.bar').first()).toBeVisible();
  await admin.getByLabel('Chart shows').selectOption('csat');
  await expect(admin.getByTestId('breakdown-chart')).toContainText('Survey kiosk');

  // Skipping rates nothing and goes straight back to the start, in the customer's language.
  await kiosk.getByRole('button', { name: '繁體中文', exact: true }).click();
  await kiosk.getByRole('button', { name: '營業時間是幾點？' }).click();
  await expect(kiosk.getByTestId('bot-answer')).toBeVisible();
  await kiosk.getByRole('button', { name: '完成，謝謝' }).click();
  await expect(kiosk.getByRole('heading', { name: '您這次的體驗如何？' })).toBeVisible();
  await expect(kiosk.getByRole('radio', { name: '4 顆星', exact: true })).toBeVisible();
  await kiosk.getByRole('button', { name: '略過' }).click();
  await expect(kiosk.getByRole('heading', { level: 1 })).toHaveText('歡迎光臨');
  await admin.getByRole('button', { name: 'Refresh' }).click();
  await expect(await cell(breakdown, row, 'Sessions')).toHaveText('2');
  await expect.poll(() => surveyAnswers(admin)).toBe(answersBefore + 1);
  await context.close();
  await admin.close();
});

test('after a call the customer rates it under the end-of-call message', async ({ browser, request }) => {
  test.setTimeout(180_000);
  await createAgent(request, 'rated.agent', 'rated agent password', 'Hsu Ling');
  const kiosk = await openKiosk(browser, await createKiosk(request, 'Rated call kiosk'));
  await expect(kiosk.page.getByText('Kiosk: Rated call kiosk')).toBeVisible();
  const agent = await openAvailableAgent(browser, 'rated.agent', 'rated agent password');
  await kiosk.page.getByRole('button', { name: /Talk to an agent/ }).click();
  await expect(kiosk.page.getByText('Hsu Ling')).toBeVisible({ timeout: 20_000 });
  await agent.page.getByRole('button', { name: 'End call' }).click();

  await expect(kiosk.page.getByTestId('call-ended')).toHaveText('The agent ended the call. Thank you for visiting.');
  await kiosk.page.getByRole('radio', { name: '2 stars', exact: true }).check();
  await kiosk.page.getByRole('radio', { name: '3 out of 10', exact: true }).check();
  await kiosk.page.getByRole('button', { name: 'Submit' }).click();
  await expect(kiosk.page.getByTestId('survey-thanks')).toBeVisible();

  const admin = await asAdmin(request);
  const report = (await (await admin.get('/api/metrics/kpis?group=kiosk')).json()) as KpiReport;
  const id = Object.entries(report.labels).find(([, name]) => name === 'Rated call kiosk')?.[0];
  expect(report.groups.find((g) => g.key === id)?.kpis).toMatchObject({ sessions: 1, csat: 0, nps: -100, averageStars: 2, surveyAnswers: 1 });
  for (const side of [kiosk, agent]) await side.context.close();
});

test('the Wallboard shows a waiting customer, the longest wait and the agents, and refreshes by itself', async ({ browser, request }) => {
  test.setTimeout(120_000);
  const admin = await openAdminPage(browser);
  await admin.getByRole('button', { name: 'Wallboard', exact: true }).click();
  const waiting = admin.getByTestId('wb-waiting');
  await expect(waiting).toHaveText(/^\d+$/);
  const before = Number(await waiting.textContent());
  for (const state of ['available', 'busy', 'wrap-up', 'away']) await expect(admin.getByTestId(`wb-agents-${state}`)).toHaveText(/^\d+$/);
  await expect(admin.getByTestId('wb-active-calls')).toHaveText(/^\d+$/);
  await expect(admin.getByTestId('wb-alerts')).toBeVisible();

  // A lost card goes straight to its queue; nobody with that skill is signed in, so the customer waits.
  const kiosk = await openKiosk(browser, await createKiosk(request, 'Wallboard kiosk'));
  await kiosk.page.getByRole('button', { name: 'I lost my credit card' }).click();
  await expect(kiosk.page.getByTestId('queue-position')).toBeVisible();
  await expect(waiting).toHaveText(String(before + 1));
  await expect(admin.getByTestId('wb-by-skill').locator('li').filter({ hasText: /\d$/ })).not.toHaveCount(0);
  await expect(admin.getByTestId('wb-longest-wait')).toHaveText(/^\d\d:\d\d$/);
  // The wait grows on screen while the customer waits.
  await expect(admin.getByTestId('wb-longest-wait')).not.toHaveText('00:00');

  await kiosk.page.getByRole('button', { name: 'Cancel' }).click();
  await expect(waiting).toHaveText(String(before));
  await kiosk.context.close();
  await admin.close();
});

test('the Baseline tab imports historical complaints, lists the rejected rows, highlights the sinkholes and offers the report', async ({ browser, request }) => {
  const csv = [
    'date,channel,text,outcome',
    '2026-01-05,phone,I lost my credit card and nobody blocked it,unresolved',
    '2026-01-19,branch,my credit card was stolen and I still wait for a new one,unresolved',
    '2026-02-02,phone,I lost my credit card please block it,unresolved',
    '2026-02-11,email,what are your opening hours on saturday,resolved',
    '2026-13-45,phone,a date that does not exist,resolved',
    '2026-03-08,branch,my credit card was stolen this morning,escalated',
    '2026-03-09,phone,where is my parcel,maybe later',
    '2026-03-21,email,what time do you open,resolved',
  ].join('\n');
  const admin = await openAdminPage(browser);
  await admin.getByRole('button', { name: 'Baseline', exact: true }).click();
  await expect(admin.getByRole('heading', { name: 'Baseline diagnosis' })).toBeVisible();
  await admin.getByLabel('Name').fill('Complaints Q1 (e2e)');
  await admin.getByLabel('File (CSV or JSON)').setInputFiles({ name: 'complaints.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await admin.getByRole('button', { name: 'Import' }).click();

  const report = admin.getByTestId('baseline-report');
  await expect(report.getByRole('heading', { name: 'Complaints Q1 (e2e)' })).toBeVisible();
  await expect(admin.getByTestId('baseline-imports').getByRole('row').filter({ hasText: 'Complaints Q1 (e2e)' })).toContainText('6');
  await expect(admin.getByTestId('baseline-rows')).toHaveText('6');
  await expect(admin.getByTestId('baseline-rejected')).toHaveText('2');
  const rejected = admin.getByTestId('baseline-rejected-rows');
  await expect(rejected.getByRole('row').filter({ hasText: 'date is not a real date' })).toContainText('5');
  await expect(rejected.getByRole('row').filter({ hasText: 'outcome' })).toContainText('7');
  // Lost and stolen cards: most complaints, none resolved — the worst sinkhole, marked in the table and the chart.
  await expect(admin.getByTestId('baseline-sinkholes').locator('li').first()).toContainText('cards');
  await expect(admin.getByTestId('baseline-groups').getByRole('row').filter({ hasText: 'sinkhole #1' })).toContainText('0%');
  await expect(admin.getByTestId('baseline-share-chart')).toContainText('cards');
  await expect(admin.getByTestId('baseline-trend')).toBeVisible();

  const href = await report.getByRole('link', { name: 'Download report (HTML)' }).getAttribute('href');
  const file = await (await asAdmin(request)).get(href!);
  expect(file.status()).toBe(200);
  expect(file.headers()['content-type']).toContain('text/html');
  expect(await file.text()).toContain('Complaints Q1 (e2e)');
  await admin.close();
});
