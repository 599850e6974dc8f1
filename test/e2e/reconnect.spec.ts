import { expect, test } from '@playwright/test';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { createAgent, createKiosk } from './admin-api.js';
import { expectFramesFlowing, openAvailableAgent, openKiosk } from './call-helpers.js';

test('a kiosk whose connection to the appliance drops for a few seconds rejoins the same call by itself', async ({ browser, request, baseURL }) => {
  test.setTimeout(120_000);
  // The kiosk reaches the appliance through a link the test can cut.
  const link = await TcpProxy.start(Number(new URL(baseURL!).port));
  const token = await createKiosk(request, 'Flaky kiosk');
  await createAgent(request, 'steady.agent', 'steady agent password', 'Chen Jie');

  const { context: kioskContext, page: kiosk } = await openKiosk(browser, token, `http://127.0.0.1:${link.port}/kiosk`);
  await expect(kiosk.getByText('Kiosk: Flaky kiosk')).toBeVisible();

  const { context: agentContext, page: agent } = await openAvailableAgent(browser, 'steady.agent', 'steady agent password');

  await kiosk.getByRole('button', { name: /Talk to an agent/ }).click();
  await agent.getByRole('button', { name: 'Accept next customer' }).click();
  await expectFramesFlowing(agent);
  await expectFramesFlowing(kiosk);

  await link.cut();
  await expect(agent.getByText('The customer lost the connection; the call is held for them…')).toBeVisible({ timeout: 15_000 });
  await expect(kiosk.getByText('Connection lost; reconnecting, please wait…')).toBeVisible();
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
