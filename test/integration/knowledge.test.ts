import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../device/bus.js';
import { articleInputSchema, importBundle, Knowledge, KnowledgeError, Synonyms, type KnowledgeBundle } from '../../device/knowledge/index.js';
import { Store } from '../../device/store/index.js';

const synonyms = new Synonyms(fileURLToPath(new URL('../../device/knowledge/synonyms.json', import.meta.url)));
const text = (zhHant: string, zhHans: string, en: string) => ({ 'zh-Hant': zhHant, 'zh-Hans': zhHans, en });
const NOW = Date.parse('2026-11-20T09:00:00Z');

function article(key: string, intents: string[], title: ReturnType<typeof text>, body: ReturnType<typeof text>, extra: Record<string, unknown> = {}) {
  return { key, intents, title, body, keywords: { 'zh-Hant': [], 'zh-Hans': [], en: [] }, validFrom: '2026-01-01T00:00:00Z', ...extra };
}

const BUNDLE: KnowledgeBundle = {
  version: 'test-1',
  products: [{ key: 'prd-card-gold', title: text('金卡', '金卡', 'Gold card'), body: text('年費 1,200 元。', '年费 1,200 元。', 'Annual fee 1,200.') }],
  policies: [{ key: 'pol-lost-card', title: text('掛失政策', '挂失政策', 'Lost card policy'), body: text('掛失後損失由銀行承擔。', '挂失后损失由银行承担。', 'After reporting, the bank covers losses.') }],
  articles: [
    article('art-block-app', ['finance.cards.lost_stolen_card'], text('在 App 立即凍結信用卡', '在 App 立即冻结信用卡', 'Freeze your card instantly in the app'), text('開啟 App，點選卡片，選擇凍結。', '打开 App，点击卡片，选择冻结。', 'Open the app, tap the card and choose Freeze.'), { products: ['prd-card-gold'], policies: ['pol-lost-card'] }),
    article('art-block-phone', ['finance.cards.lost_stolen_card'], text('致電 24 小時專線掛失', '致电 24 小时专线挂失', 'Call the 24-hour line to report a lost card'), text('撥打 0800-000-123，語音選 2。', '拨打 0800-000-123，语音选 2。', 'Call 0800-000-123 and press 2.')),
    article('art-block-branch', ['finance.cards.lost_stolen_card'], text('到分行櫃台辦理掛失', '到网点柜台办理挂失', 'Report a lost card at a branch counter'), text('攜帶身分證到任一分行。', '携带身份证到任一网点。', 'Bring your ID to any branch.')),
    article('art-sms-otp', ['finance.accounts.online_banking_locked'], text('收不到簡訊驗證碼怎麼辦', '收不到短信验证码怎么办', 'Not receiving the SMS code'), text('確認手機號碼並重新發送驗證碼。', '确认手机号码并重新发送验证码。', 'Check your phone number and resend the code.')),
    article('art-parcel', ['ecommerce.logistics.track_parcel'], text('查詢包裹配送進度', '查询快递配送进度', 'Track your parcel'), text('在訂單頁面點選追蹤。', '在订单页面点击追踪。', 'Open the order page and tap Track.')),
    article('art-old-offer', ['finance.cards.lost_stolen_card'], text('舊的掛失優惠', '旧的挂失优惠', 'Old lost card offer'), text('已過期。', '已过期。', 'Expired.'), { validUntil: '2026-06-30T00:00:00Z' }),
  ],
};

let dir: string;
let store: Store;
let knowledge: Knowledge;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'knowledge-'));
  store = await Store.open(join(dir, 'store.json'));
  knowledge = new Knowledge(store, new EventBus(), synonyms, () => NOW);
  expect(await importBundle(knowledge, BUNDLE, 'test')).toEqual({ version: 'test-1', added: 6, changed: 0, unchanged: 0, retired: 0 });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const keysOf = (results: { key: string }[]) => results.map((r) => r.key);

describe('knowledge search', () => {
  it('finds Chinese in either script, English, mixed questions and synonyms', () => {
    expect(keysOf(knowledge.search('信用卡要怎麼凍結', 'zh-Hant', 3))[0]).toBe('art-block-app');
    expect(keysOf(knowledge.search('信用卡怎么冻结', 'zh-Hans', 3))[0]).toBe('art-block-app');
    expect(keysOf(knowledge.search('how do I freeze my card', 'en', 3))[0]).toBe('art-block-app');
    expect(keysOf(knowledge.search('我的 parcel 在哪', 'zh-Hant', 3))[0]).toBe('art-parcel');
    // 簡訊 (Taiwan) and 短信 (mainland) are different words for an SMS: the synonym list joins them.
    expect(keysOf(knowledge.search('沒收到簡訊', 'zh-Hant', 3))[0]).toBe('art-sms-otp');
    expect(keysOf(knowledge.search('text message code never came', 'en', 3))[0]).toBe('art-sms-otp');
    expect(knowledge.search('信用卡', 'zh-Hans', 3)[0]!.title).toBe('在 App 立即冻结信用卡');
  });
});

