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

test('a kiosk that stays away past the grace period sees the call end, and so does the agent', async ({ browser, request, baseURL }) => {
  test.setTimeout(120_000);
  const link = await TcpProxy.start(Number(new URL(baseURL!).port));
  const token = await createKiosk(request, 'Lost kiosk');
  await createAgent(request, 'patient.agent', 'patient agent password', 'Wu Fang');
  const { context: kioskContext, page: kiosk } = await openKiosk(browser, token, `http://127.0.0.1:${link.port}/kiosk`);
  await expect(kiosk.getByText('Kiosk: Lost kiosk')).toBeVisible();
  const { context: agentContext, page: agent } = await openAvailableAgent(browser, 'patient.agent', 'patient agent password');
  await kiosk.getByRole('button', { name: /Talk to an agent/ }).click();
  await agent.getByRole('button', { name: 'Accept next customer' }).click();
  await expectFramesFlowing(agent);

  await link.cut();
  // The appliance holds the call for 30 s (the e2e appliance's BRANCHLINE_CALL_RECONNECT_SECONDS).
  await expect(agent.getByTestId('call-ended')).toHaveText("The customer's connection did not come back in time.", { timeout: 45_000 });
  await expect(kiosk.getByTestId('call-ended')).toHaveText('The connection was lost for too long, so the call has ended.', { timeout: 15_000 });
  await kioskContext.close();
  await agentContext.close();
});
