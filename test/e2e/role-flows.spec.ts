import { expect, test, type Page } from '@playwright/test';
import { CATALOGUES, LANGUAGES, type Language } from '../../web/src/lib/i18n/index.js';
import type { CodedParams } from '../../web/src/lib/i18n/en.js';
import { createAgent, createKiosk, openAdminPage } from './admin-api.js';
import { openAgent, openKiosk } from './call-helpers.js';
import { escaped } from './text.js';

/**
 * Each staff role's main flow in each language, read off the screen in that language: an agent takes a
 * kiosk's call, ends it and wraps up; an administrator creates an account, registers a kiosk and reads
 * the dashboard. The texts come from the catalogues the pages use, so a screen that falls back to
 * English (or shows a key) fails in the Chinese rounds.
 */

const SUFFIX: Record<Language, string> = { 'zh-Hant': 'hant', 'zh-Hans': 'hans', en: 'en' };

/** A tab's name up to its count, whatever the count is now. */
function startsWith(text: string): RegExp {
  return new RegExp(`^${escaped(text.slice(0, text.indexOf('\u0000')))}`);
}

async function expectLanguage(page: Page, lang: Language): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
}

for (const lang of LANGUAGES) {
  const t = CATALOGUES[lang];

  test(`an agent whose language is ${lang} takes a call, ends it and wraps up in ${lang}`, async ({ browser, request }) => {
    test.setTimeout(120_000);
    const username = `flow.agent.${SUFFIX[lang]}`;
    await createAgent(request, username, `${username} password`, `Flow agent ${lang}`, ['general'], lang);
    const kioskName = `Flow kiosk ${lang}`;
    const token = await createKiosk(request, kioskName);

    const { context: agentContext, page: agent } = await openAgent(browser, username, `${username} password`);
    // Signed in, the console follows the account's language.
    await expectLanguage(agent, lang);
    await expect(agent.getByRole('heading', { name: t.agent.yourStatus })).toBeVisible();
    await agent.getByRole('radio', { name: t.agent.states.available }).click();
    await expect(agent.getByText(t.agent.availableHint)).toBeVisible();

    const { context: kioskContext, page: kiosk } = await openKiosk(browser, token, '/kiosk', lang);
    await expectLanguage(kiosk, lang);
    // The button's name also holds its hint.
    await kiosk.getByRole('button', { name: new RegExp(escaped(t.kiosk.talkTitle)) }).click();

    // The agent is available, so the call comes straight to them.
    await expect(agent.getByText(kioskName)).toBeVisible();
    await expect(agent.getByRole('button', { name: t.agent.call.end })).toBeVisible();
    await expect(kiosk.getByRole('button', { name: t.kiosk.call.end })).toBeVisible();
    await agent.getByPlaceholder(t.agent.call.chatPlaceholder).fill('hello');
    await agent.getByRole('button', { name: t.agent.call.send }).click();
    await expect(kiosk.getByTestId('chat')).toContainText('hello');

    await agent.getByRole('button', { name: t.agent.call.end }).click();
    await expect(agent.getByTestId('call-ended')).toHaveText(t.agent.ended['agent-ended']!);
    await expect(kiosk.getByTestId('call-ended')).toHaveText(t.kiosk.ended['agent-ended']!);
    await expect(kiosk.getByText(t.kiosk.survey.starsTitle)).toBeVisible();

    await expect(agent.getByRole('heading', { name: t.agent.wrapUp })).toBeVisible();
    await agent.getByLabel(t.agent.intentOfCustomer).selectOption({ index: 1 });
    await agent.getByLabel(t.agent.resolvedInCall).check();
    await agent.getByRole('button', { name: t.agent.finishWrapUp }).click();
    await expect(agent.getByTestId('wrap-up')).toHaveCount(0);
    await expect(agent.getByRole('radio', { name: t.agent.states.available })).toHaveAttribute('aria-checked', 'true');
    await expect(agent.getByText(t.agent.availableHint)).toBeVisible();

    await kioskContext.close();
    await agentContext.close();
  });

  test(`an administrator reading ${lang} creates an account, registers a kiosk and reads the dashboard`, async ({ browser }) => {
    const page = await openAdminPage(browser);
    await expect(page.getByTestId('signed-in-as')).toBeVisible();
    await page.getByTestId('language-switch').selectOption(lang);
    await expectLanguage(page, lang);
    const shell = t.admin.shell;

    await expect(page.getByRole('heading', { name: shell.title })).toBeVisible();
    const username = `flow.new.${SUFFIX[lang]}`;
    await page.getByLabel(shell.name, { exact: true }).fill(`New ${lang}`);
    await page.getByLabel(shell.username, { exact: true }).fill(username);
    await page.getByLabel(shell.skillGroupsField).fill('general');
    await page.getByRole('button', { name: shell.createAccount }).click();
    await expect(page.getByText(shell.passwordFor(username))).toBeVisible();
    await expect(page.getByText(shell.shownOnce)).toBeVisible();
    await expect(page.getByTestId('one-time-secret')).toHaveText(/^[A-Za-z0-9]{16}$/);
    await page.getByRole('button', { name: shell.done }).click();
    await expect(page.getByRole('row', { name: new RegExp(username.replace(/\./g, '\\.')) })).toBeVisible();

    await page.getByRole('button', { name: startsWith(shell.tabs.kiosks('\u0000')) }).click();
    const kioskName = `Admin flow kiosk ${lang}`;
    await page.getByLabel(shell.name, { exact: true }).fill(kioskName);
    await page.getByRole('button', { name: shell.registerKiosk }).click();
    await expect(page.getByTestId('one-time-secret')).toHaveText(/^bk_[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: shell.done }).click();
    await expect(page.getByRole('row', { name: new RegExp(kioskName) })).toContainText(shell.active);

    await page.getByRole('button', { name: shell.tabs.dashboard, exact: true }).click();
    await expect(page.getByRole('heading', { name: t.admin.dashboard.title })).toBeVisible();
    for (const metric of [t.admin.metrics.sessions, t.admin.metrics.csat, t.admin.metrics.firstContactResolution]) {
      await expect(page.getByText(metric.label, { exact: true }).first()).toBeVisible();
    }
    await page.context().close();
  });
}

