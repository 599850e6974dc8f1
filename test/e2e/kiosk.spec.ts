import { expect, test } from '@playwright/test';
import { CATALOGUES, LANGUAGES, LANGUAGE_NAMES, type Language } from '../../web/src/lib/i18n/index.js';
import { createKiosk } from './admin-api.js';
import { openKiosk } from './call-helpers.js';
import { escaped } from './text.js';

const TEXTS = {
  '繁體中文': { heading: '歡迎光臨', placeholder: '請輸入您的問題…', talk: '與專員視訊', common: '常見問題', lang: 'zh-Hant' },
  '简体中文': { heading: '欢迎光临', placeholder: '请输入您的问题…', talk: '与专员视频', common: '常见问题', lang: 'zh-Hans' },
  English: { heading: 'Welcome', placeholder: 'Type your question…', talk: 'Talk to an agent', common: 'Common questions', lang: 'en' },
} as const;

test('the kiosk home speaks each language and remembers the choice', async ({ page }) => {
  await page.goto('/kiosk');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('歡迎光臨');
  for (const [button, t] of [['English', TEXTS.English], ['简体中文', TEXTS['简体中文']], ['繁體中文', TEXTS['繁體中文']], ['English', TEXTS.English]] as const) {
    await page.getByRole('button', { name: button, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.heading);
    await expect(page.getByPlaceholder(t.placeholder)).toBeVisible();
    await expect(page.getByRole('heading', { name: t.common })).toBeVisible();
    await expect(page.getByRole('button', { name: new RegExp(t.talk) })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', t.lang);
  }
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome');
});

test('an unregistered kiosk tells the customer to ask staff', async ({ page }) => {
  await page.goto('/kiosk');
  await page.getByRole('button', { name: 'English', exact: true }).click();
  await page.getByRole('button', { name: /Talk to an agent/ }).click();
  await expect(page.getByRole('alert')).toHaveText('This kiosk is not registered yet. Please ask a member of staff.');
});

test('staff register the kiosk with its device token, then customer questions are answered or routed', async ({ page, request }) => {
  const token = await createKiosk(request, 'Lobby kiosk');
  await page.goto('/kiosk');
  await page.getByRole('button', { name: '人員設定：登記此服務機' }).click();
  await page.getByLabel('裝置權杖').fill('bk_00000000-0000-4000-8000-000000000000.forgedforgedforgedforged');
  await page.getByRole('button', { name: '登記', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('權杖無效或已撤銷。');
  await page.getByLabel('裝置權杖').fill(token);
  await page.getByRole('button', { name: '登記', exact: true }).click();
  await expect(page.getByText('服務機: Lobby kiosk · Ground floor')).toBeVisible();

  await page.getByRole('button', { name: 'English', exact: true }).click();
  // A simple question: the bot answers and still offers a person.
  await page.getByRole('button', { name: 'What are your opening hours?' }).click();
  await expect(page.getByTestId('bot-answer')).toBeVisible();
  await expect(page.getByTestId('talk-to-agent')).toHaveText('Still need help? Talk to an agent');
  await page.getByRole('button', { name: 'Back to start' }).click();
  // A lost card is urgent: straight to the queue, no bot in between.
  await page.getByRole('button', { name: 'I lost my credit card' }).click();
  await expect(page.getByTestId('routed-to')).toContainText('Connecting you to an agent for:');
  await expect(page.getByTestId('queue-position')).toContainText('You are number 1 in line');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome');
});

/** The knowledge base's opening-hours article, as its title reads in each language. */
const OPENING_HOURS: Record<Language, RegExp> = { 'zh-Hant': /營業時間/, 'zh-Hans': /营业时间/, en: /opening hours/i };

for (const lang of LANGUAGES) {
  test(`a customer's visit in ${lang}: the bot's answer, an error, the queue and the survey, all in ${lang}`, async ({ browser, request }) => {
    const t = CATALOGUES[lang].kiosk;
    // The kiosk was left in another language: the customer chooses theirs.
    const { context, page } = await openKiosk(browser, await createKiosk(request, `Visit kiosk ${lang}`), '/kiosk', lang === 'en' ? 'zh-Hant' : 'en');
    await page.getByRole('button', { name: LANGUAGE_NAMES[lang], exact: true }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.welcome);

    // A number the appliance does not know: the appliance's refusal, in the customer's words.
    await page.getByRole('button', { name: t.identify, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: t.identifyTitle });
    await dialog.getByLabel(t.cardNumber).fill('1234 5678 0000 0000');
    await dialog.getByRole('button', { name: t.identify, exact: true }).click();
    await expect(dialog.getByRole('alert')).toHaveText(t.identifyFailed);
    await dialog.getByRole('button', { name: t.cancel, exact: true }).click();
    await expect(dialog).toHaveCount(0);

    // A question the bot answers, typed and sent: the answer and its feedback in the customer's language.
    await page.getByPlaceholder(t.askPlaceholder).fill(t.common[0]!);
    await page.getByRole('button', { name: t.ask, exact: true }).click();
    const answer = page.getByTestId('bot-answer');
    await expect(answer.getByRole('heading', { level: 2 })).toContainText(t.answerTitle);
    await expect(answer.getByRole('heading', { level: 3 })).toHaveText(OPENING_HOURS[lang]);
    await expect(answer.getByTestId('feedback')).toContainText(t.helpful);
    await answer.getByRole('button', { name: t.yes, exact: true }).click();
    await expect(answer.getByTestId('feedback')).toHaveText(t.thanksFeedback);

    // Still wants a person: the waiting screen, then the customer gives up waiting.
    await page.getByTestId('talk-to-agent').filter({ hasText: t.stillNeedHelp }).click();
    await expect(page.getByRole('heading', { level: 1, name: t.waitingTitle })).toBeVisible();
    await expect(page.getByTestId('queue-position')).toContainText(t.position(1));
    // Under a minute, or some minutes: either way the words of the customer's language.
    await expect(page.getByTestId('queue-eta')).toHaveText(new RegExp(`^(${escaped(t.eta(0))}|${escaped(t.eta(600)).replace('10', '\\d+')})$`));
    await page.getByRole('button', { name: t.cancel, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.welcome);

    // Another visit: a common question tapped, "I'm done", and the survey in the customer's language.
    await page.getByRole('button', { name: t.common[0]!, exact: true }).click();
    await page.getByTestId('finish-visit').filter({ hasText: t.done }).click();
    const survey = page.getByTestId('survey');
    await expect(survey.getByRole('radiogroup', { name: t.survey.starsTitle }).getByRole('radio')).toHaveCount(5);
    await expect(survey.getByRole('radiogroup', { name: t.survey.recommendTitle }).getByRole('radio')).toHaveCount(11);
    await expect(survey).toContainText(t.survey.notLikely);
    await expect(survey).toContainText(t.survey.veryLikely);
    await survey.getByRole('radio', { name: t.survey.star(4), exact: true }).check();
    await survey.getByRole('radio', { name: t.survey.score(9), exact: true }).check();
    await survey.getByRole('button', { name: t.survey.submit, exact: true }).click();
    await expect(page.getByTestId('survey-thanks')).toHaveText(t.survey.thanks);
    await page.getByRole('button', { name: t.backToStart, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.welcome);
    await context.close();
  });
}
