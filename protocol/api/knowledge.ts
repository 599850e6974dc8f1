import { z } from 'zod';
import { idParams, LANGUAGES, languageSchema, localizedTextSchema, responses } from './common.js';

/** Knowledge for each audience: recommendations and their outcome, articles, search, tickets, ingestion, releases. */

export const localizedTermsSchema = z.object({ 'zh-Hant': z.array(z.string()), 'zh-Hans': z.array(z.string()), en: z.array(z.string()) });
const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be a date');
const nodeKey = z.string().trim().min(1).max(200);
const boundedText = (max: number) => z.object({ 'zh-Hant': z.string().min(1).max(max), 'zh-Hans': z.string().min(1).max(max), en: z.string().min(1).max(max) });

export const articleInputSchema = z.strictObject({
  key: nodeKey,
  title: boundedText(200),
  body: boundedText(20_000),
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

export const referenceInputSchema = z.strictObject({ key: nodeKey, title: localizedTextSchema, body: localizedTextSchema });

export const ticketCommentSchema = z.strictObject({ text: z.string().trim().min(1).max(2000) });
export const ticketAssignSchema = z.strictObject({ assignee: z.string().trim().min(1).max(100).nullable() });
export const newTicketSchema = z.strictObject({ question: z.string().trim().min(1).max(500), intent: z.string().max(100).nullable().default(null), lang: z.enum(LANGUAGES) });
export const ticketResolveSchema = z.union([z.strictObject({ articleId: z.uuid('articleId must be a UUID') }), z.strictObject({ article: articleInputSchema })]);

export const exposureSchema = z.object({
  id: z.string(),
  articleId: z.string(),
  version: z.number().int(),
  sessionId: z.string().nullable(),
  intent: z.string().nullable(),
  customerId: z.string().nullable(),
  audience: z.enum(['bot', 'agent']),
  rank: z.number().int().min(1),
  at: z.string(),
  outcome: z.enum(['success', 'failure']).nullable(),
  outcomeBy: z.enum(['agent', 'customer', 'repeat', 'no-repeat']).nullable(),
  outcomeAt: z.string().nullable(),
});

export const ticketSchema = z.object({
  id: z.string(),
  number: z.number().int().min(1),
  question: z.string(),
  intent: z.string().nullable(),
  lang: languageSchema,
  origin: z.enum(['unresolved-call', 'unanswered-question', 'manual']),
  sessionId: z.string().nullable(),
  status: z.enum(['open', 'assigned', 'resolved']),
  assignee: z.string().nullable(),
  createdAt: z.string(),
  dueAt: z.string(),
  comments: z.array(z.object({ by: z.string(), text: z.string(), at: z.string() })),
  warnings: z.array(z.object({ kind: z.enum(['due-soon', 'breached']), at: z.string() })),
  resolvedAt: z.string().nullable(),
  resolution: z.object({ articleId: z.string(), how: z.enum(['written', 'linked']), by: z.string() }).nullable(),
});

export const articleStatsSchema = z.object({ shown: z.number(), successes: z.number(), failures: z.number(), lowerBound: z.number() });

export const recommendationSchema = z.object({
  articleId: z.string(),
  key: z.string(),
  version: z.number().int(),
  title: z.string(),
  body: z.string(),
  stats: articleStatsSchema,
  exploring: z.boolean(),
});

export const searchResultSchema = z.object({ articleId: z.string(), key: z.string(), title: z.string(), snippet: z.string(), score: z.number(), status: z.enum(['active', 'retired']) });

export const KB_NODE_TYPES = ['article', 'product', 'policy', 'intent', 'source'] as const;
export const KB_LINK_TYPES = ['solves', 'applies-to', 'supersedes', 'derived-from'] as const;

export const kbNodeSchema = z.object({
  id: z.string(),
  type: z.enum(KB_NODE_TYPES),
  key: z.string(),
  title: localizedTextSchema,
  body: localizedTextSchema,
  status: z.enum(['active', 'retired']),
  createdAt: z.string(),
  retiredAt: z.string().nullable(),
  retiredReason: z.string().nullable(),
});

export const articleVersionSchema = z.object({
  articleId: z.string(),
  version: z.number().int().min(1),
  title: localizedTextSchema,
  body: localizedTextSchema,
  keywords: localizedTermsSchema,
  validFrom: z.string(),
  validUntil: z.string().nullable(),
  contentHash: z.string(),
  author: z.string(),
  createdAt: z.string(),
});

/** An article with its current version, its links and how it has done. */
export const articleDetailSchema = z.object({
  node: kbNodeSchema,
  version: articleVersionSchema,
  versions: z.number().int(),
  links: z.array(z.object({ type: z.enum(KB_LINK_TYPES), direction: z.enum(['out', 'in']), node: kbNodeSchema })),
  stats: articleStatsSchema,
  recommendable: z.boolean(),
});

/** An article the monthly review puts up for retirement, and why. */
export const reviewItemSchema = z.object({ articleId: z.string(), key: z.string(), title: localizedTextSchema, reasons: z.array(z.string()), stats: articleStatsSchema });

export const ingestRunSchema = z.object({
  id: z.string(),
  source: z.string(),
  kind: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  added: z.array(z.string()),
  changed: z.array(z.string()),
  unchanged: z.number().int(),
  retired: z.array(z.string()),
  rejected: z.array(z.object({ item: z.string(), reason: z.string() })),
  error: z.string().nullable(),
});

const ticketAnswer = z.object({ ticket: ticketSchema });

export const knowledgeApi = {
  recommendations: {
    querystring: z.object({ sessionId: z.uuid('sessionId must be a UUID'), lang: z.enum(LANGUAGES).optional() }),
    response: responses({ 200: z.object({ intent: z.string().nullable(), question: z.string(), recommendations: z.array(recommendationSchema) }) }),
  },
  showExposures: {
    body: z.strictObject({
      sessionId: z.uuid('sessionId must be a UUID'),
      articles: z
        .array(z.strictObject({ articleId: z.uuid('articleId must be a UUID'), version: z.number().int().min(1) }))
        .min(1, 'articles: name what is shown')
        .max(10)
        .refine((list) => new Set(list.map((a) => a.articleId)).size === list.length, 'articles: an article appears twice'),
    }),
    response: responses({ 201: z.object({ exposures: z.array(exposureSchema) }) }),
  },
  outcome: { params: idParams, body: z.strictObject({ success: z.boolean() }), response: responses({ 200: z.object({ exposure: exposureSchema }) }) },
  search: {
    querystring: z.object({ q: z.string().trim().min(1, 'q: type something to search for').max(500), lang: z.enum(LANGUAGES).default('en'), limit: z.coerce.number().int().min(1).max(50).default(10) }),
    response: responses({ 200: z.object({ results: z.array(searchResultSchema) }) }),
  },
  article: { params: idParams, response: responses({ 200: articleDetailSchema }) },
  saveArticle: { body: articleInputSchema, response: responses({ 200: z.object({ articleId: z.string(), version: z.number().int(), changed: z.boolean() }) }) },
  retire: { params: idParams, body: z.strictObject({ reason: z.string().trim().min(1).max(500) }), response: responses({ 200: articleDetailSchema }) },
  tickets: {
    querystring: z.object({ status: z.enum(['open', 'assigned', 'resolved']).optional() }),
    response: responses({ 200: z.object({ tickets: z.array(ticketSchema), now: z.string() }) }),
  },
  openTicket: { body: newTicketSchema, response: responses({ 201: ticketAnswer }) },
  assign: { params: idParams, body: ticketAssignSchema, response: responses({ 200: ticketAnswer }) },
  comment: { params: idParams, body: ticketCommentSchema, response: responses({ 200: ticketAnswer }) },
  resolve: { params: idParams, body: ticketResolveSchema, response: responses({ 200: ticketAnswer }) },
  review: { response: responses({ 200: z.object({ review: z.array(reviewItemSchema) }) }) },
  ingest: {
    response: responses({ 200: z.object({ sources: z.array(z.object({ id: z.string(), kind: z.string() })), nextRun: z.string().nullable(), runs: z.array(ingestRunSchema) }) }),
  },
  runIngest: { response: responses({ 200: z.object({ runs: z.array(ingestRunSchema) }) }) },
  // The bundle is checked by the knowledge module, which says what is wrong with it and applies all of it or nothing.
  release: {
    description: 'A signed knowledge bundle (up to 16 MB).',
    response: responses({ 200: z.object({ version: z.string(), added: z.number().int(), changed: z.number().int(), unchanged: z.number().int(), retired: z.number().int() }) }),
  },
};
