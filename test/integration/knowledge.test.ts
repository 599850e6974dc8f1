import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus, type BusEvents, type FactJournal } from '../../device/bus.js';
import pino from 'pino';
import { articleInputSchema, importBundle, Ingestion, Knowledge, KnowledgeError, knowledgeTables, KnowledgeTickets, scheduleKnowledge, Synonyms, type KnowledgeBundle } from '../../device/knowledge/index.js';
import { Store } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';

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
let journal: FactJournal;
let bus: EventBus;
let knowledge: Knowledge;
let outcomes: BusEvents['knowledge.outcome'][];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'knowledge-'));
  store = await Store.open(join(dir, 'store.json'));
  ({ journal, bus } = await openTestJournal([knowledgeTables], new EventBus(), dir));
  outcomes = [];
  bus.on('knowledge.outcome', (o) => void outcomes.push(o));
  knowledge = new Knowledge(journal, store, bus, synonyms, () => NOW);
  expect(await importBundle(knowledge, BUNDLE, 'test')).toEqual({ version: 'test-1', added: 6, changed: 0, unchanged: 0, retired: 0 });
});
afterEach(async () => {
  journal.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const keysOf = (results: { key: string }[]) => results.map((r) => r.key);

describe('knowledge search', () => {
  it('finds Chinese in either script, English, mixed questions and synonyms', () => {
    expect(keysOf(knowledge.indexes.search('信用卡要怎麼凍結', 'zh-Hant', 3))[0]).toBe('art-block-app');
    expect(keysOf(knowledge.indexes.search('信用卡怎么冻结', 'zh-Hans', 3))[0]).toBe('art-block-app');
    expect(keysOf(knowledge.indexes.search('how do I freeze my card', 'en', 3))[0]).toBe('art-block-app');
    expect(keysOf(knowledge.indexes.search('我的 parcel 在哪', 'zh-Hant', 3))[0]).toBe('art-parcel');
    // 簡訊 (Taiwan) and 短信 (mainland) are different words for an SMS: the synonym list joins them.
    expect(keysOf(knowledge.indexes.search('沒收到簡訊', 'zh-Hant', 3))[0]).toBe('art-sms-otp');
    expect(keysOf(knowledge.indexes.search('text message code never came', 'en', 3))[0]).toBe('art-sms-otp');
    expect(knowledge.indexes.search('信用卡', 'zh-Hans', 3)[0]!.title).toBe('在 App 立即冻结信用卡');
  });
});

describe('knowledge graph', () => {
  it('versions an article when its content changes, keeps links, and writes nothing when it does not', async () => {
    const first = knowledge.indexes.node('article', 'art-block-phone')!;
    const update = articleInputSchema.parse({ ...BUNDLE.articles![1]!, body: text('撥打 0800-000-999。', '拨打 0800-000-999。', 'Call 0800-000-999.') });
    expect(await knowledge.graph.upsertArticle(update, 'editor')).toMatchObject({ articleId: first.id, version: 2, changed: true });
    expect(await knowledge.graph.upsertArticle(update, 'editor')).toMatchObject({ version: 2, changed: false });
    // The search index follows the new version: words only the old one had find nothing now.
    expect(keysOf(knowledge.indexes.search('press', 'en', 3))).toEqual([]);
    expect(keysOf(knowledge.indexes.search('24-hour line', 'en', 1))).toEqual(['art-block-phone']);
    const detail = knowledge.article(first.id);
    expect(detail.version).toMatchObject({ version: 2, author: 'editor', body: { en: 'Call 0800-000-999.' } });
    expect(detail.links.map((l) => `${l.type}:${l.node.key}`)).toEqual(['solves:finance.cards.lost_stolen_card']);
    const app = knowledge.article(knowledge.indexes.node('article', 'art-block-app')!.id);
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
    expect(knowledge.indexes.node('article', 'art-new')).toBeNull();
    expect(keysOf(knowledge.indexes.search('新', 'zh-Hant', 5))).not.toContain('art-new');
  });
});

describe('recommendations', () => {
  const LOST_CARD = 'finance.cards.lost_stolen_card';
  let sessions = 0;
  /** Recommends for a new session and, unless only looking, shows what it recommends to the session's agent. */
  const ask = async (shown = true) => {
    const found = knowledge.recommender.recommend({ text: 'I lost my credit card', intent: LOST_CARD, lang: 'en' });
    const exposures = shown ? await knowledge.showToAgents({ sessionId: `s-${++sessions}`, customerId: null, intent: LOST_CARD }, found) : [];
    return found.map((r, i) => ({ ...r, exposureId: exposures[i]?.id ?? null }));
  };

  it('offers the three valid solutions of the intent, never an expired, retired or superseded one', async () => {
    const first = await ask();
    expect(first).toHaveLength(3);
    expect(keysOf(first).sort()).toEqual(['art-block-app', 'art-block-branch', 'art-block-phone']);
    await knowledge.graph.retire(knowledge.indexes.node('article', 'art-block-branch')!.id, 'branch counters closed');
    await importBundle(knowledge, { version: 'test-2', articles: [article('art-block-app-v2', ['finance.cards.lost_stolen_card'], text('新版 App 凍結', '新版 App 冻结', 'Freeze in the new app'), text('新步驟。', '新步骤。', 'New steps.'), { supersedes: ['art-block-app'] })] }, 'test');
    expect(keysOf(await ask()).sort()).toEqual(['art-block-app-v2', 'art-block-phone']);
  });

  it('raises the rank of the article that resolved the last customer, and records who said so', async () => {
    const shown = await ask();
    const third = shown[2]!;
    await knowledge.ledger.recordOutcome(third.exposureId!, true, 'agent');
    await expect(knowledge.ledger.recordOutcome(third.exposureId!, false, 'customer')).rejects.toThrow(/already recorded/);
    const next = await ask();
    expect(next[0]!.key).toBe(third.key);
    expect(next[0]!.stats).toMatchObject({ successes: 1, failures: 0 });
    expect(knowledge.ledger.stats(third.articleId).shown).toBe(2);
    // The customer's "no" counts against it.
    await knowledge.ledger.recordOutcome(next[0]!.exposureId!, false, 'customer');
    expect(knowledge.ledger.stats(third.articleId)).toMatchObject({ successes: 1, failures: 1 });
    // Looking without showing records nothing.
    await ask(false);
    expect(knowledge.ledger.stats(third.articleId).shown).toBe(2);
    expect(outcomes.map((o) => [o.exposureId, o.success, o.by])).toEqual([
      [third.exposureId, true, 'agent'],
      [next[0]!.exposureId, false, 'customer'],
    ]);
  });

  it("counts an article once per session however often the agent's page shows it, and refuses versions that do not exist", async () => {
    const found = knowledge.recommender.recommend({ text: 'I lost my credit card', intent: LOST_CARD, lang: 'en' });
    const to = { sessionId: 's-reload', customerId: null, intent: LOST_CARD };
    const first = await knowledge.showToAgents(to, found);
    expect(first.map((e) => [e.rank, e.audience])).toEqual([[1, 'agent'], [2, 'agent'], [3, 'agent']]);
    expect(await knowledge.showToAgents(to, found.slice(1))).toEqual(first.slice(1));
    expect(knowledge.exposuresOf('s-reload')).toEqual(first);
    expect(knowledge.ledger.stats(found[0]!.articleId).shown).toBe(1);
    await expect(knowledge.showToAgents(to, [{ articleId: found[0]!.articleId, version: 2 }])).rejects.toThrow(KnowledgeError);
    await expect(knowledge.showToAgents(to, [{ articleId: 'no-such-article', version: 1 }])).rejects.toThrow(/no version 1/);
  });

  it('lists expired, superseded and unsuccessful articles for the monthly review; retired ones keep their history', async () => {
    await importBundle(knowledge, { version: 'test-2', articles: [article('art-block-phone-v2', ['finance.cards.lost_stolen_card'], text('新專線', '新专线', 'New hotline'), text('撥打 0800-111-222。', '拨打 0800-111-222。', 'Call 0800-111-222.'), { supersedes: ['art-block-phone'] })] }, 'test');
    const branch = knowledge.indexes.node('article', 'art-block-branch')!;
    for (let i = 0; i < 20; i++) {
      await journal.write(() => knowledge.ledger.repository.insert({ id: `e${i}`, articleId: branch.id, version: 1, sessionId: null, intent: null, customerId: null, audience: 'agent', rank: 1, at: '', outcome: null, outcomeBy: null, outcomeAt: null }));
      await knowledge.ledger.recordOutcome(`e${i}`, i < 3, 'agent');
    }
    const review = Object.fromEntries(knowledge.review().map((r) => [r.key, r.reasons]));
    expect(review).toEqual({
      'art-old-offer': ['expired on 2026-06-30'],
      'art-block-phone': ['superseded by art-block-phone-v2'],
      'art-block-branch': ['resolved only 3 of 20'],
    });
    await knowledge.graph.retire(branch.id, 'monthly review: low success');
    expect(knowledge.review().map((r) => r.key)).not.toContain('art-block-branch');
    const retired = knowledge.article(branch.id);
    expect(retired).toMatchObject({ node: { status: 'retired', retiredReason: 'monthly review: low success' }, recommendable: false, stats: { successes: 3, failures: 17 } });
    await expect(knowledge.graph.retire(branch.id, 'again')).rejects.toThrow(/already retired/);
  });

  it('counts a repeat question on the same intent within 7 days as a failure and 7 quiet days as a success', async () => {
    let clock = NOW;
    const timed = new Knowledge(journal, store, bus, synonyms, () => clock);
    const show = async (customerId: string | null, sessionId: string) => {
      const answer = await timed.botAnswer({ text: 'lost card', intent: LOST_CARD, lang: 'en', sessionId, customerId });
      return timed.ledger.exposure(answer!.exposureId)!;
    };
    const toAlice = await show('alice', 's-1');
    const toBob = await show('bob', 's-2');
    const anonymous = await show(null, 's-3');
    expect(toAlice).toMatchObject({ audience: 'bot', rank: 1, intent: LOST_CARD, customerId: 'alice', sessionId: 's-1', outcome: null });
    // Alice asks again two days later: what she was shown did not help. Her new session is not judged by itself.
    clock = NOW + 2 * 24 * 3_600_000;
    const again = await show('alice', 's-4');
    expect(await journal.write((tx) => timed.ledger.settleRepeats(tx, 'alice', LOST_CARD, 's-4'))).toBe(1);
    expect(timed.ledger.exposure(toAlice.id)).toMatchObject({ outcome: 'failure', outcomeBy: 'repeat' });
    expect(timed.ledger.exposure(again.id)!.outcome).toBeNull();
    // Bob stays away for a week: success. An anonymous customer cannot be followed, so stays open.
    clock = NOW + 7 * 24 * 3_600_000;
    expect(await timed.ledger.settleQuietDays()).toBe(1);
    expect(await timed.ledger.settleQuietDays()).toBe(0);
    expect(timed.ledger.exposure(toBob.id)).toMatchObject({ outcome: 'success', outcomeBy: 'no-repeat' });
    expect(timed.ledger.exposure(anonymous.id)!.outcome).toBeNull();
    // Both were shown the same top article; its record now holds one of each.
    expect(toBob.articleId).toBe(toAlice.articleId);
    expect(timed.ledger.stats(toBob.articleId)).toMatchObject({ shown: 4, successes: 1, failures: 1 });
    expect(outcomes.map((o) => [o.exposureId, o.by])).toEqual([[toAlice.id, 'repeat'], [toBob.id, 'no-repeat']]);
  });

  it("settles a customer's earlier exposures in the write of their repeat question, and stops when told to", async () => {
    const tickets = new KnowledgeTickets(journal, knowledge, { slaHours: 48, warnBeforeHours: 8 });
    const ingestion = new Ingestion(journal, knowledge, [], pino({ level: 'silent' }));
    const stop = scheduleKnowledge({ journal, bus, knowledge, tickets, ingestion, log: pino({ level: 'silent' }), ingestCron: '0 3 * * *' });
    const decided = (sessionId: string) => ({ sessionId, kioskId: 'k', customerId: 'carol', text: 'lost card', lang: 'en', kind: 'bot', label: LOST_CARD, confidence: 0.9, rules: [], answered: true, at: '' });
    const first = await knowledge.botAnswer({ text: 'lost card', intent: LOST_CARD, lang: 'en', sessionId: 's-c1', customerId: 'carol' });
    await expect(journal.write((tx) => { tx.emit('routing.decided', decided('s-c2')); throw new Error('the decision was not stored'); })).rejects.toThrow();
    expect(knowledge.ledger.exposure(first!.exposureId)!.outcome).toBeNull();
    await journal.write((tx) => tx.emit('routing.decided', decided('s-c2')));
    expect(knowledge.ledger.exposure(first!.exposureId)).toMatchObject({ outcome: 'failure', outcomeBy: 'repeat' });
    stop();
    const second = await knowledge.botAnswer({ text: 'lost card', intent: LOST_CARD, lang: 'en', sessionId: 's-c3', customerId: 'carol' });
    await journal.write((tx) => tx.emit('routing.decided', decided('s-c4')));
    expect(knowledge.ledger.exposure(second!.exposureId)!.outcome).toBeNull();
    expect(ingestion.nextRun()).toBeNull();
  });
});
