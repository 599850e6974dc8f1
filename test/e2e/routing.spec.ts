import { expect, test } from '@playwright/test';
import { asAdmin, createAgent, createKiosk, openAdminPage } from './admin-api.js';
import { openAgent, openKiosk } from './call-helpers.js';


test('a customer asks about a parcel in Traditional Chinese: the bot answers and offers an agent', async ({ browser, request }) => {
  const token = await createKiosk(request, 'Parcel kiosk');
  const { context, page } = await openKiosk(browser, token, '/kiosk', 'zh-Hant');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('歡迎光臨');
  await page.getByPlaceholder('請輸入您的問題…').fill('請問我的包裹寄到哪裡了');
  await page.getByRole('button', { name: '提問', exact: true }).click();
  await expect(page.getByTestId('bot-answer')).toContainText('為您找到的解答 · ');
  await expect(page.getByTestId('bot-answer').locator('h3')).not.toBeEmpty();
  await expect(page.getByTestId('talk-to-agent')).toHaveText('仍需協助？與專員視訊');
  await page.getByRole('button', { name: '有幫助', exact: true }).click();
  await expect(page.getByTestId('feedback')).toHaveText('謝謝您的回饋！');
  // The answer and its reasons are stored with the session.
  const admin = await asAdmin(request);
  const sessions = (await (await admin.get('/api/routing/sessions')).json()) as { sessions: { decisions: { label: string; rules: string[] }[]; botAnsweredAt: string | null }[] };
  expect(sessions.sessions[0]).toMatchObject({ decisions: [{ label: 'ecommerce.logistics.track_parcel', rules: ['bot-tier'] }], botAnsweredAt: expect.any(String) });
  await context.close();

  // The administrator sees the decision with its reasons, and the 30-second response figures.
  const adminPage = await openAdminPage(browser);
  await adminPage.getByRole('button', { name: 'Routing' }).click();
  await expect(adminPage.getByText('請問我的包裹寄到哪裡了')).toBeVisible();
  await expect(adminPage.getByText(/ecommerce\.logistics\.track_parcel at \d+%: the bot answers/)).toBeVisible();
  await expect(adminPage.getByTestId('routing-measures')).toContainText('answered within 30 s');
  await adminPage.close();
});

test('a customer who identifies with a VIP card reaches an agent before customers who waited longer', async ({ browser, request }) => {
  test.setTimeout(180_000);
  const admin = await asAdmin(request);
  expect((await admin.post('/api/admin/customers', { data: { name: 'Lin Mei-hua', tier: 'vip', cardNumber: '5500 0000 0000 0004' } })).status()).toBe(201);
  await createAgent(request, 'vip.agent', 'vip agent password', 'Huang Jun', ['general', 'vip']);
  const first = await openKiosk(browser, await createKiosk(request, 'Early kiosk'));
  const vip = await openKiosk(browser, await createKiosk(request, 'VIP kiosk'));
  const agent = await openAgent(browser, 'vip.agent', 'vip agent password');

  await first.page.getByRole('button', { name: /Talk to an agent/ }).click();
  await expect(first.page.getByTestId('queue-position')).toContainText('You are number 1 in line');

  await vip.page.getByRole('button', { name: 'Identify', exact: true }).click();
  const dialog = vip.page.getByRole('dialog');
  await dialog.getByLabel('Card number').fill('5500 0000 0000 0004');
  await dialog.getByRole('button', { name: 'Identify', exact: true }).click();
  await expect(vip.page.getByRole('heading', { level: 1 })).toHaveText('Hello, Lin Mei-hua');
  await expect(vip.page.getByTestId('vip-badge')).toHaveText('VIP line');
  await vip.page.getByRole('button', { name: /Talk to an agent/ }).click();
  await expect(vip.page.getByTestId('queue-position')).toContainText('You are number 1 in line');
  await expect(first.page.getByTestId('queue-position')).toContainText('You are number 2 in line');
  await expect(agent.page.getByTestId('queue').locator('li').first()).toContainText('VIP kiosk');

  await agent.page.getByRole('radio', { name: 'Available' }).click();
  await expect(vip.page.getByText('Huang Jun')).toBeVisible({ timeout: 20_000 });
  await expect(first.page.getByTestId('queue-position')).toContainText('You are number 1 in line');

  await agent.page.getByRole('button', { name: 'End call' }).click();
  await expect(agent.page.getByTestId('wrap-up')).toBeVisible();
  await agent.page.getByTestId('wrap-up').getByRole('combobox').selectOption('general.chitchat.human_agent');
  await agent.page.getByRole('button', { name: 'Finish wrap-up' }).click();
  // Wrap-up done, the agent is free again and takes the customer who waited.
  await expect(first.page.getByText('Huang Jun')).toBeVisible({ timeout: 20_000 });
  for (const side of [first, vip, agent]) await side.context.close();
});
