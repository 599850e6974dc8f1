import { expect, test, type Locator, type Page } from '@playwright/test';
import { CATALOGUES, LANGUAGES, type Language } from '../../web/src/lib/i18n/index.js';
import { asAdmin, createAgent, createKiosk } from './admin-api.js';
import { expectFramesFlowing, openAgent, openKiosk } from './call-helpers.js';
import { blockers } from './axe.js';
import { expectReadable } from './contrast.js';
import { escaped } from './text.js';

/**
 * Every staff screen, in every language, has no serious or critical axe violation, its language switch
 * reads (axe skips a <select>'s text), and keyboard focus shows. A failure lists each violation with its
 * screen, language, rule, impact and the elements' selectors.
 */

const KIOSK = 'A11y kiosk';
const AGENT_NAME = '林佳穎';
const CUSTOMER = 'A11y customer';
const BASELINE = 'A11y complaints';
const TICKET = 'Can I change the PIN of my card at the kiosk?';

/** Checked softly, so that one run lists the violations of every screen rather than stopping at the first. */
async function expectAccessible(page: Page, screen: string, lang: Language): Promise<void> {
  await expect(page.locator('html'), `<html lang> on ${screen}`).toHaveAttribute('lang', lang);
  expect.soft(await blockers(page, screen, lang), `serious or critical accessibility violations on ${screen} [${lang}]`).toEqual([]);
  const languageSwitch = page.getByTestId('language-switch');
  if ((await languageSwitch.count()) > 0) await expectReadable(languageSwitch, `the language switch on ${screen} [${lang}]`);
}

/** Tabs on to a button, which must then show its focus ring. */
async function expectVisibleFocus(page: Page, screen: string): Promise<void> {
  const focused = page.locator('button:focus-visible');
  for (let presses = 0; presses < 40 && (await focused.count()) === 0; presses++) await page.keyboard.press('Tab');
  await expect(focused, `a button focused from the keyboard on ${screen}`).toHaveCount(1);
  await expect(focused, `the focus ring on ${screen}`).not.toHaveCSS('outline-style', 'none');
  await expect(focused, `the focus ring on ${screen}`).not.toHaveCSS('outline-width', '0px');
}

async function chooseLanguage(page: Page, lang: Language): Promise<void> {
  await page.getByTestId('language-switch').selectOption(lang);
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
}

