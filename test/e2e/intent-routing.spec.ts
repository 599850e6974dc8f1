import { expect, test } from '@playwright/test';
import { asAdmin, createKiosk } from './admin-api.js';
import { openKiosk } from './call-helpers.js';

/**
 * Questions from the held-out set (never trained on), asked on the kiosk in each script: each reaches
 * the right skill queue at once, and an unsure one is answered by one tap on the clarifying question.
 */
const QUESTIONS = [
  { lang: 'zh-Hant', text: '購物 app 打開一直叫我重新登入，登進去又被踢出來', placeholder: '請輸入您的問題…', ask: '提問', cancel: '取消' },
  { lang: 'zh-Hans', text: '购物 app 一打开就让我重新登录，登进去又被踢出来', placeholder: '请输入您的问题…', ask: '提问', cancel: '取消' },
  { lang: 'en', text: 'the shop app keeps asking me to log in again then kicks me out', placeholder: 'Type your question…', ask: 'Ask', cancel: 'Cancel' },
] as const;

interface StoredSession {
  lang: string;
  decisions: { text: string; kind: string; label: string | null; rules: string[] }[];
}

async function sessionAsking(request: Parameters<typeof asAdmin>[0], text: string): Promise<StoredSession> {
  const admin = await asAdmin(request);
  const { sessions } = (await (await admin.get('/api/routing/sessions')).json()) as { sessions: StoredSession[] };
  return sessions.find((s) => s.decisions.some((d) => d.text === text))!;
}

for (const q of QUESTIONS) {
  test(`a ${q.lang} question written by someone else is routed to the right queue at once`, async ({ browser, request }) => {
    const { context, page } = await openKiosk(browser, await createKiosk(request, `Intent kiosk ${q.lang}`), '/kiosk', q.lang);
    await page.getByPlaceholder(q.placeholder).fill(q.text);
    await page.getByRole('button', { name: q.ask, exact: true }).click();
    await expect(page.getByTestId('routed-to')).toBeVisible();
    await expect(page.getByTestId('queue-position')).toBeVisible();
    await expect.poll(async () => (await sessionAsking(request, q.text))?.decisions[0]).toMatchObject({ kind: 'queue', label: 'ecommerce.account.sign_in_problem' });
    await page.getByRole('button', { name: q.cancel, exact: true }).click();
    await context.close();
  });
}

test('an unsure question gets a clarifying question in the customer\u2019s language, and one tap routes it right', async ({ browser, request }) => {
  const text = 'can one phone number have two accounts';
  const { context, page } = await openKiosk(browser, await createKiosk(request, 'Clarify kiosk'), '/kiosk', 'en');
  await page.getByPlaceholder('Type your question…').fill(text);
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  const clarify = page.getByTestId('clarify');
  await expect(clarify).toBeVisible();
  const options = clarify.getByRole('button');
  expect(await options.count()).toBeGreaterThanOrEqual(2);
  expect(await options.count()).toBeLessThanOrEqual(3);
  await clarify.getByRole('button', { name: 'Create a shop account', exact: true }).click();
  await expect.poll(async () => (await sessionAsking(request, text))?.decisions.at(-1)).toMatchObject({ label: 'ecommerce.account.register', rules: expect.arrayContaining(['customer-chose']) });
  const session = await sessionAsking(request, text);
  expect(session.decisions[0]).toMatchObject({ kind: 'clarify', label: null });
  await context.close();
});
