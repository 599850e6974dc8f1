import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus, type BusEvents, type FactJournal } from '../../device/bus.js';
import { articleInputSchema, importBundle, Knowledge, knowledgeTables, KnowledgeTickets, Synonyms } from '../../device/knowledge/index.js';
import { Store } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-11-20T09:00:00Z');
const text = (zhHant: string, zhHans: string, en: string) => ({ 'zh-Hant': zhHant, 'zh-Hans': zhHans, en });

let dir: string;
let store: Store;
let journal: FactJournal;
let bus: EventBus;
let clock: number;
let knowledge: Knowledge;
let tickets: KnowledgeTickets;
let warnings: { kind: string; number: number }[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tickets-'));
  store = await Store.open(join(dir, 'store.json'));
  ({ journal, bus } = await openTestJournal([knowledgeTables], new EventBus(), dir));
  clock = START;
  knowledge = new Knowledge(journal, store, bus, new Synonyms(fileURLToPath(new URL('../../device/knowledge/synonyms.json', import.meta.url))), () => clock);
  tickets = new KnowledgeTickets(journal, knowledge, { slaHours: 48, warnBeforeHours: 8 }, () => clock);
  warnings = [];
  bus.on('knowledge.ticket.warning', (w) => warnings.push(w));
});
afterEach(async () => {
  journal.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Records a routing fact as the routing module does: the tickets it calls for are opened in the same write. */
const fact = <K extends 'routing.wrapped-up' | 'routing.decided'>(name: K, payload: BusEvents[K]) => journal.write((tx) => tx.emit(name, payload));
const unresolved = (sessionId: string, question: string) =>
  fact('routing.wrapped-up', { sessionId, agentId: 'a', routedLabel: null, label: 'finance.cards.overseas_card_use', confirmed: true, resolved: false, question, lang: 'en', at: new Date(clock).toISOString() });

describe('knowledge tickets', () => {
  it('opens a ticket due in 48 hours for an unresolved call or an unanswered bot question, one per session', async () => {
    const opened: number[] = [];
    bus.on('knowledge.ticket.opened', (e) => void opened.push(e.number));
    await unresolved('s1', 'Can I use my card in Japan without a fee?');
    await unresolved('s1', 'Can I use my card in Japan without a fee?');
    await fact('routing.decided', { sessionId: 's3', kioskId: 'k', customerId: null, text: 'answered', lang: 'en', kind: 'bot', label: 'general.hours.opening_hours', confidence: 0.9, rules: [], answered: true, at: '' });
    await fact('routing.decided', { sessionId: 's2', kioskId: 'k', customerId: null, text: '宿舍幾點關門？', lang: 'zh-Hant', kind: 'bot', label: 'general.hours.opening_hours', confidence: 0.9, rules: [], answered: false, at: '' });
    expect([tickets.ticketOpenedFor('s1'), tickets.ticketOpenedFor('s2'), tickets.ticketOpenedFor('s3')]).toEqual([true, true, false]);
    expect(opened).toEqual([1, 2]);
    // A routing write that fails takes its ticket with it.
    await expect(
      journal.write((tx) => {
        tx.emit('routing.wrapped-up', { sessionId: 's5', agentId: 'a', routedLabel: null, label: 'general.other', confirmed: false, resolved: false, question: 'q', lang: 'en', at: '' });
        throw new Error('the session write failed');
      }),
    ).rejects.toThrow('the session write failed');
    expect(tickets.ticketOpenedFor('s5')).toBe(false);
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
    await unresolved('s9', 'Can I use my card in Japan without a fee?');
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
    expect(knowledge.indexes.search('Can I use my card in Japan without a fee?', 'en', 1)[0]!.key).toBe('art-japan-fees');
    const recommended = knowledge.recommender.recommend({ text: 'card abroad', intent: 'finance.cards.overseas_card_use', lang: 'en' });
    expect(recommended.map((r) => r.key)).toContain('art-japan-fees');
  });

  it('is resolved by linking an existing article, which learns the question; a retired article cannot resolve it', async () => {
    await importBundle(knowledge, { version: 'x', articles: [
      { key: 'art-wifi', title: text('無線網路', '无线网络', 'Guest Wi-Fi'), body: text('網路名稱 Branch-Guest。', '网络名称 Branch-Guest。', 'Network Branch-Guest.'), validFrom: '2026-01-01T00:00:00Z' },
      { key: 'art-old', title: text('舊', '旧', 'Old'), body: text('舊', '旧', 'Old'), validFrom: '2026-01-01T00:00:00Z' },
    ] }, 'seed');
    const ticket = await tickets.open({ question: '訪客上網密碼是多少', intent: 'general.facilities.wifi', lang: 'zh-Hant', origin: 'manual', sessionId: null });
    const old = knowledge.indexes.node('article', 'art-old')!;
    await knowledge.graph.retire(old.id, 'outdated');
    await expect(tickets.resolve(ticket.id, 'sup', { articleId: old.id })).rejects.toThrow(/retired article/);
    const wifi = knowledge.indexes.node('article', 'art-wifi')!;
    expect(await tickets.resolve(ticket.id, 'sup', { articleId: wifi.id })).toMatchObject({ resolution: { articleId: wifi.id, how: 'linked' } });
    const detail = knowledge.article(wifi.id);
    expect(detail.version.version).toBe(2);
    expect(detail.version.keywords['zh-Hant']).toContain('訪客上網密碼是多少');
    expect(detail.links.map((l) => `${l.type}:${l.node.key}`)).toContain('solves:general.facilities.wifi');
    expect(knowledge.indexes.search('訪客上網密碼', 'zh-Hant', 1)[0]!.key).toBe('art-wifi');
  });
});
