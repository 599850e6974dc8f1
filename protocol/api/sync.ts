import { z } from 'zod';
import type { ReleaseKind } from '../messages.js';
import { responses } from './common.js';
import { kpisSchema } from './metrics.js';

/** Cloud sync as the admin page shows it: this device's outbox and link, and the embedded hub's view of the fleet. */

const deviceSyncSchema = z.object({
  connected: z.boolean(),
  broker: z.string(),
  backlog: z.number(),
  publisher: z.object({ acknowledged: z.number(), published: z.number(), resent: z.number(), lastAckAt: z.string().nullable() }),
  versions: z.record(z.string(), z.string().nullable()),
  lastHeartbeatAt: z.string().nullable(),
});
// The embedded hub's records are the hub's own (hub/store, in the fleet's protocol/messages.ts shapes) and
// its fleet figures grow with it: the document pins the fields the admin page relies on and lets the rest through.
// Its devices, rollouts and activity are pinned field by field: the page shows each of them whole.
const fleetDeviceSchema = z.object({
  deviceId: z.string(),
  group: z.string(),
  lastSeen: z.string(),
  appVersion: z.string(),
  versions: z.object({ model: z.string().nullable(), knowledge: z.string().nullable(), config: z.string().nullable() }),
  outboxBacklog: z.number(),
  uptimeSeconds: z.number(),
});
/** A rollout of the hub with how many of its devices are in each state. */
const fleetRolloutSchema = z.object({
  id: z.string(),
  releaseId: z.string(),
  kind: z.enum(['model', 'knowledge']) satisfies z.ZodType<ReleaseKind>,
  version: z.string(),
  target: z.union([z.object({ all: z.literal(true) }), z.object({ group: z.string() }), z.object({ percent: z.number() })]),
  devices: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  rolledBackAt: z.string().nullable(),
  rolledBackBy: z.string().nullable(),
  counts: z.record(z.string(), z.number()),
});
/** What happened beside the sessions, fleet-wide. */
const fleetActivitySchema = z.object({
  ticketsOpened: z.number(),
  ticketsResolved: z.number(),
  ticketsBreached: z.number(),
  alertsAmber: z.number(),
  alertsRed: z.number(),
  scorecards: z.number(),
});
const fleetSchema = z.looseObject({
  url: z.string().nullable(),
  records: z.number(),
  duplicates: z.number(),
  rejected: z.number(),
  devices: z.array(fleetDeviceSchema),
  kpis: kpisSchema,
  activity: fleetActivitySchema,
  rollouts: z.array(fleetRolloutSchema),
});

export const syncApi = {
  status: { response: responses({ 200: z.object({ device: deviceSyncSchema, hub: fleetSchema.nullable() }) }) },
};
