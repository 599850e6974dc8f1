import { z } from 'zod';

/** The contract's version, in the API document: raised when a wire shape changes in a way old clients would break on. */
export const API_VERSION = '1';

export const LANGUAGES = ['zh-Hant', 'zh-Hans', 'en'] as const;
export const ROLES = ['admin', 'supervisor', 'agent'] as const;
export const CUSTOMER_TIERS = ['standard', 'vip'] as const;

export const languageSchema = z.enum(LANGUAGES);
export const localizedTextSchema = z.object({ 'zh-Hant': z.string(), 'zh-Hans': z.string(), en: z.string() });

export const idParams = z.object({ id: z.uuid('id must be a UUID') });
export const limitQuery = (fallback: number) => z.object({ limit: z.coerce.number().int().min(1).max(500).default(fallback) });

/**
 * What a person reads of a server text (a routing reason, an alert, a coaching tip): besides the English
 * text, a code and parameters the page can say in its reader's language, where the server gives them.
 */
export const textCode = { code: z.string().optional(), params: z.record(z.string(), z.union([z.string(), z.number()])).optional() };

/** Every error the appliance answers: `code` and `params` when the page can say it in its reader's language. */
export const apiErrorSchema = z.object({
  error: z.string(),
  code: z.string().optional(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  message: z.string(),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

/** The responses of a route: its own, and the error body for every 4xx and 5xx. */
export function responses<R extends Record<number, unknown>>(own: R): R & { '4xx': typeof apiErrorSchema; '5xx': typeof apiErrorSchema } {
  return { ...own, '4xx': apiErrorSchema, '5xx': apiErrorSchema };
}

/** What a route of the contract answers with when it succeeds (its 200, or its 201 for a route that creates). */
export type Reply<R extends { response: object }> = R['response'] extends { 200: infer S extends z.ZodType }
  ? z.infer<S>
  : R['response'] extends { 201: infer S extends z.ZodType }
    ? z.infer<S>
    : never;

/** A response with no body (204). */
export const noContent = z.undefined().describe('no content');

/** A response that is a file of another type than JSON, for the document: the route sends it as text. */
export function fileResponse(contentType: string, description: string) {
  return { description, content: { [contentType]: { schema: z.string() } } };
}
