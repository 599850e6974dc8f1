import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus, type BusEvents, type FactJournal } from '../../device/bus.js';
import { CatalogueConnector, FeedConnector, FolderConnector, Ingestion, Knowledge, knowledgeTables, PolicyDocumentsConnector, Synonyms } from '../../device/knowledge/index.js';
import { Store } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';

let dir: string;
let inbox: string;
let store: Store;
let journal: FactJournal;
let bus: EventBus;
let knowledge: Knowledge;
const log = pino({ level: 'silent' });

const markdown = (key: string, en: string, extra = '') => `---
key: ${key}
intents: [general.facilities.wifi]
validFrom: 2026-01-01
${extra}---
## zh-Hant
# 訪客無線網路
連線到 Branch-Guest，密碼在櫃台。

## zh-Hans
# 访客无线网络
连接 Branch-Guest，密码在柜台。

## en
# Guest Wi-Fi
${en}
`;

const HTML = `<html><head><meta name="key" content="art-parking"><meta name="intents" content="general.location.parking"><meta name="valid-from" content="2026-01-01"></head><body>
<article lang="zh-Hant"><h1>停車資訊</h1><p>地下室 B2 停車，憑發票折抵一小時。</p></article>
<article lang="zh-Hans"><h1>停车信息</h1><p>地下室 B2 停车，凭发票抵扣一小时。</p></article>
<article lang="en"><h1>Parking</h1><p>Park on B2; a receipt gives one free hour.</p></article></body></html>`;

const json = (key: string) => JSON.stringify({ key, intents: ['general.hours.opening_hours'], validFrom: '2026-01-01T00:00:00Z', title: { 'zh-Hant': '營業時間', 'zh-Hans': '营业时间', en: 'Opening hours' }, body: { 'zh-Hant': '週一至週五 9:00-17:00。', 'zh-Hans': '周一至周五 9:00-17:00。', en: 'Mon-Fri 9:00-17:00.' } });

