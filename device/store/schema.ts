import { z } from 'zod';

export const ROLES = ['admin', 'supervisor', 'agent'] as const;
export const LANGUAGES = ['zh-Hant', 'zh-Hans', 'en'] as const;

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  language: z.enum(LANGUAGES),
  skillGroups: z.array(z.string()),
  passwordHash: z.string(),
  createdAt: z.string(),
  disabled: z.boolean(),
});

export const kioskSchema = z.object({
  id: z.string(),
  name: z.string(),
  location: z.string(),
  language: z.enum(LANGUAGES),
  tokenHash: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  /** Emotion analysis of this kiosk's customers; off means no face, voice or text scores at all. */
  analysisEnabled: z.boolean().default(true),
});

export const authSessionSchema = z.object({
  id: z.string(),
  tokenHash: z.string(),
  userId: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});

export const inquirySchema = z.object({
  id: z.string(),
  kioskId: z.string(),
  kind: z.enum(['question', 'agent']),
  text: z.string(),
  lang: z.enum(LANGUAGES),
  createdAt: z.string(),
});

export const END_REASONS = ['customer-ended', 'agent-ended', 'customer-lost', 'agent-lost', 'abandoned', 'media-failure', 'shutdown', 'interrupted'] as const;

export const chatMessageSchema = z.object({ from: z.enum(['customer', 'agent']), text: z.string(), at: z.string() });

export const callSchema = z.object({
  id: z.string(),
  kioskId: z.string(),
  sessionId: z.string().nullable().default(null),
  skill: z.string().default('general'),
  agentId: z.string().nullable(),
  lang: z.enum(LANGUAGES),
  requestedAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endReason: z.enum(END_REASONS).nullable(),
  chat: z.array(chatMessageSchema),
  recording: z.string().nullable(),
});

export const CUSTOMER_TIERS = ['standard', 'vip'] as const;

/** A customer the kiosk can recognise. Card and phone numbers are kept only as keyed hashes and their last digits. */
export const customerSchema = z.object({
  id: z.string(),
  name: z.string(),
  tier: z.enum(CUSTOMER_TIERS),
  cardHash: z.string().nullable(),
  cardLast4: z.string().nullable(),
  phoneHash: z.string().nullable(),
  phoneLast4: z.string().nullable(),
  createdAt: z.string(),
});

const rankedLabelSchema = z.object({ label: z.string(), confidence: z.number() });

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
});

/**
 * One customer's visit at a kiosk, from the first question to the end: every routing decision with its
 * reasons, the bot's answer, the call, and the agent's confirmation of the routed intent.
 */
export const serviceSessionSchema = z.object({
  id: z.string(),
  kioskId: z.string(),
  lang: z.enum(LANGUAGES),
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
  escalatedAt: z.string().nullable().default(null),
  wrapUp: z
    .object({ routedLabel: z.string().nullable(), label: z.string(), confirmed: z.boolean(), resolved: z.boolean(), by: z.string(), at: z.string() })
    .nullable(),
  /** The customer's answers at the end: 1-5 stars and 0-10 "would you recommend us". */
  survey: z.object({ stars: z.number().int().min(1).max(5).nullable(), recommend: z.number().int().min(0).max(10).nullable(), at: z.string() }).nullable().default(null),
});

export const localizedTextSchema = z.object({ 'zh-Hant': z.string(), 'zh-Hans': z.string(), en: z.string() });
export const localizedTermsSchema = z.object({ 'zh-Hant': z.array(z.string()), 'zh-Hans': z.array(z.string()), en: z.array(z.string()) });

export const KB_NODE_TYPES = ['article', 'product', 'policy', 'intent', 'source'] as const;
export const KB_LINK_TYPES = ['solves', 'applies-to', 'supersedes', 'derived-from'] as const;

/** A node of the knowledge graph. Articles keep their content in versions; other nodes carry it here. */
export const kbNodeSchema = z.object({
  id: z.string(),
  type: z.enum(KB_NODE_TYPES),
  /** Natural key: an intent label, a product code, a source file path; unique per type. */
  key: z.string(),
  title: localizedTextSchema,
  body: localizedTextSchema,
  status: z.enum(['active', 'retired']),
  createdAt: z.string(),
  retiredAt: z.string().nullable(),
  retiredReason: z.string().nullable(),
});

