import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { KnowledgeError } from './errors.js';
import { articleInputSchema, referenceInputSchema } from './inputs.js';
import type { Knowledge } from './knowledge.js';

/**
 * A versioned knowledge release: products, policies and articles to add or update, articles to retire.
 * The demo seed is one, and cloud sync delivers them.
 */
export const knowledgeBundleSchema = z.strictObject({
  version: z.string().trim().min(1).max(100),
  products: z.array(referenceInputSchema).max(10_000).default([]),
  policies: z.array(referenceInputSchema).max(10_000).default([]),
  articles: z.array(articleInputSchema).max(50_000).default([]),
  retire: z.array(z.strictObject({ key: z.string().min(1).max(200), reason: z.string().min(1).max(500) })).max(10_000).default([]),
});
export type KnowledgeBundle = z.input<typeof knowledgeBundleSchema>;

export interface BundleReport {
  version: string;
  added: number;
  changed: number;
  unchanged: number;
  retired: number;
}

/**
 * Validates a bundle and applies it in one store write. Any problem (bad shape, an article pointing at a
 * product that neither the store nor the bundle has) rejects the whole bundle and changes nothing.
 */
export async function importBundle(knowledge: Knowledge, raw: unknown, author: string): Promise<BundleReport> {
  const parsed = knowledgeBundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new KnowledgeError(`invalid knowledge bundle: ${issue.path.join('.') || 'root'}: ${issue.message}`);
  }
  const bundle = parsed.data;
  const keys = bundle.articles.map((a) => a.key);
  if (new Set(keys).size !== keys.length) throw new KnowledgeError('invalid knowledge bundle: an article key appears twice');
  const report: BundleReport = { version: bundle.version, added: 0, changed: 0, unchanged: 0, retired: 0 };
  // Articles that supersede others in the same bundle come after them.
  const ordered = [...bundle.articles].sort((a, b) => a.supersedes.length - b.supersedes.length);
  await knowledge.graph.transaction((tx) => {
    for (const product of bundle.products) tx.upsertReference('product', product);
    for (const policy of bundle.policies) tx.upsertReference('policy', policy);
    for (const article of ordered) {
      const result = tx.upsertArticle(article, author);
      if (!result.changed) report.unchanged++;
      else if (result.version === 1) report.added++;
      else report.changed++;
    }
    for (const { key, reason } of bundle.retire) {
      tx.retire(key, reason);
      report.retired++;
    }
  });
  return report;
}

/** The demo knowledge base shipped in `seed/`: every JSON file there is part of one bundle. */
export async function readSeedBundle(dir: string): Promise<KnowledgeBundle> {
  const bundle = { version: 'demo-seed', products: [] as unknown[], policies: [] as unknown[], articles: [] as unknown[] };
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const part = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Record<string, unknown[]>;
    bundle.products.push(...(part.products ?? []));
    bundle.policies.push(...(part.policies ?? []));
    bundle.articles.push(...(part.articles ?? []));
  }
  return bundle as KnowledgeBundle;
}
