import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../device/bus.js';
import { articleInputSchema, importBundle, Knowledge, KnowledgeTickets, Synonyms } from '../../device/knowledge/index.js';
import { Store } from '../../device/store/index.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-11-20T09:00:00Z');
const text = (zhHant: string, zhHans: string, en: string) => ({ 'zh-Hant': zhHant, 'zh-Hans': zhHans, en });

let dir: string;
let store: Store;
let bus: EventBus;
let clock: number;
let knowledge: Knowledge;
let tickets: KnowledgeTickets;
let warnings: { kind: string; number: number }[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickets-'));
  store = await Store.open(join(dir, 'store.json'));
  bus = new EventBus();
  clock = START;
  knowledge = new Knowledge(store, bus, new Synonyms(fileURLToPath(new URL('../../device/knowledge/synonyms.json', import.meta.url))), () => clock);
  tickets = new KnowledgeTickets(store, bus, knowledge, { slaHours: 48, warnBeforeHours: 8 }, () => clock);
  warnings = [];
  bus.on('knowledge.ticket.warning', (w) => warnings.push(w));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const unresolved = (sessionId: string, question: string) =>
  bus.emit('routing.wrapped-up', { sessionId, agentId: 'a', label: 'finance.cards.overseas_card_use', confirmed: true, resolved: false, question, lang: 'en', at: new Date(clock).toISOString() });
/**
 * Waits until the tickets module has opened a ticket for each of these sessions: it reacts to bus events
 * asynchronously. It takes events in the order they were emitted, so once the ticket of the last event
 * emitted is there, the events before it that must open nothing (a duplicate, an answered question) had
 * every chance to open a ticket too: the count checked afterwards means something.
 */
const ticketsOpenedFor = (...sessionIds: string[]) =>
  expect.poll(() => sessionIds.filter((id) => !tickets.list().some((t) => t.sessionId === id)), { timeout: 5000 }).toEqual([]);

describe('knowledge tickets', () => {
  it('opens a ticket due in 48 hours for an unresolved call or an unanswered bot question, one per session', async () => {
    unresolved('s1', 'Can I use my card in Japan without a fee?');
    unresolved('s1', 'Can I use my card in Japan without a fee?');
    // The answered question goes before the last event that opens a ticket, so the wait below covers it.
    bus.emit('routing.decided', { sessionId: 's3', kioskId: 'k', customerId: null, text: 'answered', lang: 'en', kind: 'bot', label: 'general.hours.opening_hours', confidence: 0.9, rules: [], answered: true, at: '' });
    bus.emit('routing.decided', { sessionId: 's2', kioskId: 'k', customerId: null, text: '宿舍幾點關門？', lang: 'zh-Hant', kind: 'bot', label: 'general.hours.opening_hours', confidence: 0.9, rules: [], answered: false, at: '' });
    await ticketsOpenedFor('s1', 's2');
    const open = tickets.list();
    expect(open).toHaveLength(2);
    expect(open.find((t) => t.sessionId === 's1')).toMatchObject({ number: 1, origin: 'unresolved-call', status: 'open', intent: 'finance.cards.overseas_card_use', dueAt: new Date(START + 48 * HOUR).toISOString() });
    expect(open.find((t) => t.sessionId === 's2')).toMatchObject({ origin: 'unanswered-question', question: '宿舍幾點關門？', lang: 'zh-Hant' });
  });

  it('warns once before the due time and once at the breach, and not for resolved tickets', async () => {
    const late = await tickets.open({ question: 'q1', intent: null, lang: 'en', origin: 'manual', sessionId: null });
    const done = await tickets.open({ question: 'q2', intent: null, lang: 'en', origin: 'manual', sessionId: null });
    await tickets.resolve(done.id, 'sup', { article: articleInputSchema.parse({ key: 'art-q2', title: text('答', '答', 'Answer'), body: text('內容', '内容', 'Body'), validFrom: '2026-01-01T00:00:00Z' }) });
    clock = START + 39 * HOUR;
    expect(await tickets.checkDeadlines()).toEqual([]);
    clock = START + 40 * HOUR;
    expect(await tickets.checkDeadlines()).toEqual([{ ticketId: late.id, kind: 'due-soon' }]);
    expect(await tickets.checkDeadlines()).toEqual([]);
    clock = START + 48 * HOUR;
    expect(await tickets.checkDeadlines()).toEqual([{ ticketId: late.id, kind: 'breached' }]);
    clock = START + 60 * HOUR;
    expect(await tickets.checkDeadlines()).toEqual([]);
    expect(warnings.map((w) => w.kind)).toEqual(['due-soon', 'breached']);
    expect(tickets.get(late.id).warnings.map((w) => w.kind)).toEqual(['due-soon', 'breached']);
  });

  it('is assigned, discussed and resolved by a new article that then answers the same question', async () => {
    unresolved('s9', 'Can I use my card in Japan without a fee?');
    await ticketsOpenedFor('s9');
    const [ticket] = tickets.list();
    expect(await tickets.assign(ticket!.id, 'editor.wu')).toMatchObject({ status: 'assigned', assignee: 'editor.wu' });
    expect((await tickets.comment(ticket!.id, 'editor.wu', 'Checking the fee table with cards team')).comments).toHaveLength(1);
    const article = articleInputSchema.parse({
      key: 'art-japan-fees',
      title: text('日本刷卡免手續費方案', '日本刷卡免手续费方案', 'Card fees when paying in Japan'),
      body: text('白金卡在日本刷卡免海外手續費。', '白金卡在日本刷卡免境外手续费。', 'Platinum cards pay no foreign fee in Japan.'),
      validFrom: '2026-01-01T00:00:00Z',
    });
    const resolved = await tickets.resolve(ticket!.id, 'editor.wu', { article });
    expect(resolved).toMatchObject({ status: 'resolved', resolution: { how: 'written', by: 'editor.wu' } });
    await expect(tickets.resolve(ticket!.id, 'editor.wu', { article })).rejects.toThrow(/already resolved/);
    await expect(tickets.comment(ticket!.id, 'x', 'late')).rejects.toThrow(/already resolved/);
    // The loop closes: the same question now finds the article, by search and by its intent.
    expect(knowledge.search('Can I use my card in Japan without a fee?', 'en', 1)[0]!.key).toBe('art-japan-fees');
    const recommended = await knowledge.recommend({ text: 'card abroad', intent: 'finance.cards.overseas_card_use', lang: 'en', shownTo: null });
    expect(recommended.map((r) => r.key)).toContain('art-japan-fees');
  });

  it('is resolved by linking an existing article, which learns the question; a retired article cannot resolve it', async () => {
    await importBundle(knowledge, { version: 'x', articles: [
      { key: 'art-wifi', title: text('無線網路', '无线网络', 'Guest Wi-Fi'), body: text('網路名稱 Branch-Guest。', '网络名称 Branch-Guest。', 'Network Branch-Guest.'), validFrom: '2026-01-01T00:00:00Z' },
      { key: 'art-old', title: text('舊', '旧', 'Old'), body: text('舊', '旧', 'Old'), validFrom: '2026-01-01T00:00:00Z' },
    ] }, 'seed');
    const ticket = await tickets.open({ question: '訪客上網密碼是多少', intent: 'general.facilities.wifi', lang: 'zh-Hant', origin: 'manual', sessionId: null });
    const old = knowledge.node('article', 'art-old')!;
    await knowledge.retire(old.id, 'outdated');
    await expect(tickets.resolve(ticket.id, 'sup', { articleId: old.id })).rejects.toThrow(/retired article/);
    const wifi = knowledge.node('article', 'art-wifi')!;
    expect(await tickets.resolve(ticket.id, 'sup', { articleId: wifi.id })).toMatchObject({ resolution: { articleId: wifi.id, how: 'linked' } });
    const detail = knowledge.article(wifi.id);
    expect(detail.version.version).toBe(2);
    expect(detail.version.keywords['zh-Hant']).toContain('訪客上網密碼是多少');
    expect(detail.links.map((l) => `${l.type}:${l.node.key}`)).toContain('solves:general.facilities.wifi');
    expect(knowledge.search('訪客上網密碼', 'zh-Hant', 1)[0]!.key).toBe('art-wifi');
  });
});
