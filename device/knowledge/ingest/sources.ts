import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FeedConnector } from './feed.js';
import { FolderConnector } from './folder.js';
import type { KnowledgeConnector } from './items.js';
import { CatalogueConnector, PolicyDocumentsConnector } from './references.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes');
const sourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ id, kind: z.literal('folder'), path: z.string().min(1) }),
  z.strictObject({ id, kind: z.literal('feed'), url: z.url({ protocol: /^https?$/ }), intents: z.array(z.string()).default([]) }),
  z.strictObject({ id, kind: z.literal('catalogue'), path: z.string().min(1) }),
  z.strictObject({ id, kind: z.literal('policies'), path: z.string().min(1) }),
]);

export type SourceConfig = z.input<typeof sourceSchema>;

export function connectorFor(source: z.output<typeof sourceSchema>): KnowledgeConnector {
  switch (source.kind) {
    case 'folder':
      return new FolderConnector(source.id, source.path);
    case 'feed':
      return new FeedConnector(source.id, source.url, source.intents);
    case 'catalogue':
      return new CatalogueConnector(source.id, source.path);
    case 'policies':
      return new PolicyDocumentsConnector(source.id, source.path);
  }
}

/** The sources named in the appliance's sources file; a wrong entry stops the start with its reason. */
export async function readSourcesFile(file: string): Promise<KnowledgeConnector[]> {
  const parsed = z.array(sourceSchema).max(100).safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`knowledge sources file ${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const ids = parsed.data.map((s) => s.id);
  if (new Set(ids).size !== ids.length) throw new Error(`knowledge sources file ${file}: source ids must be unique`);
  return parsed.data.map(connectorFor);
}
