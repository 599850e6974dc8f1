import { expect, test } from '@playwright/test';
import { createKiosk, openAdminPage } from './admin-api.js';

test('the Sync tab shows the link to the embedded hub, and a kiosk question reaches the hub as a stored record', async ({ browser, request }) => {
  test.setTimeout(180_000);
  // The appliance names itself in its health report; the hub must list it under that id.
  const deviceId = ((await (await request.get('/healthz')).json()) as { device: string }).device;
  expect(deviceId).toMatch(/^[a-z0-9][a-z0-9-]*$/);

  const admin = await openAdminPage(browser);
  await admin.getByRole('button', { name: 'Sync', exact: true }).click();
  await expect(admin.getByRole('heading', { name: 'Cloud sync' })).toBeVisible();
  await expect(admin.getByTestId('sync-link-state')).toHaveText('Connected', { timeout: 15_000 });
  await expect(admin.getByRole('heading', { name: 'Embedded hub' })).toBeVisible();
  // The appliance's heartbeat went through the broker: the hub lists it in its devices table.
  const devices = admin.getByRole('table', { name: 'Devices' });
  await expect(devices.getByRole('row').filter({ hasText: deviceId })).toHaveCount(1, { timeout: 40_000 });
  await expect(admin.getByTestId('sync-backlog')).toHaveText(/^\d+$/);

  // Whatever earlier records there are have been sent before the figure is read.
  await expect(admin.getByTestId('sync-backlog')).toHaveText('0', { timeout: 20_000 });
  const recordsOnPage = async () => Number(await admin.getByTestId('hub-records').textContent());
  const sessionsOnPage = async () => Number(await admin.getByTestId('hub-sessions').textContent());
  const acknowledgedOnPage = async () => Number(await admin.getByTestId('sync-acknowledged').textContent());
  const recordsBefore = await recordsOnPage();
  const sessionsBefore = await sessionsOnPage();
  const acknowledgedBefore = await acknowledgedOnPage();

  // A kiosk asks a question over its HTTP API: the routing decision is a 'session' record in the outbox.
  const token = await createKiosk(request, 'Sync kiosk');
  const kiosk = { authorization: `Bearer ${token}` };
  const started = await request.post('/api/kiosk/sessions', { headers: kiosk, data: { lang: 'en' } });
  expect(started.status()).toBe(201);
  const { session } = (await started.json()) as { session: { id: string } };
  const asked = await request.post(`/api/kiosk/sessions/${session.id}/questions`, { headers: kiosk, data: { text: 'where is my parcel' } });
  expect(asked.ok()).toBe(true);

  // The page (refreshed every 3 s) shows the hub storing it, the device's acknowledgement, and the fleet figure.
  await expect.poll(recordsOnPage, { timeout: 30_000, message: 'records stored by the embedded hub' }).toBeGreaterThan(recordsBefore);
  await expect.poll(sessionsOnPage, { timeout: 15_000, message: 'sessions in the fleet figures' }).toBeGreaterThan(sessionsBefore);
  await expect.poll(acknowledgedOnPage, { timeout: 15_000, message: 'records acknowledged by the hub' }).toBeGreaterThan(acknowledgedBefore);
  await expect(admin.getByTestId('sync-backlog')).toHaveText('0', { timeout: 15_000 });
  await expect(admin.getByRole('alert')).toHaveCount(0);
  await admin.close();
});
