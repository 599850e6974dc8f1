import { z } from 'zod';
import { localizedTermsSchema, localizedTextSchema } from '../store/index.js';

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be a date');
const nodeKey = z.string().trim().min(1).max(200);

export const articleInputSchema = z.strictObject({
  key: nodeKey,
  title: localizedTextSchema.extend({ 'zh-Hant': z.string().min(1).max(200), 'zh-Hans': z.string().min(1).max(200), en: z.string().min(1).max(200) }),
  body: localizedTextSchema.extend({ 'zh-Hant': z.string().min(1).max(20_000), 'zh-Hans': z.string().min(1).max(20_000), en: z.string().min(1).max(20_000) }),
  keywords: localizedTermsSchema.default({ 'zh-Hant': [], 'zh-Hans': [], en: [] }),
  validFrom: isoDate,
  validUntil: isoDate.nullable().default(null),
  intents: z.array(nodeKey).max(20).default([]),
  products: z.array(nodeKey).max(50).default([]),
  policies: z.array(nodeKey).max(50).default([]),
  /** Articles this one replaces: they stop being recommended. */
  supersedes: z.array(nodeKey).max(20).default([]),
  source: nodeKey.nullable().default(null),
});
export type ArticleInput = z.output<typeof articleInputSchema>;

export const referenceInputSchema = z.strictObject({
  key: nodeKey,
  title: localizedTextSchema,
  body: localizedTextSchema,
});
export type ReferenceInput = z.output<typeof referenceInputSchema>;
