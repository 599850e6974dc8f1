import { expect, test } from '@playwright/test';
import { createKiosk } from './admin-api.js';

const TEXTS = {
  '繁體中文': { heading: '歡迎光臨', placeholder: '請輸入您的問題…', talk: '與專員視訊', common: '常見問題', lang: 'zh-Hant' },
  '简体中文': { heading: '欢迎光临', placeholder: '请输入您的问题…', talk: '与专员视频', common: '常见问题', lang: 'zh-Hans' },
  English: { heading: 'Welcome', placeholder: 'Type your question…', talk: 'Talk to an agent', common: 'Common questions', lang: 'en' },
} as const;

test('the kiosk home speaks each language and remembers the choice', async ({ page }) => {
  await page.goto('/kiosk');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('歡迎光臨');
  for (const [button, t] of [['English', TEXTS.English], ['简体中文', TEXTS['简体中文']], ['繁體中文', TEXTS['繁體中文']], ['English', TEXTS.English]] as const) {
    await page.getByRole('button', { name: button, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.heading);
    await expect(page.getByPlaceholder(t.placeholder)).toBeVisible();
    await expect(page.getByRole('heading', { name: t.common })).toBeVisible();
    await expect(page.getByRole('button', { name: new RegExp(t.talk) })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', t.lang);
  }
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome');
});

test('an unregistered kiosk tells the customer to ask staff', async ({ page }) => {
  await page.goto('/kiosk');
  await page.getByRole('button', { name: 'English', exact: true }).click();
  await page.getByRole('button', { name: /Talk to an agent/ }).click();
  await expect(page.getByRole('alert')).toHaveText('This kiosk is not registered yet. Please ask a member of staff.');
});

test('staff register the kiosk with its device token, then customer questions are answered or routed', async ({ page, request }) => {
  const token = await createKiosk(request, 'Lobby kiosk');
  await page.goto('/kiosk');
  await page.getByRole('button', { name: '人員設定：登記此服務機' }).click();
  await page.getByLabel('裝置權杖').fill('bk_00000000-0000-4000-8000-000000000000.forgedforgedforgedforged');
  await page.getByRole('button', { name: '登記', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('權杖無效或已撤銷。');
  await page.getByLabel('裝置權杖').fill(token);
  await page.getByRole('button', { name: '登記', exact: true }).click();
  await expect(page.getByText('服務機: Lobby kiosk · Ground floor')).toBeVisible();

  await page.getByRole('button', { name: 'English', exact: true }).click();
  // A simple question: the bot answers and still offers a person.
  await page.getByRole('button', { name: 'What are your opening hours?' }).click();
  await expect(page.getByTestId('bot-answer')).toBeVisible();
  await expect(page.getByTestId('talk-to-agent')).toHaveText('Still need help? Talk to an agent');
  await page.getByRole('button', { name: 'Back to start' }).click();
  // A lost card is urgent: straight to the queue, no bot in between.
  await page.getByRole('button', { name: 'I lost my credit card' }).click();
  await expect(page.getByTestId('routed-to')).toContainText('Connecting you to an agent for:');
  await expect(page.getByTestId('queue-position')).toContainText('You are number 1 in line');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome');
});
