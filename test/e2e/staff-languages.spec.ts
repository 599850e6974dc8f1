import { expect, test } from '@playwright/test';
import { createAgent } from './admin-api.js';

test('the agent console speaks the agent\u2019s own language, and the agent can switch it on this device', async ({ page, request }) => {
  await createAgent(request, 'e2e.chen', 'e2e chen password', '陳雅婷', ['general'], 'zh-Hant');
  await page.goto('/agent');
  // Nobody has signed in on this browser yet: the sign-in screen follows the browser (English here) until switched.
  await expect(page.getByLabel('Username')).toBeVisible();
  await page.getByLabel('Language').selectOption('zh-Hant');
  await page.getByLabel('帳號').fill('e2e.chen');
  await page.getByLabel('密碼').fill('not the password');
  await page.getByRole('button', { name: '登入' }).click();
  // The appliance names the error; the screen says it in its reader's language.
  await expect(page.getByRole('alert')).toHaveText('帳號或密碼錯誤');
  await page.getByLabel('密碼').fill('e2e chen password');
  await page.getByRole('button', { name: '登入' }).click();

  await expect(page.getByRole('heading', { name: '您的狀態' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '等候佇列' })).toBeVisible();
  await expect(page.getByRole('button', { name: '登出' })).toBeVisible();
  await page.getByRole('radio', { name: '可接聽' }).click();
  await expect(page.getByTestId('presence')).toContainText(/^可接聽 自 .+ 起$/);
  await expect(page.getByText('您目前可接聽：下一位您能服務的客戶會自動轉接給您。')).toBeVisible();

  await page.getByLabel('語言').selectOption('zh-Hans');
  await expect(page.getByRole('heading', { name: '您的状态' })).toBeVisible();
  await expect(page.getByRole('radio', { name: '可接听' })).toHaveAttribute('aria-checked', 'true');

  await page.getByLabel('语言').selectOption('en');
  await expect(page.getByRole('heading', { name: 'Your status' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Your status' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
});
