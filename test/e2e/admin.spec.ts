import { expect, test } from '@playwright/test';

test('the admin creates an agent and registers and revokes a kiosk, seeing each secret once', async ({ page }) => {
  await page.goto('/admin');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(process.env.E2E_ADMIN_PASSWORD!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('Administrator');

  await page.getByLabel('Name', { exact: true }).fill('陳小華');
  await page.getByLabel('Username').fill('chen.xh');
  await page.getByLabel('Skill groups (comma-separated)').fill('finance, vip');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('one-time-secret')).toHaveText(/^[A-Za-z0-9]{16}$/);
  await expect(page.getByRole('row', { name: /陳小華 chen\.xh agent zh-Hant finance, vip/ })).toBeVisible();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('one-time-secret')).toHaveCount(0);
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('row', { name: /chen\.xh/ }).getByRole('button', { name: 'New password' }).click();
  await expect(page.getByText('New password for chen.xh')).toBeVisible();
  await expect(page.getByTestId('one-time-secret')).toHaveText(/^[A-Za-z0-9]{16}$/);

  await page.getByRole('button', { name: /^Kiosks/ }).click();
  await page.getByLabel('Name', { exact: true }).fill('Branch 12 lobby');
  await page.getByRole('button', { name: 'Register kiosk' }).click();
  await expect(page.getByTestId('one-time-secret')).toHaveText(/^bk_[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
  const row = page.getByRole('row', { name: /Branch 12 lobby/ });
  await expect(row).toContainText('active');
  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('revoked');
});
