import { z } from 'zod';
import { sessionKpiFactsSchema } from './kpi.js';

/**
 * The wire contract between appliances and the cloud. Every topic carries the protocol version, so a
 * later v2 can run beside v1 while a fleet upgrades; every payload is checked with these schemas on
 * arrival, and one that fails is logged, counted and dropped.
 */
export const PROTOCOL_VERSION = 1;
const ROOT = `branchline/v${PROTOCOL_VERSION}/devices`;

export const DEVICE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Device to cloud streams kept in the outbox: each is delivered in order and exactly once after de-duplication. */
export const DURABLE_STREAMS = ['scorecard', 'ticket', 'session', 'emotion', 'rollout', 'correction'] as const;
export type DurableStream = (typeof DURABLE_STREAMS)[number];
/** Device to cloud messages that are only worth their latest value, or are requests: sent directly. */
export const DIRECT_UP = ['heartbeat', 'fetch'] as const;
export const DOWN_KINDS = ['receipt', 'release', 'config', 'rollback', 'chunk'] as const;
export type DownKind = (typeof DOWN_KINDS)[number];

export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** The longest customer question a correction record carries; a longer one is cut. */
export const MAX_CORRECTION_CHARS = 2000;
/** Release files travel in pieces this size, so a large model resumes where it stopped. */
export const CHUNK_BYTES = 256 * 1024;

export const topics = {
  up: (deviceId: string, stream: DurableStream | (typeof DIRECT_UP)[number]) => `${ROOT}/${deviceId}/up/${stream}`,
  down: (deviceId: string, kind: DownKind) => `${ROOT}/${deviceId}/down/${kind}`,
  /** What a hub subscribes to; `shared` puts it in the hub group so instances split the load. */
  hubFilter: (shared: boolean) => `${shared ? '$share/hub/' : ''}${ROOT}/+/up/#`,
  deviceFilter: (deviceId: string) => `${ROOT}/${deviceId}/down/#`,
  parse(topic: string): { deviceId: string; direction: 'up' | 'down'; name: string } | null {
    const match = /^branchline\/v(\d+)\/devices\/([^/]+)\/(up|down)\/([a-z-]+)$/.exec(topic);
    if (!match || Number(match[1]) !== PROTOCOL_VERSION || !DEVICE_ID.test(match[2]!)) return null;
    return { deviceId: match[2]!, direction: match[3] as 'up' | 'down', name: match[4]! };
  },
};

const id = z.string().min(1).max(100);
const at = z.iso.datetime();
const lang = z.enum(['zh-Hant', 'zh-Hans', 'en']);

export const recordData = {
  scorecard: z.strictObject({ scorecardId: id, sessionId: id, agentId: id.nullable(), total: z.number().min(0).max(100).nullable(), formVersion: z.number().int().min(1) }),
  ticket: z.strictObject({
    ticketId: id,
    number: z.number().int().min(1),
    event: z.enum(['opened', 'due-soon', 'breached', 'resolved']),
    intent: z.string().max(100).nullable(),
    dueAt: at.nullable(),
    articleId: id.nullable(),
  }),
  session: z.discriminatedUnion('event', [
    z.strictObject({ event: z.literal('decided'), sessionId: id, kioskId: id, kind: z.string().max(40), label: z.string().max(100).nullable(), confidence: z.number().min(0).max(1).nullable(), answered: z.boolean(), lang }),
    z.strictObject({
      event: z.literal('call-ended'),
      sessionId: id.nullable(),
      callId: id,
      kioskId: id,
      skill: z.string().max(40),
      agentId: id.nullable(),
      waitSeconds: z.number().min(0).nullable(),
      handleSeconds: z.number().min(0).nullable(),
      reason: z.string().max(40),
    }),
    z.strictObject({ event: z.literal('wrapped-up'), sessionId: id, agentId: id, label: z.string().max(100), confirmed: z.boolean(), resolved: z.boolean() }),
    /** What the KPIs need of the session as of `at`; a later record for the same session replaces it. */
    z.strictObject({ event: z.literal('facts'), ...sessionKpiFactsSchema.shape }),
  ]),
  /** A per-call summary of the fused emotion signal and the alerts raised: figures only, never media or words. */
  emotion: z.discriminatedUnion('event', [
    z.strictObject({
      event: z.literal('summary'),
      sessionId: id,
      callId: id.nullable(),
      kioskId: id,
      samples: z.number().int().min(0),
      meanValence: z.number().min(-1).max(1),
      minValence: z.number().min(-1).max(1),
      meanArousal: z.number().min(0).max(1),
      labels: z.record(z.string().max(40), z.number().int().min(0)),
    }),
    z.strictObject({ event: z.literal('alert'), sessionId: id, callId: id.nullable(), kioskId: id, level: z.enum(['amber', 'red']), rule: z.string().max(80) }),
  ]),
  rollout: z.strictObject({
    releaseId: id,
    kind: z.enum(['model', 'knowledge', 'config']),
    version: z.string().max(64),
    state: z.enum(['received', 'rejected', 'active', 'rolled-back', 'failed']),
    reason: z.string().max(500).nullable(),
  }),
  /**
   * An agent's label for a customer's question at wrap-up, to retrain the fleet's intent model. The one
   * stream that carries customer text (the question's words); a device sends it only while
   * BRANCHLINE_SYNC_INTENT_CORRECTIONS is on.
   */
  correction: z.strictObject({ sessionId: id, text: z.string().min(1).max(MAX_CORRECTION_CHARS), lang, routedLabel: z.string().max(100).nullable(), label: z.string().max(100) }),
} satisfies Record<DurableStream, z.ZodType>;