/** A question each Chinese round's customer types, the same in both scripts' words. */
const LOST_CARD = { 'zh-Hant': '我的信用卡遺失了，請幫我停卡', 'zh-Hans': '我的信用卡丢了，请帮我停卡' } as const;

for (const lang of ['zh-Hant', 'zh-Hans'] as const) {
  const t = CATALOGUES[lang];

  test(`an agent reading ${lang} sees why the customer was routed in ${lang}, said from the code the appliance sent`, async ({ browser, request }) => {
    test.setTimeout(120_000);
    const username = `reason.agent.${SUFFIX[lang]}`;
    await createAgent(request, username, `${username} password`, `Reason agent ${lang}`, ['cards', 'vip'], lang);
    const token = await createKiosk(request, `Reason kiosk ${lang}`);
    const { context: agentContext, page: agent } = await openAgent(browser, username, `${username} password`);
    await expectLanguage(agent, lang);

    const { context: kioskContext, page: kiosk } = await openKiosk(browser, token, '/kiosk', lang);
    await kiosk.getByPlaceholder(t.kiosk.askPlaceholder).fill(LOST_CARD[lang]);
    await kiosk.getByRole('button', { name: t.kiosk.ask, exact: true }).click();
    await expect(kiosk.getByTestId('routed-to')).toBeVisible();

    // What the console received for the call's session: the English words as stored, a code and its parameters.
    const answered = agent.waitForResponse((r) => /^\/api\/routing\/sessions\/[^/]+\/routed$/.test(new URL(r.url()).pathname));
    await agent.getByRole('radio', { name: t.agent.states.available }).click();
    const { routed } = (await (await answered).json()) as { routed: { code: string; params: CodedParams; explanation: string } };
    // A lost card is a priority intent: it goes to the VIP line.
    expect(routed.code).toBe('routing.vip-line');
    const reason = agent.getByTestId('routed-intent');
    await expect(reason).toContainText(t.reasons['routing.vip-line']!(routed.params));
    await expect(reason).not.toContainText(routed.explanation);

    await kioskContext.close();
    await agentContext.close();
  });
}