describe('knowledge graph', () => {
  it('versions an article when its content changes, keeps links, and writes nothing when it does not', async () => {
    const first = knowledge.node('article', 'art-block-phone')!;
    const update = articleInputSchema.parse({ ...BUNDLE.articles![1]!, body: text('撥打 0800-000-999。', '拨打 0800-000-999。', 'Call 0800-000-999.') });
    expect(await knowledge.upsertArticle(update, 'editor')).toMatchObject({ articleId: first.id, version: 2, changed: true });
    expect(await knowledge.upsertArticle(update, 'editor')).toMatchObject({ version: 2, changed: false });
    const detail = knowledge.article(first.id);
    expect(detail.version).toMatchObject({ version: 2, author: 'editor', body: { en: 'Call 0800-000-999.' } });
    expect(detail.links.map((l) => `${l.type}:${l.node.key}`)).toEqual(['solves:finance.cards.lost_stolen_card']);
    const app = knowledge.article(knowledge.node('article', 'art-block-app')!.id);
    expect(app.links.map((l) => `${l.type}:${l.node.key}`).sort()).toEqual(['applies-to:pol-lost-card', 'applies-to:prd-card-gold', 'solves:finance.cards.lost_stolen_card']);
  });

  it('rejects a bundle that fails validation and leaves the knowledge unchanged', async () => {
    const before = store.read((d) => JSON.stringify([d.kbNodes, d.kbArticleVersions, d.kbLinks]));
    const dangling = { version: 'bad-1', articles: [article('art-new', ['x.y.z'], text('新', '新', 'New'), text('內容', '内容', 'Body')), article('art-broken', [], text('壞', '坏', 'Broken'), text('x', 'x', 'x'), { products: ['prd-missing'] })] };
    await expect(importBundle(knowledge, dangling, 'test')).rejects.toThrow(/unknown product "prd-missing"/);
    await expect(importBundle(knowledge, { version: 'bad-2', articles: [{ key: 'art-x', title: 'not localized' }] }, 'test')).rejects.toThrow(KnowledgeError);
    await expect(importBundle(knowledge, { version: 'bad-3', articles: [BUNDLE.articles![0], BUNDLE.articles![0]] }, 'test')).rejects.toThrow(/appears twice/);
    await expect(importBundle(knowledge, { version: 'bad-4', retire: [{ key: 'art-nowhere', reason: 'gone' }] }, 'test')).rejects.toThrow(/no article "art-nowhere"/);
    expect(store.read((d) => JSON.stringify([d.kbNodes, d.kbArticleVersions, d.kbLinks]))).toBe(before);
    expect(knowledge.node('article', 'art-new')).toBeNull();
    expect(keysOf(knowledge.search('新', 'zh-Hant', 5))).not.toContain('art-new');
  });
});