export type RecordData<S extends DurableStream> = z.infer<(typeof recordData)[S]>;

export interface OutboxRecord {
  /** Globally unique: the hub de-duplicates by it. */
  id: string;
  stream: DurableStream;
  /** Position in its stream on this device, from 1 with no gaps. */
  seq: number;
  at: string;
  data: unknown;
}

const recordSchema = z.strictObject({ id: z.uuid(), seq: z.number().int().min(1), at, data: z.unknown() });

/** One MQTT message carries a batch of records of one stream, in order. */
export const upBatchSchema = z.strictObject({ v: z.literal(PROTOCOL_VERSION), records: z.array(recordSchema).min(1).max(1000) });
export type UpBatch = z.infer<typeof upBatchSchema>;

/** The hub's word that it stored a batch: the device may now drop those records from its outbox. */
export const receiptSchema = z.strictObject({ v: z.literal(PROTOCOL_VERSION), stream: z.enum(DURABLE_STREAMS), first: z.number().int().min(1), last: z.number().int().min(1) });
export type Receipt = z.infer<typeof receiptSchema>;

export const heartbeatSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  at,
  group: z.string().max(64),
  appVersion: z.string().max(64),
  versions: z.strictObject({ model: z.string().max(64).nullable(), knowledge: z.string().max(64).nullable(), config: z.string().max(64).nullable() }),
  outboxBacklog: z.number().int().min(0),
  uptimeSeconds: z.number().min(0),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const fetchSchema = z.strictObject({ v: z.literal(PROTOCOL_VERSION), releaseId: id, file: z.string().max(300), index: z.number().int().min(0) });
export type FetchRequest = z.infer<typeof fetchSchema>;

export const RELEASE_KINDS = ['model', 'knowledge'] as const;
export type ReleaseKind = (typeof RELEASE_KINDS)[number];

export const manifestSchema = z.strictObject({
  format: z.literal(1),
  id,
  kind: z.enum(RELEASE_KINDS),
  version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/, 'letters, digits, dots, plus and dashes'),
  createdAt: at,
  files: z
    .array(z.strictObject({ path: z.string().regex(/^(?!.*\.\.)[A-Za-z0-9._-][A-Za-z0-9._/-]{0,299}$/, 'a relative path without ..'), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }))
    .min(1)
    .max(1000),
  /** For a model: a question and the label it must produce before the model goes live. */
  probe: z.strictObject({ text: z.string().min(1).max(500), expect: z.string().min(1).max(100) }).nullable(),
});
export type ReleaseManifest = z.infer<typeof manifestSchema>;

export const releaseMessageSchema = z.strictObject({ v: z.literal(PROTOCOL_VERSION), manifest: z.string().max(MAX_MESSAGE_BYTES), signature: z.string().max(200) });
export type ReleaseMessage = z.infer<typeof releaseMessageSchema>;

export const chunkSchema = z.strictObject({ v: z.literal(PROTOCOL_VERSION), releaseId: id, file: z.string().max(300), index: z.number().int().min(0), last: z.boolean(), data: z.base64() });
export type ChunkMessage = z.infer<typeof chunkSchema>;

export const rollbackSchema = z.strictObject({ v: z.literal(PROTOCOL_VERSION), kind: z.enum(RELEASE_KINDS), releaseId: id });

/** Settings the fleet may change remotely; they take effect at the appliance's next start. */
export const REMOTE_SETTINGS = ['routingClarifyBelow', 'routingOverflowSeconds', 'ticketSlaHours', 'ticketWarnHours', 'faceFps', 'qaUnwrappedMinutes', 'knowledgeIngestCron'] as const;
export const configMessageSchema = z.strictObject({ v: z.literal(PROTOCOL_VERSION), version: z.string().max(64), settings: z.partialRecord(z.enum(REMOTE_SETTINGS), z.union([z.string().max(100), z.number()])) });

/** Parses a JSON MQTT payload against a schema; the error names what was wrong so the log says it. */
export function parsePayload<T>(schema: z.ZodType<T>, payload: Buffer): { ok: true; value: T } | { ok: false; error: string } {
  if (payload.length > MAX_MESSAGE_BYTES) return { ok: false, error: `payload of ${payload.length} bytes exceeds ${MAX_MESSAGE_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    return { ok: false, error: `${first.path.join('.') || 'payload'}: ${first.message}` };
  }
  return { ok: true, value: parsed.data };
}
