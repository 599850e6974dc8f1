import { expect, test, type APIRequestContext, type Browser } from '@playwright/test';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { createAgent, createKiosk } from './admin-api.js';
import { expectFramesFlowing, openAvailableAgent, openKiosk, receiveTransport } from './call-helpers.js';

/**
 * A call in progress between a kiosk that reaches the appliance through a link the test can cut and an
 * agent connected directly, with pictures reaching the agent.
 */
async function callOverCuttableLink(browser: Browser, request: APIRequestContext, baseURL: string, kioskName: string, agent: { username: string; name: string }) {
  const link = await TcpProxy.start(Number(new URL(baseURL).port));
  const token = await createKiosk(request, kioskName);
  const password = `${agent.username} password`;
  await createAgent(request, agent.username, password, agent.name);
  const kiosk = await openKiosk(browser, token, `http://127.0.0.1:${link.port}/kiosk`);
  await expect(kiosk.page.getByText(`Kiosk: ${kioskName}`)).toBeVisible();
  const agentSide = await openAvailableAgent(browser, agent.username, password);
  await kiosk.page.getByRole('button', { name: /Talk to an agent/ }).click();
  await expectFramesFlowing(agentSide.page);
  return { link, kioskContext: kiosk.context, kiosk: kiosk.page, agentContext: agentSide.context, agent: agentSide.page };
}

test('a kiosk whose connection to the appliance drops for a few seconds rejoins the same call by itself', async ({ browser, request, baseURL }) => {
  test.setTimeout(240_000);
  const { link, kioskContext, kiosk, agentContext, agent } = await callOverCuttableLink(browser, request, baseURL!, 'Flaky kiosk', { username: 'steady.agent', name: 'Chen Jie' });
  await expectFramesFlowing(kiosk);
  const transportBefore = await receiveTransport(kiosk);

  link.cut();
  await expect(agent.getByText('The customer lost the connection; the call is held for them…')).toBeVisible({ timeout: 15_000 });
  await expect(kiosk.getByText('Connection lost; reconnecting, please wait…')).toBeVisible();
  // The link stays down until the kiosk has tried to come back through it twice and failed.
  await expect.poll(() => link.refused, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  await link.restore();

  // Back without anyone doing anything: the banner goes, the kiosk rejoins on new transports, and
  // pictures flow again both ways.
  await expect(agent.getByText('The customer lost the connection; the call is held for them…')).toHaveCount(0, { timeout: 20_000 });
  await expect(kiosk.getByText('Connection lost; reconnecting, please wait…')).toHaveCount(0);
  await expect.poll(() => receiveTransport(kiosk), { timeout: 20_000 }).not.toBe(transportBefore);
  await expectFramesFlowing(agent);
  await expectFramesFlowing(kiosk);
  await expect(kiosk.getByText('Chen Jie')).toBeVisible();

  await kiosk.getByRole('button', { name: 'End call' }).click();
  await expect(kiosk.getByTestId('call-ended')).toHaveText('The call has ended. Thank you for visiting.');
  await expect(agent.getByTestId('call-ended')).toHaveText('The customer ended the call.');
  await kioskContext.close();
  await agentContext.close();
  await link.close();
});

test('a kiosk that stays away past the grace period sees the call end, and so does the agent', async ({ browser, request, baseURL }) => {
  test.setTimeout(240_000);
  const { link, kioskContext, kiosk, agentContext, agent } = await callOverCuttableLink(browser, request, baseURL!, 'Lost kiosk', { username: 'patient.agent', name: 'Wu Fang' });

  link.cut();
  // The appliance holds the call for 30 s (the e2e appliance's BRANCHLINE_CALL_RECONNECT_SECONDS).
  await expect(agent.getByTestId('call-ended')).toHaveText("The customer's connection did not come back in time.", { timeout: 45_000 });
  await expect(kiosk.getByTestId('call-ended')).toHaveText('The connection was lost for too long, so the call has ended.', { timeout: 15_000 });
  await kioskContext.close();
  await agentContext.close();
  await link.close();
});
