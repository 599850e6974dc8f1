import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import matter from 'gray-matter';
import { parse as parseHtml } from 'node-html-parser';
import { LANGUAGES } from '../../store/index.js';
import { describeError, filesIn, languageSections, localizedColumns, readBounded, SourceFormatError, type KnowledgeConnector, type SourceItem } from './items.js';

const list = (value: unknown) => (Array.isArray(value) ? value : typeof value === 'string' && value ? value.split(/[;,]/).map((v) => v.trim()).filter(Boolean) : []);
const date = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

/** Markdown with front matter (key, intents, products, policies, validFrom, validUntil, keywords) and language sections. */
function markdownArticle(text: string): Record<string, unknown> {
  const { data, content } = matter(text);
  return { ...data, validFrom: date(data.validFrom), validUntil: date(data.validUntil ?? null), intents: list(data.intents), products: list(data.products), policies: list(data.policies), ...languageSections(content) };
}

/** `<meta name="key|intents|valid-from|valid-until">` and one `<article lang="…"><h1>title</h1>body</article>` per language. */
function htmlArticle(text: string): Record<string, unknown> {
  const root = parseHtml(text);
  const meta = (name: string) => root.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? null;
  const title: Record<string, string> = {};
  const body: Record<string, string> = {};
  for (const lang of LANGUAGES) {
    const article = root.querySelector(`article[lang="${lang}"]`);
    if (!article) throw new SourceFormatError(`no <article lang="${lang}">`);
    const h1 = article.querySelector('h1');
    if (!h1) throw new SourceFormatError(`the ${lang} article has no <h1>`);
    title[lang] = h1.text.trim();
    h1.remove();
    body[lang] = article.structuredText.trim();
  }
  return { key: meta('key'), intents: list(meta('intents')), validFrom: meta('valid-from'), validUntil: meta('valid-until'), title, body };
}

function csvArticles(text: string, ref: string): SourceItem[] {
  const rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return rows.map((row, i) => ({
    ref: `${ref}#${i + 2}`,
    kind: 'article' as const,
    input: { key: row.key, intents: list(row.intents), validFrom: row.valid_from, validUntil: row.valid_until || null, title: localizedColumns(row, 'title'), body: localizedColumns(row, 'body') },
  }));
}

function jsonArticles(text: string, ref: string): SourceItem[] {
  const data: unknown = JSON.parse(text);
  const articles = Array.isArray(data) ? data : [data];
  return articles.map((input, i) => ({ ref: articles.length > 1 ? `${ref}#${i}` : ref, kind: 'article' as const, input: input as Record<string, unknown> }));
}

/**
 * A watched folder of articles: Markdown, HTML, JSON (one article or a list) and CSV (one per row). A
 * file that cannot be read as an article is rejected with the reason; the others are unaffected.
 */
export class FolderConnector implements KnowledgeConnector {
  readonly kind = 'folder';

  constructor(
    readonly id: string,
    private readonly dir: string,
  ) {}

  async read(): Promise<SourceItem[]> {
    const items: SourceItem[] = [];
    for (const { name, file } of await filesIn(this.dir)) items.push(...(await this.readFile(file, name)));
    return items;
  }

  private async readFile(file: string, ref: string): Promise<SourceItem[]> {
    try {
      const text = await readBounded(file);
      switch (path.extname(file).toLowerCase()) {
        case '.md':
        case '.markdown':
          return [{ ref, kind: 'article', input: markdownArticle(text) }];
        case '.html':
        case '.htm':
          return [{ ref, kind: 'article', input: htmlArticle(text) }];
        case '.json':
          return jsonArticles(text, ref);
        case '.csv':
          return csvArticles(text, ref);
        default:
          throw new SourceFormatError(`unsupported file type "${path.extname(file) || 'none'}" (use .md, .html, .json or .csv)`);
      }
    } catch (error) {
      return [{ ref, kind: 'rejected', reason: describeError(error) }];
    }
  }
}
