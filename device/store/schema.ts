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

export const END_REASONS = ['customer-ended', 'agent-ended', 'customer-lost', 'agent-lost', 'abandoned', 'media-failure', 'shutdown'] as const;

export const chatMessageSchema = z.object({ from: z.enum(['customer', 'agent']), text: z.string(), at: z.string() });

export const callSchema = z.object({
  id: z.string(),
  kioskId: z.string(),
  agentId: z.string().nullable(),
  lang: z.enum(LANGUAGES),
  requestedAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endReason: z.enum(END_REASONS).nullable(),
  chat: z.array(chatMessageSchema),
  recording: z.string().nullable(),
});

export const storeDataSchema = z.object({
  schemaVersion: z.number().int().min(1),
  users: z.array(userSchema),
  kiosks: z.array(kioskSchema),
  authSessions: z.array(authSessionSchema),
  inquiries: z.array(inquirySchema),
  calls: z.array(callSchema),
});

export type StoreData = z.infer<typeof storeDataSchema>;
export type UserRecord = z.infer<typeof userSchema>;
export type KioskRecord = z.infer<typeof kioskSchema>;
export type AuthSessionRecord = z.infer<typeof authSessionSchema>;
export type InquiryRecord = z.infer<typeof inquirySchema>;
export type CallRecord = z.infer<typeof callSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type EndReason = (typeof END_REASONS)[number];
export type Role = (typeof ROLES)[number];
export type Language = (typeof LANGUAGES)[number];
