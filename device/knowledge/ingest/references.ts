import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import matter from 'gray-matter';
import { LANGUAGES } from '../../store/index.js';
import { describeError, languageSections, MAX_SOURCE_BYTES, SourceFormatError, type KnowledgeConnector, type SourceItem } from './items.js';

const CSV_LANG_SUFFIX = { 'zh-Hant': 'zh_hant', 'zh-Hans': 'zh_hans', en: 'en' } as const;

/**
 * A product catalogue exported as CSV: `sku`, `name_zh_hant`, `name_zh_hans`, `name_en` and the matching
 * `description_*` columns. Each row becomes the product node `prd-<sku>` that articles apply to.
 */
export class CatalogueConnector implements KnowledgeConnector {
  readonly kind = 'catalogue';

  constructor(
    readonly id: string,
    private readonly file: string,
  ) {}

  async read(): Promise<SourceItem[]> {
    if ((await stat(this.file)).size > MAX_SOURCE_BYTES * 16) throw new SourceFormatError('catalogue file is too large');
    const rows = parseCsv(await readFile(this.file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
    return rows.map((row, i): SourceItem => {
      const ref = `${path.basename(this.file)}#${i + 2}`;
      if (!row.sku || !/^[A-Za-z0-9-]{1,60}$/.test(row.sku)) return { ref, kind: 'rejected', reason: 'sku missing or not letters, digits and dashes' };
      const localized = (prefix: string) => Object.fromEntries(LANGUAGES.map((lang) => [lang, row[`${prefix}_${CSV_LANG_SUFFIX[lang]}`] ?? '']));
      return { ref, kind: 'product', input: { key: `prd-${row.sku.toLowerCase()}`, title: localized('name'), body: localized('description') } };
    });
  }
}

/** A folder of policy documents: Markdown with a `key` in its front matter and the three language sections. */
export class PolicyDocumentsConnector implements KnowledgeConnector {
  readonly kind = 'policies';

  constructor(
    readonly id: string,
    private readonly dir: string,
  ) {}

  async read(): Promise<SourceItem[]> {
    const items: SourceItem[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      if (name.startsWith('.')) continue;
      const file = path.join(this.dir, name);
      try {
        if (path.extname(name).toLowerCase() !== '.md') throw new SourceFormatError('policy documents are Markdown (.md) files');
        if ((await stat(file)).size > MAX_SOURCE_BYTES) throw new SourceFormatError(`larger than ${MAX_SOURCE_BYTES} bytes`);
        const { data, content } = matter(await readFile(file, 'utf8'));
        items.push({ ref: name, kind: 'policy', input: { key: data.key, ...languageSections(content) } });
      } catch (error) {
        items.push({ ref: name, kind: 'rejected', reason: describeError(error) });
      }
    }
    return items;
  }
}
