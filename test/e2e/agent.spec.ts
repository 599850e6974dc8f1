import { expect, test } from '@playwright/test';
import { createAgent } from './admin-api.js';

test('an agent created by the admin logs in, sets presence, and logs out', async ({ page, request }) => {
  await createAgent(request, 'e2e.agent', 'e2e agent password', 'Wang Xiaoming');
  await page.goto('/agent');
  await expect(page.getByRole('heading', { name: 'Agent console' })).toBeVisible();

  await page.getByLabel('Username').fill('e2e.agent');
  await page.getByLabel('Password').fill('wrong password here');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('wrong username or password');

  await page.getByLabel('Password').fill('e2e agent password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('Wang Xiaoming');
  await expect(page.getByTestId('presence')).toHaveText('Away');

  await page.getByRole('radio', { name: 'Available' }).click();
  await expect(page.getByTestId('presence')).toContainText('Available since');
  await page.reload();
  await expect(page.getByTestId('signed-in-as')).toContainText('Wang Xiaoming');
  await expect(page.getByRole('radio', { name: 'Available' })).toHaveAttribute('aria-checked', 'true');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});
