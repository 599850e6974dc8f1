import { z } from 'zod';
import { kioskSchema } from './accounts.js';
import { CUSTOMER_TIERS, idParams, LANGUAGES, languageSchema, limitQuery, noContent, responses, textCode } from './common.js';

/** A customer's visit at a kiosk and how it was routed: the kiosk's requests and the staff's. */

export const startSessionSchema = z.strictObject({ lang: z.enum(LANGUAGES) });
export const surveySchema = z
  .strictObject({ stars: z.number().int().min(1).max(5).optional(), recommend: z.number().int().min(0).max(10).optional() })
  .refine((v) => v.stars !== undefined || v.recommend !== undefined, 'answer stars (1-5), recommend (0-10) or both');
export const wrapUpSchema = z.strictObject({ label: z.string().min(1).max(100), resolved: z.boolean() });
export const askSchema = z.strictObject({ text: z.string().trim().min(1, 'type a question').max(500) });
export const chooseSchema = z.strictObject({ label: z.string().min(1).max(100) });

export const IDENTIFY_METHODS = ['card', 'phone'] as const;
const digits = (value: string) => value.replace(/[\s-]/g, '');
const cardNumber = z.string().trim().max(40).transform(digits).pipe(z.string().regex(/^\d{12,19}$/, 'a card number has 12 to 19 digits'));
const phoneNumber = z.string().trim().max(40).transform((v) => digits(v).replace(/^\+/, '')).pipe(z.string().regex(/^\d{6,15}$/, 'a phone number has 6 to 15 digits'));

export const identifySchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('card'), value: cardNumber }),
  z.strictObject({ method: z.literal('phone'), value: phoneNumber }),
]);

export const newCustomerSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    tier: z.enum(CUSTOMER_TIERS),
    cardNumber: cardNumber.optional(),
    phone: phoneNumber.optional(),
  })
  .refine((c) => c.cardNumber !== undefined || c.phone !== undefined, { message: 'give a card number or a phone number' });

const rankedLabelSchema = z.object({ label: z.string(), confidence: z.number() });

/** One routing decision with its reasons (`code` and `params` say the explanation in the reader's language). */
export const routingDecisionSchema = z.object({
  at: z.string(),
  text: z.string(),
  kind: z.enum(['bot', 'queue', 'clarify', 'out-of-scope']),
  label: z.string().nullable(),
  confidence: z.number().nullable(),
  candidates: z.array(rankedLabelSchema),
  route: z.object({ skill: z.string(), vipLine: z.boolean(), priority: z.number().int() }),
  rules: z.array(z.string()),
  explanation: z.string(),
  ...textCode,
});

/** The customer's answers at the end: 1-5 stars and 0-10 "would you recommend us". */
const surveyAnswerSchema = z.object({ stars: z.number().int().min(1).max(5).nullable(), recommend: z.number().int().min(0).max(10).nullable(), at: z.string() });

/**
 * One customer's visit at a kiosk, from the first question to the end: every routing decision with its
 * reasons, the bot's answer, the call, and the agent's confirmation of the routed intent.
 */
export const serviceSessionSchema = z.object({
  id: z.string(),
  kioskId: z.string(),
  lang: languageSchema,
  startedAt: z.string(),
  customer: z.object({ id: z.string(), tier: z.enum(CUSTOMER_TIERS) }).nullable(),
  decisions: z.array(routingDecisionSchema),
  botAnsweredAt: z.string().nullable(),
  callId: z.string().nullable(),
  queuedAt: z.string().nullable(),
  agentAnsweredAt: z.string().nullable(),
  /** When the customer first got an answer: the bot's or an agent's. */
  firstResponseAt: z.string().nullable(),
  abandonedAt: z.string().nullable(),
  /** When emotion sensing raised the session's priority. */
  escalatedAt: z.string().nullable(),
  wrapUp: z.object({ routedLabel: z.string().nullable(), label: z.string(), confirmed: z.boolean(), resolved: z.boolean(), by: z.string(), at: z.string() }).nullable(),
  survey: surveyAnswerSchema.nullable(),
});

export const labelOptionSchema = z.object({ label: z.string(), name: z.string() });

/** What the kiosk shows after a question: the decision, the bot's answer, or the choices of a clarifying question. */
export const askResultSchema = z.object({
  sessionId: z.string(),
  decision: routingDecisionSchema,
  labelName: z.string().nullable(),
  answer: z.object({ exposureId: z.string().nullable(), title: z.string(), body: z.string() }).nullable(),
  options: z.array(labelOptionSchema),
});
export type AskResult = z.infer<typeof askResultSchema>;

export const customerViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  tier: z.enum(CUSTOMER_TIERS),
  cardLast4: z.string().nullable(),
  phoneLast4: z.string().nullable(),
});

export const routedLabelSchema = z.object({ label: z.string(), confidence: z.number().nullable(), explanation: z.string(), ...textCode });

const sessionParams = idParams;

export const PRESENCE_STATES = ['available', 'busy', 'wrap-up', 'away'] as const;
const presenceSchema = z.object({ userId: z.string(), state: z.enum(PRESENCE_STATES), since: z.string() });

export const presenceApi = {
  get: { response: responses({ 200: presenceSchema }) },
  set: { body: z.strictObject({ state: z.enum(PRESENCE_STATES) }), response: responses({ 200: presenceSchema }) },
};

export const kioskApi = {
  me: { response: responses({ 200: z.object({ kiosk: kioskSchema }) }) },
  startSession: { body: startSessionSchema, response: responses({ 201: z.object({ session: z.object({ id: z.string(), lang: languageSchema, startedAt: z.string() }) }) }) },
  ask: { params: sessionParams, body: askSchema, response: responses({ 200: askResultSchema }) },
  survey: { params: sessionParams, body: surveySchema, response: responses({ 200: z.object({ survey: surveyAnswerSchema }) }) },
  choose: { params: sessionParams, body: chooseSchema, response: responses({ 200: askResultSchema }) },
  // The kiosk greets by name and shows the tier; numbers never travel back.
  identify: { params: sessionParams, body: identifySchema, response: responses({ 200: z.object({ customer: z.object({ name: z.string(), tier: z.enum(CUSTOMER_TIERS) }) }) }) },
  feedback: {
    params: sessionParams,
    body: z.strictObject({ exposureId: z.uuid('exposureId must be a UUID'), helpful: z.boolean() }),
    response: responses({ 200: z.object({ recorded: z.literal(true) }) }),
  },
};

export const routingApi = {
  labels: { querystring: z.object({ lang: languageSchema.default('en') }), response: responses({ 200: z.object({ labels: z.array(labelOptionSchema) }) }) },
  routed: { params: idParams, response: responses({ 200: z.object({ routed: routedLabelSchema.nullable() }) }) },
  wrapUp: { params: idParams, body: wrapUpSchema, response: responses({ 200: z.object({ wrapUp: serviceSessionSchema.shape.wrapUp }) }) },
  sessions: { querystring: limitQuery(50), response: responses({ 200: z.object({ sessions: z.array(serviceSessionSchema) }) }) },
  customers: { response: responses({ 200: z.object({ customers: z.array(customerViewSchema) }) }) },
  addCustomer: { body: newCustomerSchema, response: responses({ 201: z.object({ customer: customerViewSchema }) }) },
  removeCustomer: { params: idParams, response: responses({ 204: noContent }) },
};
