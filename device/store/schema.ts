import { z } from 'zod';
import {
  articleVersionSchema,
  baselineReportSchema,
  chatMessageSchema,
  CUSTOMER_TIERS,
  customerViewSchema,
  END_REASONS,
  exposureSchema,
  ingestRunSchema,
  kbNodeSchema,
  KB_LINK_TYPES,
  KB_NODE_TYPES,
  LANGUAGES,
  localizedTermsSchema,
  localizedTextSchema,
  ROLES,
  routingDecisionSchema,
  scorecardRecordSchema,
  serviceSessionSchema as wireServiceSessionSchema,
  senseAlertSchema,
  senseCallStatsSchema,
  senseEventSchema,
  ticketSchema,
} from '../../protocol/api/index.js';

// The records that travel as they are stored are the wire's shapes (protocol/api), defined once there.
export { chatMessageSchema, CUSTOMER_TIERS, END_REASONS, LANGUAGES, ROLES };

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

/**
 * A customer the kiosk can recognise: what staff see of them (the wire's view), and the keyed hashes of
 * their card and phone numbers, the only form the numbers are kept in.
 */
export const customerSchema = customerViewSchema.extend({
  cardHash: z.string().nullable(),
  phoneHash: z.string().nullable(),
  createdAt: z.string(),
});

// Decisions and alerts stored by earlier releases have their English text only: their code and params are optional.
export {
  baselineReportSchema,
  kbNodeSchema,
  KB_LINK_TYPES,
  KB_NODE_TYPES,
  localizedTermsSchema,
  localizedTextSchema,
  routingDecisionSchema,
  senseAlertSchema,
  senseCallStatsSchema,
  senseEventSchema,
};
export const kbArticleVersionSchema = articleVersionSchema;
export const kbExposureSchema = exposureSchema;
export const kbTicketSchema = ticketSchema;
export const kbIngestRunSchema = ingestRunSchema;
export const qaScorecardSchema = scorecardRecordSchema;

/** The wire's shape of a visit, with defaults for the fields that records stored before them lack. */
export const serviceSessionSchema = wireServiceSessionSchema.extend({
  escalatedAt: wireServiceSessionSchema.shape.escalatedAt.default(null),
  survey: wireServiceSessionSchema.shape.survey.default(null),
});

export const kbLinkSchema = z.object({ from: z.string(), to: z.string(), type: z.enum(KB_LINK_TYPES), createdAt: z.string() });

/** A version of the evaluation form; the newest is in use, older ones stay for the scorecards made with them. */
export const qaFormSchema = z.object({ version: z.number().int().min(1), createdAt: z.string(), createdBy: z.string(), form: z.unknown() });

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
