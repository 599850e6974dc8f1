import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { parse as parseHtml } from 'node-html-parser';
import { MAX_SOURCE_BYTES, SourceFormatError, type KnowledgeConnector, type SourceItem } from './items.js';

const FETCH_TIMEOUT_MS = 15_000;
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
/** Feed fields are text, or an object with the text under `#text` when the element has attributes. */
const textOf = (value: unknown): string => (typeof value === 'object' && value !== null ? String((value as Record<string, unknown>)['#text'] ?? '') : String(value ?? '')).trim();
const plain = (html: string) => parseHtml(html).structuredText.trim();

/**
 * An RSS 2.0 or Atom feed (a bank's notices, a shop's service announcements). Each entry becomes an
 * article of the feed's intents; a feed speaks one language, so its text stands in for all three.
 */
export class FeedConnector implements KnowledgeConnector {
  readonly kind = 'feed';

  constructor(
    readonly id: string,
    private readonly url: string,
    private readonly intents: string[] = [],
  ) {}

  async read(): Promise<SourceItem[]> {
    const response = await fetch(this.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new SourceFormatError(`feed answered HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_SOURCE_BYTES * 4) throw new SourceFormatError('feed is too large');
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(text) as Record<string, any>;
    const entries: { id: string; title: string; body: string; published: string | null }[] = [];
    if (xml.rss) {
      for (const item of asArray(xml.rss.channel?.item)) {
        entries.push({ id: textOf(item.guid) || textOf(item.link), title: textOf(item.title), body: plain(textOf(item.description)), published: textOf(item.pubDate) || null });
      }
    } else if (xml.feed) {
      for (const entry of asArray(xml.feed.entry)) {
        entries.push({ id: textOf(entry.id), title: textOf(entry.title), body: plain(textOf(entry.content) || textOf(entry.summary)), published: textOf(entry.published) || textOf(entry.updated) || null });
      }
    } else {
      throw new SourceFormatError('not an RSS or Atom feed');
    }
    return entries.map((entry, i): SourceItem => {
      const ref = entry.id || `entry ${i + 1}`;
      if (!entry.id || !entry.title || !entry.body) return { ref, kind: 'rejected', reason: 'an entry needs an id, a title and text' };
      const published = entry.published && !Number.isNaN(Date.parse(entry.published)) ? new Date(entry.published).toISOString() : '2000-01-01T00:00:00.000Z';
      const same = (value: string) => ({ 'zh-Hant': value, 'zh-Hans': value, en: value });
      return {
        ref,
        kind: 'article',
        input: { key: `art-feed-${this.id}-${createHash('sha256').update(entry.id).digest('hex').slice(0, 16)}`, intents: this.intents, title: same(entry.title.slice(0, 200)), body: same(entry.body), validFrom: published },
      };
    });
  }
}
