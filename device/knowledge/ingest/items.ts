import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LANGUAGES, type Language } from '../../store/index.js';

/** What a connector found in its source: content to apply, or an item it could not use and why. */
export type SourceItem =
  | { ref: string; kind: 'article' | 'product' | 'policy'; input: Record<string, unknown> }
  | { ref: string; kind: 'rejected'; reason: string };

/** A place knowledge comes from. `read` lists everything the source holds now; the runner works out what changed. */
export interface KnowledgeConnector {
  readonly id: string;
  readonly kind: 'folder' | 'feed' | 'catalogue' | 'policies';
  read(): Promise<SourceItem[]>;
}

/** Files bigger than this are refused rather than read: knowledge articles are pages, not archives. */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export class SourceFormatError extends Error {}

/**
 * The three language sections of a Markdown document: `## zh-Hant`, `## zh-Hans` and `## en` headings,
 * each followed by a `# Title` line and the body.
 */
export function languageSections(markdown: string): Record<'title' | 'body', Record<Language, string>> {
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    const heading = /^##\s+(zh-Hant|zh-Hans|en)\s*$/.exec(line);
    if (heading) sections.set(heading[1]!, (current = []));
    else current?.push(line);
  }
  const title = {} as Record<Language, string>;
  const body = {} as Record<Language, string>;
  for (const lang of LANGUAGES) {
    const lines = sections.get(lang);
    if (!lines) throw new SourceFormatError(`missing the "## ${lang}" section`);
    const titleIndex = lines.findIndex((l) => /^#\s+\S/.test(l));
    if (titleIndex < 0) throw new SourceFormatError(`the ${lang} section has no "# title" line`);
    title[lang] = lines[titleIndex]!.replace(/^#\s+/, '').trim();
    body[lang] = lines.slice(titleIndex + 1).join('\n').trim();
    if (!body[lang]) throw new SourceFormatError(`the ${lang} section has no text`);
  }
  return { title, body };
}

export const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The visible regular files of a folder, in name order. */
export async function filesIn(dir: string): Promise<{ name: string; file: string }[]> {
  const files: { name: string; file: string }[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const file = path.join(dir, name);
    if (!name.startsWith('.') && (await stat(file)).isFile()) files.push({ name, file });
  }
  return files;
}

/** A file's text, refused when it is bigger than `limit`. */
export async function readBounded(file: string, limit = MAX_SOURCE_BYTES): Promise<string> {
  if ((await stat(file)).size > limit) throw new SourceFormatError(`larger than ${limit} bytes`);
  return readFile(file, 'utf8');
}

const CSV_LANG_SUFFIX = { 'zh-Hant': 'zh_hant', 'zh-Hans': 'zh_hans', en: 'en' } as const;

/** The three columns `<prefix>_zh_hant`, `<prefix>_zh_hans` and `<prefix>_en` of a CSV row as one text. */
export function localizedColumns(row: Record<string, string>, prefix: string): Record<Language, string> {
  return Object.fromEntries(LANGUAGES.map((lang) => [lang, row[`${prefix}_${CSV_LANG_SUFFIX[lang]}`] ?? ''])) as Record<Language, string>;
}
