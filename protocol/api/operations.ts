import { z } from 'zod';
import { idParams, languageSchema, limitQuery, responses } from './common.js';
import { mediaKindSchema } from './signalling.js';
import { chatMessageSchema, endReasonSchema, senseAlertSchema } from './signalling.js';

/** Calls, emotion sensing and the appliance's health, as supervisors and monitors read them. */

export const callRecordSchema = z.object({
  id: z.string(),
  kioskId: z.string(),
  sessionId: z.string().nullable(),
  skill: z.string(),
  agentId: z.string().nullable(),
  lang: languageSchema,
  requestedAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endReason: endReasonSchema.nullable(),
  chat: z.array(chatMessageSchema),
  recording: z.string().nullable(),
});

const bytesByKind = z.object({ audio: z.number(), video: z.number() }) satisfies z.ZodType<Record<z.infer<typeof mediaKindSchema>, number>>;

export const callsApi = {
  list: { querystring: limitQuery(50), response: responses({ 200: z.object({ calls: z.array(callRecordSchema) }) }) },
  get: { params: idParams, response: responses({ 200: z.object({ call: callRecordSchema }) }) },
  media: { params: idParams, response: responses({ 200: z.object({ workerPid: z.number().int(), consumerBytes: z.object({ customer: bytesByKind, agent: bytesByKind }) }) }) },
};

const emotionSchema = z.object({ valence: z.number(), arousal: z.number() });

export const senseEventSchema = z.object({
  sessionId: z.string(),
  callId: z.string().nullable(),
  at: z.string(),
  channel: z.enum(['text', 'voice', 'face']),
  signal: emotionSchema,
  fused: emotionSchema.extend({ label: z.string() }),
  evidence: z.string(),
});

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

export const senseApi = {
  timeline: { params: idParams, response: responses({ 200: z.object({ timeline: z.array(senseEventSchema) }) }) },
  stats: { params: idParams, response: responses({ 200: z.object({ stats: senseCallStatsSchema }) }) },
  alerts: { querystring: limitQuery(100), response: responses({ 200: z.object({ alerts: z.array(senseAlertSchema) }) }) },
};

/**
 * Anyone learns which subsystem is up; why, and the uptime, only staff who are logged in. A subsystem's
 * probe adds details of its own for staff (the media workers and their process ids, say), passed through.
 */
const subsystemSchema = z.looseObject({ status: z.enum(['up', 'down']), up: z.boolean().optional(), detail: z.string().optional() });

export const healthSchema = z.object({
  status: z.enum(['up', 'down']),
  device: z.string(),
  uptimeSeconds: z.number().optional(),
  subsystems: z.record(z.string(), subsystemSchema),
});

export const healthApi = {
  healthz: { response: responses({ 200: healthSchema, 503: healthSchema }) },
};
