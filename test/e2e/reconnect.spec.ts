import { expect, test, type Page } from '@playwright/test';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { createAgent, createKiosk } from './admin-api.js';

async function framesDecoded(page: Page): Promise<number> {
  return Number(await page.getByTestId('quality').getAttribute('data-frames-decoded'));
}

async function expectFramesFlowing(page: Page): Promise<void> {
  await expect.poll(() => framesDecoded(page), { timeout: 20_000 }).toBeGreaterThan(0);
  const before = await framesDecoded(page);
  await expect.poll(() => framesDecoded(page), { timeout: 15_000 }).toBeGreaterThan(before + 5);
}

test('a kiosk whose connection to the appliance drops for a few seconds rejoins the same call by itself', async ({ browser, request, baseURL }) => {
  test.setTimeout(120_000);
  // The kiosk reaches the appliance through a link the test can cut.
  const link = await TcpProxy.start(Number(new URL(baseURL!).port));
  const token = await createKiosk(request, 'Flaky kiosk');
  await createAgent(request, 'steady.agent', 'steady agent password', 'Chen Jie');

  const kioskContext = await browser.newContext();
  await kioskContext.addInitScript({
    content: `localStorage.setItem('branchline.kioskToken', ${JSON.stringify(token)}); localStorage.setItem('branchline.kioskLanguage', 'en');`,
  });
  const kiosk = await kioskContext.newPage();
  await kiosk.goto(`http://127.0.0.1:${link.port}/kiosk`);
  await expect(kiosk.getByText('Kiosk: Flaky kiosk')).toBeVisible();

  const agentContext = await browser.newContext();
  const agent = await agentContext.newPage();
  await agent.goto('/agent');
  await agent.getByLabel('Username').fill('steady.agent');
  await agent.getByLabel('Password').fill('steady agent password');
  await agent.getByRole('button', { name: 'Sign in' }).click();
  await agent.getByRole('radio', { name: 'Available' }).click();

  await kiosk.getByRole('button', { name: /Talk to an agent/ }).click();
  await agent.getByRole('button', { name: 'Accept next customer' }).click();
  await expectFramesFlowing(agent);
  await expectFramesFlowing(kiosk);

  await link.cut();
  await expect(agent.getByText('The customer lost the connection; the call is held for them…')).toBeVisible({ timeout: 15_000 });
  await expect(kiosk.getByText(/Connection lost, reconnecting/)).toBeVisible();
  await kiosk.waitForTimeout(4000);
  await link.restore();

  // Back without anyone doing anything: the banner goes, and pictures flow again both ways.
  await expect(agent.getByText('The customer lost the connection; the call is held for them…')).toHaveCount(0, { timeout: 20_000 });
  await expectFramesFlowing(agent);
  await expectFramesFlowing(kiosk);
  await expect(kiosk.getByText('Chen Jie')).toBeVisible();

  await kiosk.getByRole('button', { name: 'End call' }).click();
  await expect(agent.getByTestId('call-ended')).toHaveText('The customer ended the call.');
  await kioskContext.close();
  await agentContext.close();
  await link.cut();
});
