import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import matter from 'gray-matter';
import { describeError, filesIn, languageSections, localizedColumns, MAX_SOURCE_BYTES, readBounded, SourceFormatError, type KnowledgeConnector, type SourceItem } from './items.js';

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
    const rows = parseCsv(await readBounded(this.file, MAX_SOURCE_BYTES * 16), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
    return rows.map((row, i): SourceItem => {
      const ref = `${path.basename(this.file)}#${i + 2}`;
      if (!row.sku || !/^[A-Za-z0-9-]{1,60}$/.test(row.sku)) return { ref, kind: 'rejected', reason: 'sku missing or not letters, digits and dashes' };
      return { ref, kind: 'product', input: { key: `prd-${row.sku.toLowerCase()}`, title: localizedColumns(row, 'name'), body: localizedColumns(row, 'description') } };
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
    for (const { name, file } of await filesIn(this.dir)) {
      try {
        if (path.extname(name).toLowerCase() !== '.md') throw new SourceFormatError('policy documents are Markdown (.md) files');
        const { data, content } = matter(await readBounded(file));
        items.push({ ref: name, kind: 'policy', input: { key: data.key, ...languageSections(content) } });
      } catch (error) {
        items.push({ ref: name, kind: 'rejected', reason: describeError(error) });
      }
    }
    return items;
  }
}
