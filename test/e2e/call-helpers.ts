import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

export async function framesDecoded(page: Page): Promise<number> {
  return Number(await page.getByTestId('quality').getAttribute('data-frames-decoded'));
}

/** The receive transport the page's figures are of; a rejoin replaces it. */
export async function receiveTransport(page: Page): Promise<string> {
  return (await page.getByTestId('quality').getAttribute('data-transport')) ?? '';
}

/**
 * Video frames arrive and keep arriving: the call's decoded count is above zero and grows by more than
 * a few frames, on one receive transport (a rejoin in between starts the count over on the new one).
 */
export async function expectFramesFlowing(page: Page): Promise<void> {
  await expect.poll(() => framesDecoded(page), { timeout: 30_000 }).toBeGreaterThan(0);
  let base = { transport: await receiveTransport(page), frames: await framesDecoded(page) };
  await expect
    .poll(
      async () => {
        const now = { transport: await receiveTransport(page), frames: await framesDecoded(page) };
        if (now.transport !== base.transport) base = now;
        return now.transport !== '' && now.frames > base.frames + 5;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
}

/** A kiosk browser already registered with `token`, in `lang`, at `url` (the appliance, or a link to it). */
export async function openKiosk(browser: Browser, token: string, url = '/kiosk', lang = 'en'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  await context.addInitScript({
    content: `localStorage.setItem('branchline.kioskToken', ${JSON.stringify(token)}); localStorage.setItem('branchline.kioskLanguage', ${JSON.stringify(lang)});`,
  });
  const page = await context.newPage();
  await page.goto(url);
  return { context, page };
}

/** An agent browser signed in (and away until it says otherwise). */
export async function openAgent(browser: Browser, username: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/agent');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('presence')).toBeVisible();
  return { context, page };
}

/** An agent browser signed in and available for calls. */
export async function openAvailableAgent(browser: Browser, username: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const agent = await openAgent(browser, username, password);
  await agent.page.getByRole('radio', { name: 'Available' }).click();
  return agent;
}
