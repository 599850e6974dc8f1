import { z } from 'zod';
import { idParams, LANGUAGES, responses, textCode, fileResponse } from './common.js';

/** Quality inspection: the evaluation form, scorecards, overrides and disputes, coaching, the handbook. */

/** The automatic rules a question can use; `params` tunes each (phrases, targets). */
export const RULE_KINDS = [
  'greeting',
  'identification',
  'time-to-answer',
  'silence',
  'interruptions',
  'empathy',
  'knowledge-accuracy',
  'required-phrases',
  'prohibited-phrases',
  'resolution',
  'ticket-when-unresolved',
  'closing',
  'csat',
  'emotion-improved',
  'handle-time',
  'transfers',
  'routing-confirmed',
  'de-escalation',
  'reply-coverage',
  'knowledge-used',
] as const;

const phrases = z.array(z.string().min(1).max(100)).max(100);
const ruleParamsSchema = z
  .strictObject({
    phrases: phrases.optional(),
    targetSeconds: z.number().positive().max(86_400).optional(),
    maxShare: z.number().min(0).max(1).optional(),
    maxCount: z.number().int().min(0).max(1000).optional(),
    minScore: z.number().min(1).max(5).optional(),
  })
  .default({});

const questionSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,60}$/),
  title: z.string().min(1).max(200),
  weight: z.number().min(0).max(100),
  rule: z.enum(RULE_KINDS),
  params: ruleParamsSchema,
});

export const formInputSchema = z.strictObject({
  name: z.string().min(1).max(200),
  sections: z
    .array(z.strictObject({ id: z.string().regex(/^[a-z0-9-]{1,60}$/), title: z.string().min(1).max(200), questions: z.array(questionSchema).min(1).max(50) }))
    .min(1)
    .max(20),
});

export const overrideSchema = z.strictObject({ questionId: z.string().min(1).max(60), score: z.number().min(0).max(1).nullable(), reason: z.string().trim().min(1).max(1000) });
export const disputeSchema = z.strictObject({ questionId: z.string().min(1).max(60), reason: z.string().trim().min(1).max(1000) });

/** A form as it is in use: the input and its version. Answers are not re-checked against the input's bounds. */
export const evaluationFormSchema = z.object({
  name: z.string(),
  sections: z.array(z.object({ id: z.string(), title: z.string(), questions: z.array(z.object({ id: z.string(), title: z.string(), weight: z.number(), rule: z.enum(RULE_KINDS), params: z.record(z.string(), z.unknown()) })) })),
  version: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
});

/** A scorecard as it is stored. */
export const scorecardRecordSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  callId: z.string().nullable(),
  agentId: z.string().nullable(),
  formVersion: z.number().int(),
  at: z.string(),
  total: z.number().nullable(),
  items: z.array(
    z.object({
      sectionId: z.string(),
      questionId: z.string(),
      title: z.string(),
      weight: z.number(),
      score: z.number().nullable(),
      evidence: z.array(z.object({ atSeconds: z.number().optional(), quote: z.string().optional(), signal: z.string().optional() })),
    }),
  ),
  overrides: z.array(z.object({ questionId: z.string(), score: z.number().nullable(), reason: z.string(), by: z.string(), at: z.string() })),
  disputes: z.array(z.object({ questionId: z.string(), reason: z.string(), by: z.string(), at: z.string() })),
});

/** A scorecard as the appliance shows it: with the total after a supervisor's overrides. */
export const scorecardSchema = scorecardRecordSchema.extend({ effectiveTotal: z.number().nullable() });

export const coachingSuggestionSchema = z.object({
  questionId: z.string(),
  rule: z.enum(RULE_KINDS),
  count: z.number().int(),
  /** The sessions behind it, newest first. */
  sessions: z.array(z.string()),
  text: z.string(),
  ...textCode,
});

export const handbookSchema = z.object({
  topAgents: z.array(z.object({ agentId: z.string(), outcome: z.number(), sessions: z.number() })),
  groups: z.array(z.object({ group: z.string(), sessions: z.number(), phrases: z.array(z.object({ phrase: z.string(), topRate: z.number(), restRate: z.number() })) })),
});

const scorecardAnswer = z.object({ scorecard: scorecardSchema });

export const qaApi = {
  form: { response: responses({ 200: z.object({ form: evaluationFormSchema }) }) },
  saveForm: { body: formInputSchema, response: responses({ 200: z.object({ form: evaluationFormSchema }) }) },
  scorecards: {
    querystring: z.object({ agentId: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
    response: responses({ 200: z.object({ scorecards: z.array(scorecardSchema) }) }),
  },
  coaching: {
    querystring: z.object({ agentId: z.uuid().optional(), days: z.coerce.number().int().min(1).max(365).default(7), lang: z.enum(LANGUAGES).optional() }),
    response: responses({ 200: z.object({ agentId: z.string(), days: z.number().int(), suggestions: z.array(coachingSuggestionSchema) }) }),
  },
  handbook: { response: responses({ 200: z.object({ handbook: handbookSchema }) }) },
  handbookMarkdown: { response: responses({ 200: fileResponse('text/markdown', 'the best-practice handbook as a Markdown file') }) },
  scorecard: { params: idParams, response: responses({ 200: z.object({ scorecard: scorecardSchema, form: evaluationFormSchema.nullable() }) }) },
  override: { params: idParams, body: overrideSchema, response: responses({ 200: scorecardAnswer }) },
  dispute: { params: idParams, body: disputeSchema, response: responses({ 200: scorecardAnswer }) },
};