/** The part of a tab's label before its count ("Accounts (3)" → "Accounts"). */
const labelBefore = (label: (count: string) => string) => label('\u0000').split('\u0000')[0]!.replace(/[\s(（]+$/, '');
const startsWith = (text: string) => new RegExp(`^${escaped(text)}`);

test('the sign-in screens of the agent console and the admin pages, in every language', async ({ page }) => {
  for (const path of ['/agent', '/admin']) {
    for (const lang of LANGUAGES) {
      const c = CATALOGUES[lang];
      const screen = `${path} sign-in`;
      await page.goto(path);
      await chooseLanguage(page, lang);
      await expect(page.getByRole('heading', { name: path === '/agent' ? c.agent.title : c.admin.shell.title })).toBeVisible();
      await expectAccessible(page, screen, lang);

      // Both pages show the same form: its refusal is checked once per language, few failed sign-ins
      // counting towards this address's limit.
      if (path !== '/agent') continue;
      await page.getByLabel(c.staff.login.username).fill(`nobody.${lang.toLowerCase()}`);
      await page.getByLabel(c.staff.login.password).fill('not a password');
      await page.getByRole('button', { name: c.staff.login.signIn }).click();
      await expect(page.getByRole('alert')).toBeVisible();
      await expectAccessible(page, `${screen}, refused`, lang);
    }
    await expectVisibleFocus(page, `${path} sign-in`);
  }
});

test('the agent console idle, with a customer waiting, in a call and wrapping up, in every language', async ({ browser, request }) => {
  test.setTimeout(240_000);
  const token = await createKiosk(request, KIOSK);
  await createAgent(request, 'a11y.agent', 'a11y agent password', AGENT_NAME, ['general'], 'zh-Hant');
  const kiosk = await openKiosk(browser, token);
  const { context, page: agent } = await openAgent(browser, 'a11y.agent', 'a11y agent password');
  // Signed in, the console speaks the agent's own language.
  await expect(agent.locator('html')).toHaveAttribute('lang', 'zh-Hant');

  /** The screen as it is now, in each language in turn. */
  async function inEveryLanguage(screen: string, ready: (lang: Language) => Locator): Promise<void> {
    for (const lang of LANGUAGES) {
      await chooseLanguage(agent, lang);
      await expect(ready(lang)).toBeVisible();
      await expectAccessible(agent, screen, lang);
    }
  }

  await inEveryLanguage('agent console, idle', (lang) => agent.getByRole('heading', { name: CATALOGUES[lang].agent.queue }));
  await expectVisibleFocus(agent, 'agent console');

  await kiosk.page.getByRole('button', { name: /Talk to an agent/ }).click();
  await expect(kiosk.page.getByTestId('queue-position')).toBeVisible();
  await inEveryLanguage('agent console, customer waiting', () => agent.getByTestId('queue').locator('li').filter({ hasText: KIOSK }));

  // The console is in English now, the last language it was switched to.
  await agent.getByRole('radio', { name: CATALOGUES.en.agent.states.available }).click();
  await expect(agent.getByTestId('remote-video')).toBeVisible({ timeout: 20_000 });
  await expectFramesFlowing(agent);
  await inEveryLanguage('agent console, in a call', (lang) => agent.getByRole('heading', { name: CATALOGUES[lang].agent.solutions }));

  await agent.getByRole('button', { name: CATALOGUES.en.agent.call.end }).click();
  await expect(kiosk.page.getByTestId('call-ended')).toBeVisible();
  await inEveryLanguage('agent console, wrap-up', () => agent.getByTestId('wrap-up'));

  await agent.getByTestId('wrap-up').getByRole('combobox').selectOption({ index: 1 });
  await agent.getByTestId('wrap-up').getByRole('button').click();
  await expect(agent.getByTestId('wrap-up')).toHaveCount(0);
  await kiosk.context.close();
  await context.close();
});

for (const lang of LANGUAGES) {
  test(`every tab of the admin pages in ${lang}`, async ({ browser, request }) => {
    test.setTimeout(180_000);
    const admin = await asAdmin(request);
    // Something in every panel: a kiosk, a customer, a knowledge ticket and an imported complaint baseline.
    const kiosks = (await (await admin.get('/api/admin/kiosks')).json()) as { kiosks: { name: string }[] };
    if (!kiosks.kiosks.some((k) => k.name === KIOSK)) await createKiosk(request, KIOSK);
    const customers = (await (await admin.get('/api/admin/customers')).json()) as { customers: { name: string }[] };
    if (!customers.customers.some((c) => c.name === CUSTOMER)) {
      expect((await admin.post('/api/admin/customers', { data: { name: CUSTOMER, tier: 'vip', phone: '0955 000 111' } })).status()).toBe(201);
    }
    const tickets = (await (await admin.get('/api/knowledge/tickets')).json()) as { tickets: { question: string }[] };
    if (!tickets.tickets.some((t) => t.question === TICKET)) {
      expect((await admin.post('/api/knowledge/tickets', { data: { question: TICKET, intent: null, lang: 'en' } })).status()).toBe(201);
    }
    const reports = (await (await admin.get('/api/admin/baseline')).json()) as { reports: { name: string }[] };
    if (!reports.reports.some((r) => r.name === BASELINE)) {
      const csv = [
        'date,channel,text,outcome',
        '2026-01-05,phone,I lost my credit card and nobody blocked it,unresolved',
        '2026-02-02,phone,I lost my credit card please block it,unresolved',
        '2026-02-11,email,what are your opening hours on saturday,resolved',
        '2026-13-45,phone,a date that does not exist,resolved',
        '2026-03-08,branch,my credit card was stolen this morning,escalated',
      ].join('\n');
      const imported = await admin.post(`/api/admin/baseline?name=${encodeURIComponent(BASELINE)}`, { data: csv, headers: { 'content-type': 'text/csv' } });
      expect(imported.ok(), await imported.text()).toBe(true);
    }

    const scorecards = async () => ((await (await admin.get('/api/qa/scorecards?limit=500')).json()) as { scorecards: unknown[] }).scorecards.length;
    await expect.poll(scorecards, { message: 'a scorecard, of the agent console test\u2019s call' }).toBeGreaterThan(0);

    // axe needs a page of a context of its own (browser.newPage() will not do).
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto('/admin');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(process.env.E2E_ADMIN_PASSWORD!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('signed-in-as')).toBeVisible();
    await chooseLanguage(page, lang);
    const c = CATALOGUES[lang];
    const s = c.admin.shell;
    const tab = (name: string | RegExp) => page.locator('nav.tabs').getByRole('button', { name, exact: typeof name === 'string' });
    const subtab = (name: string) => page.locator('.subtabs').getByRole('button', { name, exact: true });

    await tab(startsWith(labelBefore(s.tabs.accounts))).click();
    await expect(page.getByRole('cell', { name: 'admin', exact: true }).first()).toBeVisible();
    await expectAccessible(page, 'admin · accounts', lang);
    await expectVisibleFocus(page, 'admin pages');
    await page.getByLabel(s.name, { exact: true }).fill(`A11y ${lang}`);
    await page.getByLabel(s.username, { exact: true }).fill(`a11y.${lang.toLowerCase()}`);
    await page.getByRole('button', { name: s.createAccount }).click();
    await expect(page.getByTestId('one-time-secret')).toBeVisible();
    await expectAccessible(page, 'admin · accounts, a new password shown once', lang);
    await page.getByRole('button', { name: s.done, exact: true }).click();

    await tab(startsWith(labelBefore(s.tabs.kiosks))).click();
    await expect(page.getByRole('row').filter({ hasText: KIOSK }).first()).toBeVisible();
    await expectAccessible(page, 'admin · kiosks', lang);

    await tab(s.tabs.customers).click();
    await expect(page.getByTestId('customers')).toContainText(CUSTOMER);
    await expectAccessible(page, 'admin · customers', lang);

    await tab(s.tabs.dashboard).click();
    await expect(page.getByTestId('kpi-tiles')).toBeVisible();
    await expect(page.getByTestId('kpi-trend')).toBeVisible();
    await expectAccessible(page, 'admin · dashboard', lang);

    await tab(s.tabs.wallboard).click();
    await expect(page.getByTestId('wb-waiting')).toBeVisible();
    await expectAccessible(page, 'admin · wallboard', lang);

    await tab(s.tabs.routing).click();
    await expect(page.getByTestId('routing-measures')).toBeVisible();
    await expectAccessible(page, 'admin · routing', lang);

    await tab(s.tabs.knowledge).click();
    const k = c.admin.knowledge;
    await page.getByPlaceholder(k.searchPlaceholder).fill('credit card');
    await page.getByRole('button', { name: k.search, exact: true }).click();
    await page.getByTestId('knowledge-results').getByRole('button').first().click();
    await expect(page.getByTestId('article-detail')).toBeVisible();
    await expectAccessible(page, 'admin · knowledge · article', lang);
    await page.getByRole('button', { name: k.edit, exact: true }).click();
    await expect(page.getByRole('button', { name: k.save, exact: true })).toBeVisible();
    await expectAccessible(page, 'admin · knowledge · editing an article', lang);
    await subtab(k.tabs.tickets).click();
    await expect(page.getByTestId('ticket').filter({ hasText: TICKET })).toBeVisible();
    await expectAccessible(page, 'admin · knowledge · tickets', lang);
    await subtab(k.tabs.ingestion).click();
    await expect(page.getByTestId('ingest-runs')).toBeVisible();
    await expectAccessible(page, 'admin · knowledge · ingestion', lang);
    await subtab(k.tabs.review).click();
    await expect(page.getByTestId('review')).toBeVisible();
    await expectAccessible(page, 'admin · knowledge · review', lang);

    await tab(s.tabs.quality).click();
    const q = c.admin.qa;
    // The agent console's call, scored once its wrap-up was done.
    const scored = page.getByTestId('scorecards').getByRole('row').filter({ hasText: AGENT_NAME });
    await scored.first().getByRole('button').click();
    await expect(page.getByTestId('scorecard-detail')).toBeVisible();
    await expectAccessible(page, 'admin · quality · scorecards', lang);
    await subtab(q.tabs.trends).click();
    await expect(page.getByTestId('coaching')).toBeVisible();
    await expectAccessible(page, 'admin · quality · trends', lang);
    await subtab(q.tabs.handbook).click();
    await expect(page.getByRole('link', { name: q.exportMarkdown })).toBeVisible();
    await expectAccessible(page, 'admin · quality · handbook', lang);
    await subtab(q.tabs.form).click();
    await expect(page.getByRole('textbox', { name: q.tabs.form })).not.toBeEmpty();
    await expectAccessible(page, 'admin · quality · form', lang);

    await tab(s.tabs.baseline).click();
    const imports = page.getByTestId('baseline-imports').getByRole('row').filter({ hasText: BASELINE });
    await imports.getByRole('button', { name: c.admin.baseline.show }).click();
    await expect(page.getByTestId('baseline-report')).toBeVisible();
    await expect(page.getByTestId('baseline-trend')).toBeVisible();
    await expectAccessible(page, 'admin · baseline', lang);

    await tab(s.tabs.sync).click();
    await expect(page.getByTestId('sync-device')).toBeVisible();
    await expectAccessible(page, 'admin · sync', lang);
    await context.close();
  });
}
