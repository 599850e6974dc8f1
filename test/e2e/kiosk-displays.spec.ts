import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { CATALOGUES, LANGUAGES, LANGUAGE_NAMES, type Language } from '../../web/src/lib/i18n/index.js';
import { asAdmin, createAgent, createKiosk } from './admin-api.js';
import { expectFramesFlowing, framesDecoded, openAgent, openKiosk } from './call-helpers.js';
import { blockers } from './axe.js';
import { expectReadable, type PageElement } from './contrast.js';
declare const getComputedStyle: (el: PageElement) => { fontSize: string };

/**
 * The kiosk on the displays it stands on: a 1080x1920 floor kiosk, a 1920x1080 screen and a 1280x800
 * tablet. On each, in each language, what the customer needs is on screen, apart, big enough to touch
 * and readable; every screen has no serious or critical axe violation; an abandoned visit clears itself;
 * and an Enter that picks a Chinese IME candidate does not send a half-typed question.
 */

const VIEWPORTS = [
  { name: 'portrait 1080x1920', width: 1080, height: 1920 },
  { name: 'landscape 1920x1080', width: 1920, height: 1080 },
  { name: 'tablet 1280x800', width: 1280, height: 800 },
] as const;

/** The smallest touch target a finger hits reliably. */
const MIN_TARGET = 48;

declare const KeyboardEvent: new (type: string, init: Record<string, unknown>) => object;

async function boxOf(locator: Locator, what: string) {
  await expect(locator, what).toBeVisible();
  const box = await locator.boundingBox();
  expect(box, `${what} has a box`).not.toBeNull();
  return box!;
}

/** Wholly on screen: nothing cut off at an edge, nothing to scroll to. */
async function expectInViewport(page: Page, locator: Locator, what: string): Promise<void> {
  const box = await boxOf(locator, what);
  const { width, height } = page.viewportSize()!;
  const where = `${what} at ${Math.round(box.x)},${Math.round(box.y)} ${Math.round(box.width)}x${Math.round(box.height)} in ${width}x${height}`;
  expect(box.x, where).toBeGreaterThanOrEqual(0);
  expect(box.y, where).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, where).toBeLessThanOrEqual(width + 0.5);
  expect(box.y + box.height, where).toBeLessThanOrEqual(height + 0.5);
}

/** No two of the named elements cover one another. */
async function expectApart(elements: [string, Locator][]): Promise<void> {
  const boxes = await Promise.all(elements.map(async ([what, locator]) => ({ what, box: await boxOf(locator, what) })));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!.box;
      const b = boxes[j]!.box;
      // A pixel of rounding is not an overlap.
      const overlap = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 1 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 1;
      expect(overlap, `${boxes[i]!.what} and ${boxes[j]!.what} overlap`).toBe(false);
    }
  }
}

/** Every button and text field on screen is at least 48x48 CSS px. */
async function expectTouchTargets(page: Page, screen: string): Promise<void> {
  const small = await page.locator('button:visible, input:visible').evaluateAll((nodes: PageElement[], min: number) =>
    nodes
      .map((node) => ({ node, box: node.getBoundingClientRect() }))
      .filter(({ box }) => box.width < min - 0.5 || box.height < min - 0.5)
      .map(({ node, box }) => `${node.tagName.toLowerCase()} "${(node.textContent || node.getAttribute('aria-label') || '').trim()}" ${Math.round(box.width)}x${Math.round(box.height)}`),
    MIN_TARGET,
  );
  expect(small, `touch targets under ${MIN_TARGET} px on ${screen}`).toEqual([]);
}