describe('recommendations', () => {
  const ask = (shown = true) =>
    knowledge.recommend({ text: 'I lost my credit card', intent: 'finance.cards.lost_stolen_card', lang: 'en', shownTo: shown ? { audience: 'agent', sessionId: null, customerId: null } : null });

  it('offers the three valid solutions of the intent, never an expired, retired or superseded one', async () => {
    const first = await ask();
    expect(first).toHaveLength(3);
    expect(keysOf(first).sort()).toEqual(['art-block-app', 'art-block-branch', 'art-block-phone']);
    await knowledge.retire(knowledge.node('article', 'art-block-branch')!.id, 'branch counters closed');
    await importBundle(knowledge, { version: 'test-2', articles: [article('art-block-app-v2', ['finance.cards.lost_stolen_card'], text('新版 App 凍結', '新版 App 冻结', 'Freeze in the new app'), text('新步驟。', '新步骤。', 'New steps.'), { supersedes: ['art-block-app'] })] }, 'test');
    expect(keysOf(await ask()).sort()).toEqual(['art-block-app-v2', 'art-block-phone']);
  });

  it('raises the rank of the article that resolved the last customer, and records who said so', async () => {
    const shown = await ask();
    const third = shown[2]!;
    await knowledge.recordOutcome(third.exposureId!, true, 'agent');
    await expect(knowledge.recordOutcome(third.exposureId!, false, 'customer')).rejects.toThrow(/already recorded/);
    const next = await ask();
    expect(next[0]!.key).toBe(third.key);
    expect(next[0]!.stats).toMatchObject({ successes: 1, failures: 0 });
    expect(knowledge.stats(third.articleId).shown).toBe(2);
    // The customer's "no" counts against it.
    await knowledge.recordOutcome(next[0]!.exposureId!, false, 'customer');
    expect(knowledge.stats(third.articleId)).toMatchObject({ successes: 1, failures: 1 });
    // Looking without showing records nothing.
    await ask(false);
    expect(knowledge.stats(third.articleId).shown).toBe(2);
  });

  it('lists expired, superseded and unsuccessful articles for the monthly review; retired ones keep their history', async () => {
    await importBundle(knowledge, { version: 'test-2', articles: [article('art-block-phone-v2', ['finance.cards.lost_stolen_card'], text('新專線', '新专线', 'New hotline'), text('撥打 0800-111-222。', '拨打 0800-111-222。', 'Call 0800-111-222.'), { supersedes: ['art-block-phone'] })] }, 'test');
    const branch = knowledge.node('article', 'art-block-branch')!;
    for (let i = 0; i < 20; i++) {
      await store.update((d) => void d.kbExposures.push({ id: `e${i}`, articleId: branch.id, version: 1, sessionId: null, intent: null, customerId: null, audience: 'agent', rank: 1, at: '', outcome: null, outcomeBy: null, outcomeAt: null }));
      await knowledge.recordOutcome(`e${i}`, i < 3, 'agent');
    }
    const review = Object.fromEntries(knowledge.review().map((r) => [r.key, r.reasons]));
    expect(review).toEqual({
      'art-old-offer': ['expired on 2026-06-30'],
      'art-block-phone': ['superseded by art-block-phone-v2'],
      'art-block-branch': ['resolved only 3 of 20'],
    });
    await knowledge.retire(branch.id, 'monthly review: low success');
    expect(knowledge.review().map((r) => r.key)).not.toContain('art-block-branch');
    const retired = knowledge.article(branch.id);
    expect(retired).toMatchObject({ node: { status: 'retired', retiredReason: 'monthly review: low success' }, recommendable: false, stats: { successes: 3, failures: 17 } });
    await expect(knowledge.retire(branch.id, 'again')).rejects.toThrow(/already retired/);
  });

  it('counts a repeat question on the same intent within 7 days as a failure and 7 quiet days as a success', async () => {
    let clock = NOW;
    const timed = new Knowledge(store, new EventBus(), synonyms, () => clock);
    const show = (customerId: string | null, sessionId: string) =>
      timed.recommend({ text: 'lost card', intent: 'finance.cards.lost_stolen_card', lang: 'en', limit: 1, shownTo: { audience: 'bot', sessionId, customerId } });
    const [toAlice] = await show('alice', 's-1');
    const [toBob] = await show('bob', 's-2');
    const [anonymous] = await show(null, 's-3');
    // Alice asks again two days later: what she was shown did not help. Her new session is not judged by itself.
    clock = NOW + 2 * 24 * 3_600_000;
    const [again] = await show('alice', 's-4');
    expect(await timed.settleByRepeats('alice', 'finance.cards.lost_stolen_card', 's-4')).toBe(1);
    expect(timed.exposure(toAlice!.exposureId!)).toMatchObject({ outcome: 'failure', outcomeBy: 'repeat' });
    expect(timed.exposure(again!.exposureId!)!.outcome).toBeNull();
    // Bob stays away for a week: success. An anonymous customer cannot be followed, so stays open.
    clock = NOW + 7 * 24 * 3_600_000;
    expect(await timed.settleByRepeats(null, null, null)).toBe(1);
    expect(timed.exposure(toBob!.exposureId!)).toMatchObject({ outcome: 'success', outcomeBy: 'no-repeat' });
    expect(timed.exposure(anonymous!.exposureId!)!.outcome).toBeNull();
    // Both were shown the same top article; its record now holds one of each.
    expect(toBob!.articleId).toBe(toAlice!.articleId);
    expect(timed.stats(toBob!.articleId)).toMatchObject({ shown: 4, successes: 1, failures: 1 });
  });
});
