import { expect, test } from '@playwright/test';
import { createAgent, createKiosk, openAdminPage } from './admin-api.js';
import { openAgent, openKiosk } from './call-helpers.js';

test("the agent sees the customer's face state, and an angry chat message warns the agent and the supervisor live view", async ({ browser, request }) => {
  test.setTimeout(180_000);
  await createAgent(request, 'sense.agent', 'sense agent password', 'Kuo Yi', ['general']);
  const supervisor = await openAdminPage(browser);
  await supervisor.getByRole('button', { name: 'Routing' }).click();
  await expect(supervisor.getByRole('heading', { name: 'Live alerts' })).toBeVisible();

  const kiosk = await openKiosk(browser, await createKiosk(request, 'Emotion kiosk'), '/kiosk', 'zh-Hant');
  await expect(kiosk.page.getByTestId('analysis-notice')).toContainText('情緒分析已開啟');
  const agent = await openAgent(browser, 'sense.agent', 'sense agent password');
  await agent.page.getByRole('radio', { name: 'Available' }).click();
  await kiosk.page.getByRole('button', { name: /與專員視訊/ }).click();
  await expect(agent.page.getByTestId('chat')).toBeVisible({ timeout: 20_000 });
  // The kiosk camera shows a smiling face (a sample photo shipped with @vladmandic/human), analysed on the appliance.
  await expect(agent.page.getByTestId('customer-face')).toContainText('Face: happy', { timeout: 30_000 });

  await kiosk.page.getByPlaceholder('輸入訊息…').fill('我要投訴！等了三個禮拜，太離譜了');
  await kiosk.page.getByRole('button', { name: '送出' }).click();
  // The complaint's own alert: the same message may also move the fused mood far enough for a second one.
  const alert = agent.page.getByTestId('emotion-alert').filter({ hasText: 'customer mentions complaint' }).first();
  await expect(alert).toContainText('Escalating: customer mentions complaint');
  await expect(alert).toHaveClass(/red/);
  await expect(alert).toContainText('Try saying:');
  await expect(agent.page.getByTestId('customer-emotion')).toContainText('Customer seems');
  await expect(supervisor.getByTestId('live-alerts')).toContainText('Emotion kiosk');
  await expect(supervisor.getByTestId('live-alerts')).toContainText('customer mentions complaint');
  for (const side of [agent, kiosk]) await side.context.close();
  await supervisor.close();
});