async function chooseLanguage(page: Page, lang: Language): Promise<void> {
  await page.getByRole('button', { name: LANGUAGE_NAMES[lang], exact: true }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
}

/** A modal dialog covers the language buttons: it is closed to change the language and opened again. */
interface Dialog {
  open(lang: Language): Promise<void>;
  close(lang: Language): Promise<void>;
  /** A dialog that goes away by itself is checked alone, to be done before it goes. */
  only?: string;
}

/** The screen as it is now, in each language in turn: axe finds nothing serious, every target is big enough. */
async function expectAccessibleInEveryLanguage(page: Page, screen: string, ready: (lang: Language) => Locator, dialog?: Dialog): Promise<void> {
  for (const lang of LANGUAGES) {
    await chooseLanguage(page, lang);
    await dialog?.open(lang);
    await expect(ready(lang)).toBeVisible();
    expect.soft(await blockers(page, screen, lang, dialog?.only), `serious or critical accessibility violations on ${screen} [${lang}]`).toEqual([]);
    await expectTouchTargets(page, `${screen} [${lang}]`);
    await dialog?.close(lang);
  }
}

/** Opened by the button of that name, closed by its Cancel. */
function dialogOf(page: Page, opener: (lang: Language) => string): Dialog {
  return {
    open: (lang) => page.getByRole('button', { name: opener(lang), exact: true }).click(),
    close: (lang) => page.getByRole('dialog').getByRole('button', { name: CATALOGUES[lang].kiosk.cancel, exact: true }).click(),
  };
}

async function kioskIdOf(request: APIRequestContext, token: string): Promise<string> {
  const res = await request.get('/api/kiosk/me', { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { kiosk: { id: string } }).kiosk.id;
}

/** A kiosk browser already registered with `token`, on a display of the given size. */
async function openSizedKiosk(browser: Browser, token: string, viewport: { width: number; height: number }, url = '/kiosk'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  await context.addInitScript({ content: `localStorage.setItem('branchline.kioskToken', ${JSON.stringify(token)}); localStorage.setItem('branchline.kioskLanguage', 'en');` });
  const page = await context.newPage();
  await page.goto(url);
  return { context, page };
}

async function signInAvailable(browser: Browser, username: string, password: string): Promise<BrowserContext> {
  const { context, page } = await openAgent(browser, username, password);
  await page.getByRole('radio', { name: 'Available' }).click();
  return context;
}

for (const viewport of VIEWPORTS) {
  test(`on a ${viewport.name} screen the kiosk's home and waiting screens fit, keep apart, read and take a finger, in every language`, async ({ browser, request }) => {
    test.setTimeout(120_000);
    const token = await createKiosk(request, `Display kiosk ${viewport.width}x${viewport.height}`);
    const { context, page } = await openSizedKiosk(browser, token, viewport);
    await expect(page.getByText(`Kiosk: Display kiosk ${viewport.width}x${viewport.height}`)).toBeVisible();

    for (const lang of LANGUAGES) {
      const t = CATALOGUES[lang].kiosk;
      await chooseLanguage(page, lang);
      const screen = `home, ${viewport.name} [${lang}]`;
      const title = page.getByRole('heading', { level: 1, name: t.welcome });
      const subtitle = page.getByText(t.subtitle, { exact: true });
      const input = page.getByPlaceholder(t.askPlaceholder);
      const ask = page.getByRole('button', { name: t.ask, exact: true });
      const identify = page.getByRole('button', { name: t.identify, exact: true });
      const talk = page.getByRole('button', { name: new RegExp(t.talkTitle) });
      const talkTitle = talk.getByText(t.talkTitle, { exact: true });
      const talkHint = talk.getByText(t.talkHint, { exact: true });
      const commonTitle = page.getByRole('heading', { name: t.commonTitle });
      const common = t.common.map((q) => [`common question "${q}"`, page.getByRole('button', { name: q, exact: true })] as [string, Locator]);
      const languages = LANGUAGES.map((l) => [`language button ${l}`, page.getByRole('button', { name: LANGUAGE_NAMES[l], exact: true })] as [string, Locator]);
      const consent = page.getByTestId('analysis-notice');
      const staff = page.getByRole('button', { name: t.staffSetup });

      const named: [string, Locator][] = [
        ['title', title], ['subtitle', subtitle], ['question input', input], ['ask button', ask], ['identify button', identify],
        ['talk-to-agent button', talk], ['common questions heading', commonTitle], ...common, ...languages, ['consent notice', consent], ['staff button', staff],
      ];
      for (const [what, locator] of named) await expectInViewport(page, locator, `${what} on ${screen}`);
      await expectApart(named.filter(([what]) => what !== 'talk-to-agent button').concat([['talk-to-agent title', talkTitle], ['talk-to-agent hint', talkHint]]));
      await expectTouchTargets(page, screen);
      const texts: [string, Locator][] = [
        ['title', title], ['subtitle', subtitle], ['ask button', ask], ['identify button', identify], ['talk-to-agent title', talkTitle], ['talk-to-agent hint', talkHint],
        ['common questions heading', commonTitle], ...common, ...languages, ['consent notice', consent], ['staff button', staff],
      ];
      for (const [what, locator] of texts) await expectReadable(locator, `${what} on ${screen}`);
      await expectReadable(input, `question placeholder on ${screen}`, true);
      // Readable from an arm's length: the body text is 20 px or more, the small print 18.
      for (const [what, locator, min] of [['subtitle', subtitle, 20], ['talk-to-agent hint', talkHint, 20], ['consent notice', consent, 18], ...common.map(([w, l]) => [w, l, 20])] as [string, Locator, number][]) {
        expect(await locator.evaluate((el: PageElement) => parseFloat(getComputedStyle(el).fontSize)), `font size of ${what} on ${screen}`).toBeGreaterThanOrEqual(min);
      }
    }

    // The lost card goes straight to a queue: the waiting screen, in each language.
    await chooseLanguage(page, 'en');
    await page.getByRole('button', { name: CATALOGUES.en.kiosk.common[1], exact: true }).click();
    await expect(page.getByTestId('queue-position')).toBeVisible();
    for (const lang of LANGUAGES) {
      const t = CATALOGUES[lang].kiosk;
      await chooseLanguage(page, lang);
      const screen = `waiting, ${viewport.name} [${lang}]`;
      const named: [string, Locator][] = [
        ['title', page.getByRole('heading', { level: 1, name: t.waitingTitle })],
        ['routed-to line', page.getByTestId('routed-to')],
        ['queue position', page.getByTestId('queue-position')],
        ['cancel button', page.getByRole('button', { name: t.cancel, exact: true })],
      ];
      for (const [what, locator] of named) {
        await expectInViewport(page, locator, `${what} on ${screen}`);
        await expectReadable(locator, `${what} on ${screen}`);
      }
      await expectReadable(page.getByTestId('queue-eta'), `expected wait on ${screen}`);
      await expectApart(named);
      await expectTouchTargets(page, screen);
    }
    await page.getByRole('button', { name: CATALOGUES[LANGUAGES.at(-1)!].kiosk.cancel, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await context.close();
  });
}

test('every kiosk screen, from an unregistered kiosk to the thanks for a rating, has no serious axe violation in any language', async ({ browser, request }) => {
  test.setTimeout(240_000);
  const portrait = VIEWPORTS[0];
  const en = CATALOGUES.en.kiosk;

  // Not registered: the customer is told to ask staff, and staff open the registration.
  const bare = await browser.newContext({ viewport: portrait });
  const unregistered = await bare.newPage();
  await unregistered.goto('/kiosk');
  await chooseLanguage(unregistered, 'en');
  await unregistered.getByRole('button', { name: new RegExp(en.talkTitle) }).click();
  await expectAccessibleInEveryLanguage(unregistered, 'not registered', (lang) => unregistered.getByRole('alert').filter({ hasText: CATALOGUES[lang].kiosk.notRegistered }));
  await expectAccessibleInEveryLanguage(
    unregistered,
    'staff registration',
    (lang) => unregistered.getByRole('dialog', { name: CATALOGUES[lang].kiosk.staffSetup }),
    dialogOf(unregistered, (lang) => CATALOGUES[lang].kiosk.staffSetup),
  );
  await bare.close();

  const admin = await asAdmin(request);
  expect((await admin.post('/api/admin/customers', { data: { name: 'Display VIP', tier: 'vip', cardNumber: '5500 0000 0000 0012' } })).status()).toBe(201);
  const { context, page } = await openSizedKiosk(browser, await createKiosk(request, 'Axe kiosk'), portrait);
  await expect(page.getByText('Kiosk: Axe kiosk')).toBeVisible();
  const backToStart = async () => page.getByRole('button', { name: CATALOGUES[LANGUAGES.at(-1)!].kiosk.backToStart, exact: true }).click();
  const askInEnglish = async (text: string) => {
    await chooseLanguage(page, 'en');
    await page.getByPlaceholder(en.askPlaceholder).fill(text);
    await page.getByRole('button', { name: en.ask, exact: true }).click();
  };

  await expectAccessibleInEveryLanguage(page, 'home', (lang) => page.getByRole('heading', { level: 1, name: CATALOGUES[lang].kiosk.welcome }));

  await expectAccessibleInEveryLanguage(
    page,
    'identify',
    (lang) => page.getByRole('dialog', { name: CATALOGUES[lang].kiosk.identifyTitle }),
    dialogOf(page, (lang) => CATALOGUES[lang].kiosk.identify),
  );
  await chooseLanguage(page, 'en');
  await page.getByRole('button', { name: en.identify, exact: true }).click();
  await page.getByRole('dialog').getByLabel(en.cardNumber).fill('5500 0000 0000 0012');
  await page.getByRole('dialog').getByRole('button', { name: en.identify, exact: true }).click();
  await expectAccessibleInEveryLanguage(page, 'home, identified', (lang) => page.getByRole('heading', { level: 1, name: CATALOGUES[lang].kiosk.identified('Display VIP') }));

  await chooseLanguage(page, 'en');
  await page.getByRole('button', { name: en.common[0], exact: true }).click();
  await expectAccessibleInEveryLanguage(page, 'bot answer', () => page.getByTestId('bot-answer'));
  await backToStart();

  await askInEnglish('can one phone number have two accounts');
  await expectAccessibleInEveryLanguage(page, 'clarifying question', (lang) => page.getByTestId('clarify').getByRole('heading', { name: CATALOGUES[lang].kiosk.clarifyTitle }));
  await backToStart();

  await askInEnglish('what is the weather like on mars tonight');
  await expectAccessibleInEveryLanguage(page, 'out of scope', (lang) => page.getByTestId('out-of-scope').filter({ hasText: CATALOGUES[lang].kiosk.outOfScope }));
  await backToStart();

  await chooseLanguage(page, 'en');
  await page.getByRole('button', { name: new RegExp(en.talkTitle) }).click();
  await expectAccessibleInEveryLanguage(page, 'waiting for an agent', (lang) => page.getByRole('heading', { level: 1, name: CATALOGUES[lang].kiosk.waitingTitle }));

  // An agent comes free: the call, then its end and the survey, then the thanks.
  await createAgent(request, 'display.agent', 'display agent password', 'Chen Hui', ['general', 'vip']);
  const agentContext = await signInAvailable(browser, 'display.agent', 'display agent password');
  await expect(page.getByTestId('remote-video')).toBeVisible({ timeout: 30_000 });
  await expectFramesFlowing(page);
  await expectAccessibleInEveryLanguage(page, 'in a call', (lang) => page.getByRole('button', { name: CATALOGUES[lang].kiosk.call.end, exact: true }));
  await page.getByRole('button', { name: CATALOGUES[LANGUAGES.at(-1)!].kiosk.call.end, exact: true }).click();
  await expectAccessibleInEveryLanguage(page, 'call ended, survey', (lang) => page.getByRole('heading', { name: CATALOGUES[lang].kiosk.survey.starsTitle }));
  await page.getByRole('radio', { name: CATALOGUES[LANGUAGES.at(-1)!].kiosk.survey.star(4) }).check();
  await page.getByRole('button', { name: CATALOGUES[LANGUAGES.at(-1)!].kiosk.survey.submit, exact: true }).click();
  await expectAccessibleInEveryLanguage(page, 'thanks for the rating', (lang) => page.getByTestId('survey-thanks').filter({ hasText: CATALOGUES[lang].kiosk.survey.thanks }));
  await agentContext.close();
  await context.close();

  // "Are you still there?", shown for the last four of twelve idle seconds: axe checks the warning alone,
  // the home screen under it having been checked above.
  const idle = await openSizedKiosk(browser, await createKiosk(request, 'Axe idle kiosk'), portrait, '/kiosk?idle=12');
  const still = idle.page.getByRole('alertdialog');
  await expectAccessibleInEveryLanguage(idle.page, 'are you still there?', (lang) => still.getByRole('heading', { name: CATALOGUES[lang].kiosk.idleTitle }), {
    open: (lang) => idle.page.getByPlaceholder(CATALOGUES[lang].kiosk.askPlaceholder).fill('still typing'),
    close: (lang) => still.getByRole('button', { name: CATALOGUES[lang].kiosk.idleContinue }).click(),
    only: '[data-testid="idle-warning"]',
  });
  await idle.context.close();
});

test('a kiosk left alone warns, then goes back to the start without what the customer typed or who they were', async ({ browser, request }) => {
  const admin = await asAdmin(request);
  expect((await admin.post('/api/admin/customers', { data: { name: 'Idle Member', tier: 'standard', phone: '0933 222 111' } })).status()).toBe(201);
  const en = CATALOGUES.en.kiosk;
  // Six seconds: the warning shows for the last two, time enough to answer it.
  const { context, page } = await openKiosk(browser, await createKiosk(request, 'Idle kiosk'), '/kiosk?idle=6');
  await expect(page.getByText('Kiosk: Idle kiosk')).toBeVisible();
  await page.getByRole('button', { name: en.identify, exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: en.byPhone }).click();
  await page.getByRole('dialog').getByLabel(en.phoneNumber).fill('0933 222 111');
  await page.getByRole('dialog').getByRole('button', { name: en.identify, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(en.identified('Idle Member'));
  await page.getByPlaceholder(en.askPlaceholder).fill('my card number is 4000');

  // "Are you still there?": the customer is, and everything stays.
  const warning = page.getByRole('alertdialog', { name: en.idleTitle });
  await expect(warning).toBeVisible();
  await expect(warning).toContainText(/back to the start in \d s/);
  await warning.getByRole('button', { name: en.idleContinue }).click();
  await expect(warning).toHaveCount(0);
  await expect(page.getByPlaceholder(en.askPlaceholder)).toHaveValue('my card number is 4000');

  // Then they walk away: the warning again, and the start screen for the next customer.
  await expect(warning).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(en.welcome);
  await expect(warning).toHaveCount(0);
  await expect(page.getByPlaceholder(en.askPlaceholder)).toHaveValue('');
  await expect(page.getByRole('button', { name: en.identify, exact: true })).toBeVisible();

  // A customer who asked for an agent and left: the request leaves the queue too.
  const token = await createKiosk(request, 'Idle queue kiosk');
  const queued = await openKiosk(browser, token, '/kiosk?idle=3');
  await queued.page.getByRole('button', { name: new RegExp(en.talkTitle) }).click();
  await expect(queued.page.getByTestId('queue-position')).toBeVisible();
  await expect(queued.page.getByRole('alertdialog', { name: en.idleTitle })).toContainText(/keep your place in line/);
  await expect(queued.page.getByRole('heading', { level: 1 })).toHaveText(en.welcome);
  const kioskId = await kioskIdOf(request, token);
  await expect
    .poll(async () => ((await (await admin.get('/api/calls')).json()) as { calls: { kioskId: string; endReason: string | null }[] }).calls.find((c) => c.kioskId === kioskId)?.endReason)
    .toBe('abandoned');
  await queued.context.close();

  // A call in progress never times out: the warning never comes while the agent is there.
  const calling = await openKiosk(browser, await createKiosk(request, 'Idle call kiosk'), '/kiosk?idle=2');
  await createAgent(request, 'idle.agent', 'idle agent password', 'Wang Fang');
  const agentContext = await signInAvailable(browser, 'idle.agent', 'idle agent password');
  await calling.page.getByRole('button', { name: new RegExp(en.talkTitle) }).click();
  await expect(calling.page.getByTestId('remote-video')).toBeVisible({ timeout: 30_000 });
  // 60 frames of the 15 fps camera: four seconds of call, twice the idle time.
  await expect.poll(() => framesDecoded(calling.page), { timeout: 30_000 }).toBeGreaterThan(60);
  await expect(calling.page.getByRole('alertdialog')).toHaveCount(0);
  await expect(calling.page.getByRole('button', { name: en.call.end, exact: true })).toBeVisible();
  await calling.page.getByRole('button', { name: en.call.end, exact: true }).click();
  await expect(calling.page.getByTestId('call-ended')).toBeVisible();
  await agentContext.close();
  await calling.context.close();
  await context.close();
});

test('an Enter that picks a Chinese IME candidate does not send the question; the Enter after it does', async ({ browser, request }) => {
  const token = await createKiosk(request, 'IME kiosk');
  const { context, page } = await openKiosk(browser, token, '/kiosk', 'zh-Hant');
  const t = CATALOGUES['zh-Hant'].kiosk;
  await expect(page.getByText('服務機: IME kiosk', { exact: false })).toBeVisible();
  const questions: string[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && /\/api\/kiosk\/sessions\/[^/]+\/questions$/.test(req.url())) questions.push(req.postData() ?? '');
  });
  const input = page.getByPlaceholder(t.askPlaceholder);

  // Typed through the browser's IME path: the composition shows, then is committed as Chinese text.
  const cdp = await context.newCDPSession(page);
  await input.click();
  await cdp.send('Input.imeSetComposition', { text: 'xin', selectionStart: 3, selectionEnd: 3 });
  await expect(input).toHaveValue('xin');
  await cdp.send('Input.insertText', { text: '信用卡' });
  await expect(input).toHaveValue('信用卡');
  await cdp.send('Input.imeSetComposition', { text: 'yi', selectionStart: 2, selectionEnd: 2 });
  await cdp.send('Input.insertText', { text: '遺失' });
  await expect(input).toHaveValue('信用卡遺失');

  // Enter while the IME composes (Chrome flags it isComposing), and the one Safari sends just after
  // compositionend (keyCode 229), as a word is picked.
  await input.dispatchEvent('compositionstart', { data: '' });
  await input.evaluate((el: PageElement) => el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', isComposing: true, bubbles: true, cancelable: true })));
  await input.dispatchEvent('compositionend', { data: '' });
  await input.evaluate((el: PageElement) => {
    const enter = new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true });
    Object.defineProperty(enter, 'keyCode', { value: 229 });
    el.dispatchEvent(enter);
  });
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.welcome);
  await expect(input).toHaveValue('信用卡遺失');

  // The customer goes on typing, then a plain Enter sends the whole question, and only that: a send on
  // either Enter above would have gone out first, with the shorter text.
  await cdp.send('Input.insertText', { text: '了' });
  await expect(input).toHaveValue('信用卡遺失了');
  await input.press('Enter');
  await expect(page.getByTestId('queue-position').or(page.getByTestId('bot-answer')).or(page.getByTestId('clarify'))).toBeVisible();
  expect(questions.map((body) => (JSON.parse(body) as { text: string }).text)).toEqual(['信用卡遺失了']);
  const cancel = page.getByRole('button', { name: t.cancel, exact: true });
  if (await cancel.isVisible()) await cancel.click();
  await context.close();
});