const CSV = `key,intents,valid_from,valid_until,title_zh_hant,title_zh_hans,title_en,body_zh_hant,body_zh_hans,body_en
art-toilets,general.facilities.toilets,2026-01-01,,洗手間位置,洗手间位置,Toilets,"在一樓電梯旁,
無障礙廁所在二樓。","在一楼电梯旁,
无障碍厕所在二楼。","Next to the lift on the ground floor,
accessible toilet on level 2."
art-bad-row,general.facilities.toilets,not-a-date,,x,x,x,y,y,y
`;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ingest-'));
  inbox = join(dir, 'inbox');
  mkdirSync(inbox);
  store = await Store.open(join(dir, 'store.json'));
  ({ journal, bus } = await openTestJournal([knowledgeTables], new EventBus(), dir));
  knowledge = new Knowledge(journal, store, bus, new Synonyms(fileURLToPath(new URL('../../device/knowledge/synonyms.json', import.meta.url))));
});
afterEach(async () => {
  journal.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('knowledge ingestion', () => {
  it('reads Markdown, HTML, JSON and CSV from a folder, rejects bad files with a reason, and is idempotent', async () => {
    writeFileSync(join(inbox, 'wifi.md'), markdown('art-wifi', 'Join Branch-Guest; the password is at the counter.'));
    writeFileSync(join(inbox, 'parking.html'), HTML);
    writeFileSync(join(inbox, 'hours.json'), json('art-hours'));
    writeFileSync(join(inbox, 'facilities.csv'), CSV);
    writeFileSync(join(inbox, 'half.md'), markdown('art-half', 'x').replace(/## zh-Hans[\s\S]*?## en/, '## en'));
    writeFileSync(join(inbox, 'notes.docx'), 'binary');
    writeFileSync(join(inbox, 'broken.json'), '{"key": ');
    writeFileSync(join(inbox, 'ghost.json'), JSON.stringify({ ...JSON.parse(json('art-ghost')), products: ['prd-none'] }));
    const ingestion = new Ingestion(journal, knowledge, [new FolderConnector('inbox', inbox)], log);

    const ingested: BusEvents['knowledge.ingested'][] = [];
    bus.on('knowledge.ingested', (e) => void ingested.push(e));
    const first = await ingestion.run(ingestion.connectors[0]!);
    expect(first.error).toBeNull();
    expect(first.added.sort()).toEqual(['art-hours', 'art-parking', 'art-toilets', 'art-wifi']);
    const reasons = Object.fromEntries(first.rejected.map((r) => [r.item, r.reason]));
    expect(reasons).toEqual({
      'facilities.csv#3': expect.stringMatching(/validFrom: must be a date/),
      'half.md': 'missing the "## zh-Hans" section',
      'notes.docx': expect.stringMatching(/unsupported file type "\.docx"/),
      'broken.json': expect.stringMatching(/JSON/),
      'ghost.json': 'article "art-ghost" refers to an unknown product "prd-none"',
    });
    expect(knowledge.indexes.search('parking receipt', 'en', 1)[0]!.key).toBe('art-parking');
    expect(knowledge.indexes.search('無障礙廁所', 'zh-Hant', 1)[0]!.key).toBe('art-toilets');
    const toilets = knowledge.article(knowledge.indexes.node('article', 'art-toilets')!.id);
    expect(toilets.links.map((l) => `${l.type}:${l.node.key}`).sort()).toEqual(['derived-from:folder:inbox', 'solves:general.facilities.toilets']);

    const again = await ingestion.run(ingestion.connectors[0]!);
    expect({ added: again.added, changed: again.changed, retired: again.retired, unchanged: again.unchanged }).toEqual({ added: [], changed: [], retired: [], unchanged: 4 });
    expect(store.read((d) => d.kbArticleVersions.length)).toBe(4);

    writeFileSync(join(inbox, 'wifi.md'), markdown('art-wifi', 'Join Branch-Guest; ask staff for the password.'));
    unlinkSync(join(inbox, 'parking.html'));
    const third = await ingestion.run(ingestion.connectors[0]!);
    expect(third).toMatchObject({ added: [], changed: ['art-wifi'], retired: ['art-parking'], unchanged: 2 });
    expect(knowledge.article(knowledge.indexes.node('article', 'art-wifi')!.id).version.version).toBe(2);
    expect(knowledge.indexes.node('article', 'art-parking')!.status).toBe('retired');
    expect(ingestion.runs(10).map((r) => r.id)).toEqual([third.id, again.id, first.id]);
    expect(ingestion.runs(1)).toEqual([third]);
    expect(ingested.map((e) => [e.runId, e.added, e.changed, e.retired, e.rejected, e.failed])).toEqual([
      [first.id, 4, 0, 0, 5, false],
      [again.id, 0, 0, 0, 5, false],
      [third.id, 0, 1, 1, 5, false],
    ]);
  });

  it('reads RSS and Atom feeds over HTTP, a product catalogue and a policy document set', async () => {
    const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>Notices</title><language>en</language>
      <item><guid>n-1</guid><title>Branch closed on 1 Dec</title><description>&lt;p&gt;All branches close for maintenance.&lt;/p&gt;</description><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate></item>
      <item><guid>n-2</guid><title></title><description>no title</description></item></channel></rss>`;
    const atom = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Campus</title>
      <entry><id>urn:c-1</id><title type="text">Library hours extended</title><summary>Open until midnight in exam weeks.</summary><updated>2026-11-20T00:00:00Z</updated></entry></feed>`;
    const server: Server = createServer((req, res) => {
      if (req.url === '/rss') res.end(rss);
      else if (req.url === '/atom') res.end(atom);
      else res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'refunds.md'), `---\nkey: pol-refund-14d\n---\n## zh-Hant\n# 退款政策\n14 天內可退款。\n## zh-Hans\n# 退款政策\n14 天内可退款。\n## en\n# Refunds\nRefunds within 14 days.\n`);
    writeFileSync(join(dir, 'policies', 'draft.txt'), 'not a policy');
    writeFileSync(join(dir, 'catalogue.csv'), 'sku,name_zh_hant,name_zh_hans,name_en,description_zh_hant,description_zh_hans,description_en\nCARD-GOLD,金卡,金卡,Gold card,年費 1200,年费 1200,Annual fee 1200\n,缺,缺,Missing,x,x,x\n');
    try {
      const ingestion = new Ingestion(journal, knowledge, [
        new FeedConnector('notices', `${base}/rss`, ['general.hours.holiday_hours']),
        new FeedConnector('campus', `${base}/atom`),
        new FeedConnector('down', `${base}/missing`),
        new CatalogueConnector('catalogue', join(dir, 'catalogue.csv')),
        new PolicyDocumentsConnector('policies', join(dir, 'policies')),
        new FolderConnector('nowhere', join(dir, 'no-such-folder')),
      ], log);
      const [notices, campus, down, catalogue, policies, nowhere] = await ingestion.runAll();
      expect(notices).toMatchObject({ added: [expect.stringMatching(/^art-feed-notices-/)], rejected: [{ item: 'n-2', reason: 'an entry needs an id, a title and text' }], error: null });
      expect(campus!.added).toHaveLength(1);
      expect(down!.error).toBe('feed answered HTTP 500');
      expect(catalogue).toMatchObject({ added: ['prd-card-gold'], rejected: [{ item: 'catalogue.csv#3' }] });
      expect(policies).toMatchObject({ added: ['pol-refund-14d'], rejected: [{ item: 'draft.txt', reason: 'policy documents are Markdown (.md) files' }] });
      expect(nowhere!.error).toMatch(/ENOENT/);
      expect(knowledge.indexes.search('branch closed maintenance', 'zh-Hant', 1)[0]).toMatchObject({ title: 'Branch closed on 1 Dec', snippet: 'All branches close for maintenance.' });
      expect(knowledge.indexes.node('product', 'prd-card-gold')!.title.en).toBe('Gold card');
      expect(knowledge.indexes.node('policy', 'pol-refund-14d')!.body['zh-Hans']).toBe('14 天内可退款。');
      const rerun = await ingestion.run(ingestion.connectors[3]!);
      expect(rerun).toMatchObject({ added: [], changed: [], unchanged: 1 });
    } finally {
      server.close();
    }
  });
});
