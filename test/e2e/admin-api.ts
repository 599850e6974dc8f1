import type { APIRequestContext, Browser, Page } from '@playwright/test';

/** Admin calls made straight to the appliance's API, to set up what a browser test needs. */
export async function asAdmin(request: APIRequestContext): Promise<APIRequestContext> {
  const login = await request.post('/api/auth/login', { data: { username: 'admin', password: process.env.E2E_ADMIN_PASSWORD } });
  if (!login.ok()) throw new Error(`admin login failed: ${login.status()} ${await login.text()}`);
  return request;
}

export async function createAgent(request: APIRequestContext, username: string, password: string, displayName: string, skillGroups = ['general'], language: 'zh-Hant' | 'zh-Hans' | 'en' = 'en'): Promise<void> {
  const res = await (await asAdmin(request)).post('/api/admin/users', { data: { username, displayName, language, skillGroups, password } });
  if (res.status() !== 201) throw new Error(`creating ${username} failed: ${res.status()} ${await res.text()}`);
}

export async function createKiosk(request: APIRequestContext, name: string): Promise<string> {
  const res = await (await asAdmin(request)).post('/api/admin/kiosks', { data: { name, location: 'Ground floor', language: 'zh-Hant' } });
  if (res.status() !== 201) throw new Error(`creating kiosk failed: ${res.status()} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** A browser page signed in to the admin pages. */
export async function openAdminPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.goto('/admin');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(process.env.E2E_ADMIN_PASSWORD!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}