export const kbArticleVersionSchema = z.object({
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

export const kbLinkSchema = z.object({ from: z.string(), to: z.string(), type: z.enum(KB_LINK_TYPES), createdAt: z.string() });

/** An article shown to the bot's customer or to an agent, and what came of it. */
export const kbExposureSchema = z.object({
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
  /** Who or what settled it: the agent, the customer on the kiosk, a repeat inquiry, seven quiet days. */
  outcomeBy: z.enum(['agent', 'customer', 'repeat', 'no-repeat']).nullable(),
  outcomeAt: z.string().nullable(),
});

/** A question the knowledge base could not answer, to be answered by an article within its SLA. */
export const kbTicketSchema = z.object({
  id: z.string(),
  number: z.number().int().min(1),
  question: z.string(),
  intent: z.string().nullable(),
  lang: z.enum(LANGUAGES),
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

/** One run of an ingestion connector and what it did. */
export const kbIngestRunSchema = z.object({
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
  /** The whole source could not be read (a folder missing, a feed down). */
  error: z.string().nullable(),
});

const emotionSchema = z.object({ valence: z.number(), arousal: z.number() });

/** One signal about a customer's emotion and the session's smoothed state after it. */
export const senseEventSchema = z.object({
  sessionId: z.string(),
  callId: z.string().nullable(),
  at: z.string(),
  channel: z.enum(['text', 'voice', 'face']),
  signal: emotionSchema,
  fused: emotionSchema.extend({ label: z.string() }),
  evidence: z.string(),
});

/** A warning raised for an agent, with what triggered it. */
export const senseAlertSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  callId: z.string().nullable(),
  at: z.string(),
  level: z.enum(['amber', 'red']),
  rule: z.string(),
  reason: z.string(),
  suggestion: localizedTextSchema,
  evidence: z.object({ channel: z.string(), detail: z.string() }),
});

/** Who spoke how much in a call, from both sides' voice activity, for quality inspection. */
export const senseCallStatsSchema = z.object({
  callId: z.string(),
  sessionId: z.string().nullable(),
  at: z.string(),
  customerTalkMs: z.number(),
  agentTalkMs: z.number(),
  silenceMs: z.number(),
  overlapMs: z.number(),
  overlaps: z.number().int(),
});

/** A version of the evaluation form; the newest is in use, older ones stay for the scorecards made with them. */
export const qaFormSchema = z.object({ version: z.number().int().min(1), createdAt: z.string(), createdBy: z.string(), form: z.unknown() });

export const qaScorecardSchema = z.object({
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
  /** A supervisor's correction of one score, with the reason; the automatic score stays in items. */
  overrides: z.array(z.object({ questionId: z.string(), score: z.number().nullable(), reason: z.string(), by: z.string(), at: z.string() })),
  /** An agent's objection to one score. */
  disputes: z.array(z.object({ questionId: z.string(), reason: z.string(), by: z.string(), at: z.string() })),
});

/** An import of historical complaints, classified with the intent model, and what it showed. */
export const baselineReportSchema = z.object({
  id: z.string(),
  name: z.string(),
  importedAt: z.string(),
  importedBy: z.string(),
  rows: z.number().int(),
  rejected: z.array(z.object({ row: z.number().int(), problem: z.string() })),
  months: z.array(z.string()),
  groups: z.array(
    z.object({
      group: z.string(),
      name: z.string(),
      count: z.number().int(),
      share: z.number(),
      resolved: z.number().int(),
      resolutionRate: z.number().nullable(),
      trend: z.array(z.number().int()),
      channels: z.record(z.string(), z.number().int()),
      examples: z.array(z.string()),
    }),
  ),
  sinkholes: z.array(z.string()),
});

/**
 * The reference state kept in the JSON store. Sessions, calls, sense data, exposures, tickets, ingestion
 * runs and scorecards grow with use and live in the journals; their record schemas stay here because they
 * give the record types the owners' repositories return (and the v7 file's journals have those shapes).
 */
export const storeDataSchema = z.object({
  schemaVersion: z.number().int().min(1),
  users: z.array(userSchema),
  kiosks: z.array(kioskSchema),
  authSessions: z.array(authSessionSchema),
  customers: z.array(customerSchema),
  /** Key of the customer number hashes; random per appliance so the hashes mean nothing elsewhere. */
  customerLookupKey: z.string(),
  kbNodes: z.array(kbNodeSchema),
  kbArticleVersions: z.array(kbArticleVersionSchema),
  kbLinks: z.array(kbLinkSchema),
  qaForms: z.array(qaFormSchema),
  baselineReports: z.array(baselineReportSchema),
});

export type StoreData = z.infer<typeof storeDataSchema>;
export type UserRecord = z.infer<typeof userSchema>;
export type KioskRecord = z.infer<typeof kioskSchema>;
export type AuthSessionRecord = z.infer<typeof authSessionSchema>;
export type InquiryRecord = z.infer<typeof inquirySchema>;
export type CallRecord = z.infer<typeof callSchema>;
export type CustomerRecord = z.infer<typeof customerSchema>;
export type ServiceSessionRecord = z.infer<typeof serviceSessionSchema>;
export type StoredDecision = z.infer<typeof routingDecisionSchema>;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];
export type LocalizedText = z.infer<typeof localizedTextSchema>;
export type LocalizedTerms = z.infer<typeof localizedTermsSchema>;
export type KbNode = z.infer<typeof kbNodeSchema>;
export type KbArticleVersion = z.infer<typeof kbArticleVersionSchema>;
export type KbLink = z.infer<typeof kbLinkSchema>;
export type KbExposure = z.infer<typeof kbExposureSchema>;
export type KbTicket = z.infer<typeof kbTicketSchema>;
export type KbIngestRun = z.infer<typeof kbIngestRunSchema>;
export type SenseEvent = z.infer<typeof senseEventSchema>;
export type SenseAlert = z.infer<typeof senseAlertSchema>;
export type SenseCallStats = z.infer<typeof senseCallStatsSchema>;
export type QaFormRecord = z.infer<typeof qaFormSchema>;
export type QaScorecardRecord = z.infer<typeof qaScorecardSchema>;
export type BaselineReport = z.infer<typeof baselineReportSchema>;
export type KbNodeType = (typeof KB_NODE_TYPES)[number];
export type KbLinkType = (typeof KB_LINK_TYPES)[number];
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type EndReason = (typeof END_REASONS)[number];
export type Role = (typeof ROLES)[number];
export type Language = (typeof LANGUAGES)[number];
