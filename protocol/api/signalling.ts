import { z } from 'zod';
import { languageSchema, localizedTextSchema, textCode } from './common.js';

/** The frames of the WebSocket signalling at /ws: what clients send, and what the appliance sends back. */

export const END_REASONS = ['customer-ended', 'agent-ended', 'customer-lost', 'agent-lost', 'abandoned', 'media-failure', 'shutdown', 'interrupted'] as const;
export const endReasonSchema = z.enum(END_REASONS);
export type EndReason = z.infer<typeof endReasonSchema>;

export const mediaKindSchema = z.enum(['audio', 'video']);
export const peerRoleSchema = z.enum(['customer', 'agent']);

export const chatMessageSchema = z.object({ from: z.enum(['customer', 'agent']), text: z.string(), at: z.string() });
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** A warning raised for an agent, with what triggered it. */
export const senseAlertSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  callId: z.string().nullable(),
  at: z.string(),
  level: z.enum(['amber', 'red']),
  rule: z.string(),
  reason: z.string(),
  ...textCode,
  suggestion: localizedTextSchema,
  evidence: z.object({ channel: z.string(), detail: z.string() }),
});
export type SenseAlert = z.infer<typeof senseAlertSchema>;

/** A waiting customer as an agent sees them in the queues of their skills. */
export const queueItemSchema = z.object({
  callId: z.string(),
  lang: z.string(),
  kioskName: z.string(),
  requestedAt: z.string(),
  skill: z.string(),
  vipLine: z.boolean(),
  priority: z.number(),
});
export type QueueItem = z.infer<typeof queueItemSchema>;

// mediasoup validates RTP and DTLS parameters in depth; here only their outer shape and size are checked.
const mediaObject = z.record(z.string(), z.unknown());
const producerSchema = z.object({ producerId: z.string(), kind: mediaKindSchema, paused: z.boolean() });

/** What the appliance tells a kiosk or an agent about calls, whatever carries it (WebSocket today). */
export const callEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('queued'), callId: z.string(), position: z.number(), etaSeconds: z.number(), waiting: z.number() }),
  z.object({ type: z.literal('queue'), waiting: z.array(queueItemSchema) }),
  z.object({
    type: z.literal('callStarted'),
    callId: z.string(),
    role: peerRoleSchema,
    resumed: z.boolean(),
    peerName: z.string(),
    sessionId: z.string().nullable(),
    routerRtpCapabilities: mediaObject,
    producers: z.array(producerSchema),
    chat: z.array(chatMessageSchema),
    /** How long the appliance holds the call for a side whose connection dropped. */
    graceSeconds: z.number(),
  }),
  producerSchema.extend({ type: z.literal('newProducer') }),
  producerSchema.extend({ type: z.literal('producerPaused') }),
  z.object({ type: z.literal('consumerClosed'), consumerId: z.string() }),
  z.object({ type: z.literal('peerConnection'), connected: z.boolean(), graceSeconds: z.number() }),
  z.object({ type: z.literal('chat'), message: chatMessageSchema }),
  z.object({ type: z.literal('callEnded'), callId: z.string(), reason: endReasonSchema }),
  z.object({ type: z.literal('alert'), alert: senseAlertSchema, kioskName: z.string() }),
  z.object({
    type: z.literal('emotion'),
    sessionId: z.string(),
    callId: z.string().nullable(),
    channel: z.string(),
    fused: z.object({ valence: z.number(), arousal: z.number(), label: z.string() }),
    face: z.object({ dominant: z.string().nullable(), score: z.number(), micro: z.string().nullable() }).nullable(),
  }),
]);
export type CallEvent = z.infer<typeof callEventSchema>;

const reqId = z.number().int().optional();
const id = z.string().min(1).max(64);

/** A client's request; the answer carries the same reqId. */
export const signallingRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('requestAgent'), reqId, lang: languageSchema, sessionId: z.uuid().nullable().default(null) }),
  z.strictObject({ type: z.literal('cancelRequest'), reqId }),
  z.strictObject({ type: z.literal('createTransport'), reqId }),
  z.strictObject({ type: z.literal('connectTransport'), reqId, transportId: id, dtlsParameters: mediaObject }),
  z.strictObject({ type: z.literal('restartIce'), reqId, transportId: id }),
  z.strictObject({ type: z.literal('produce'), reqId, transportId: id, kind: mediaKindSchema, rtpParameters: mediaObject, paused: z.boolean().default(false) }),
  z.strictObject({ type: z.literal('consume'), reqId, transportId: id, producerId: id, rtpCapabilities: mediaObject }),
  z.strictObject({ type: z.literal('resumeConsumer'), reqId, consumerId: id }),
  z.strictObject({ type: z.literal('setProducerPaused'), reqId, producerId: id, paused: z.boolean() }),
  z.strictObject({ type: z.literal('rejoin'), reqId }),
  z.strictObject({ type: z.literal('chat'), reqId, text: z.string().trim().min(1).max(1000) }),
  z.strictObject({ type: z.literal('endCall'), reqId }),
]);
export type SignallingRequest = z.output<typeof signallingRequestSchema>;
export type SignallingRequestType = SignallingRequest['type'];
/** What a client sends for a request: the fields without their defaults, and without the reqId the client adds. */
export type SignallingRequestInput<T extends SignallingRequestType> = Omit<Extract<z.input<typeof signallingRequestSchema>, { type: T }>, 'type' | 'reqId'>;

/** A kiosk's first frame: its device token (agents authenticate with their session cookie at the upgrade). */
export const kioskAuthSchema = z.strictObject({ type: z.literal('auth'), kioskToken: z.string().min(1).max(512) });

/** The answers' data, by request type, where a request answers more than null. */
export const signallingResponseData = {
  requestAgent: z.object({ callId: z.string() }),
  createTransport: z.object({ id: z.string(), iceParameters: mediaObject, iceCandidates: z.array(mediaObject), dtlsParameters: mediaObject }),
  restartIce: z.object({ iceParameters: mediaObject }),
  produce: z.object({ producerId: z.string() }),
  consume: z.object({ id: z.string(), producerId: z.string(), kind: mediaKindSchema, rtpParameters: mediaObject }),
  chat: chatMessageSchema,
} satisfies Partial<Record<SignallingRequestType, z.ZodType>>;
export type SignallingResponseData<T extends SignallingRequestType> = T extends keyof typeof signallingResponseData ? z.infer<(typeof signallingResponseData)[T]> : null;

/** The frames only the signalling itself sends: the socket is ready, an answer, a refusal. */
export const readyFrameSchema = z.object({ type: z.literal('ready'), party: z.enum(['kiosk', 'agent']) });
export const responseFrameSchema = z.object({ type: z.literal('response'), reqId: z.number().int().optional(), data: z.unknown() });
export const errorFrameSchema = z.object({ type: z.literal('error'), reqId: z.number().int().optional(), message: z.string() });

/** Every frame the appliance sends on /ws. */
export const serverFrameSchema = z.discriminatedUnion('type', [readyFrameSchema, responseFrameSchema, errorFrameSchema, ...callEventSchema.options]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
