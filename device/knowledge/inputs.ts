import type { z } from 'zod';
import type { articleInputSchema, referenceInputSchema } from '../../protocol/api/index.js';

// The wire's schemas (protocol/api): the routes, the bundles and the ingestion connectors check the same shape.
export { articleInputSchema, referenceInputSchema } from '../../protocol/api/index.js';
export type ArticleInput = z.output<typeof articleInputSchema>;
export type ReferenceInput = z.output<typeof referenceInputSchema>;
