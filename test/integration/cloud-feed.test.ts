import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeviceSync, feedOutbox, MqttLink, Outbox, outboxTables, startEmbeddedBroker, type EmbeddedBroker, type ReleaseHandler } from '../../device/sync/index.js';
import { startHub, type RunningHub } from '../../hub/index.js';
import { generateFleetKeys } from '../../protocol/index.js';
import { testOperator } from '../helpers/fleet.js';
import type { EmotionSummary } from '../../device/sense/index.js';
import type { BusEvents, FactJournal } from '../../device/bus.js';
import { checkRemoteSettings, loadConfig } from '../../device/config.js';
import { openTestJournal } from '../helpers/journal.js';

const DEVICE = 'dev-feed-1';
let token: string;
const log = pino({ level: process.env.TEST_HUB_LOG ?? 'silent' });
/** What the sensing module sums up for a session; the feed only rounds and forwards it. */
const summaries = new Map<string, EmotionSummary>();
/** No model or knowledge release is sent in these tests. */
const noRelease: ReleaseHandler = {
  apply: () => Promise.reject(new Error('no release of this kind in this test')),
  revert: () => Promise.reject(new Error('no release of this kind in this test')),
};
let dataDir: string;
let broker: EmbeddedBroker;
let hub: RunningHub;
let journal: FactJournal;
let link: MqttLink;
let sync: DeviceSync;

// The device side as the appliance wires it (device/cloud.ts), beside the embedded broker and hub.
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'branchline-cloud-feed-'));
  broker = await startEmbeddedBroker(0);
  const { publicKey } = generateFleetKeys();
  hub = await startHub({
    dataDir: join(dataDir, 'hub'),
    databaseUrl: null,
    maxConnections: 1,
    mqtt: { url: broker.url, username: broker.username, password: broker.password, protocolVersion: broker.protocolVersion, clientId: 'branchline-embedded-hub' },
    shared: false,
    http: null,
    publicKeyPem: publicKey,
    heartbeatSeconds: 1,
    instance: 'embedded',
    log,
  });
  token = (await testOperator(hub)).token;
  ({ journal } = await openTestJournal([outboxTables], undefined, dataDir));
  const outbox = new Outbox(journal);
  feedOutbox(journal, outbox, { emotionSummary: (sessionId) => summaries.get(sessionId) ?? null }, { corrections: false }, log);
  link = new MqttLink({ url: broker.url, username: broker.username, password: broker.password, clientId: `branchline-${DEVICE}`, protocolVersion: broker.protocolVersion }, log);
  await link.waitConnected(5000);
  sync = await DeviceSync.start(
    link,
    outbox,
    { deviceId: DEVICE, group: 'default', appVersion: 'test', dataDir, heartbeatSeconds: 1, publicKeyPem: publicKey, handlers: { model: noRelease, knowledge: noRelease }, checkSettings: checkRemoteSettings, remoteConfigVersion: null },
    log,
  );
}, 60_000);

afterAll(async () => {
  sync?.close();
  await link?.close();
  await hub?.close();
  await broker?.close();
  journal?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api(method: string, url: string, body?: unknown, auth = `Bearer ${token}`) {
  const response = await hub.app.inject({ method: method as 'GET', url, headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, payload: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

/** Records a fact as a domain does: announced in its write, so its outbox record commits with it. */
const recordFact = <K extends keyof BusEvents & string>(name: K, payload: BusEvents[K]) => journal.write((tx) => tx.emit(name, payload));

describe('what leaves the device (embedded broker and hub)', () => {
  it('turns recorded facts into figures at the hub, without words, names or media', async () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 9, 0, s)).toISOString();
    summaries.set('s1', { callId: 'c1', samples: 2, meanValence: -0.19999999999999998, minValence: -0.6, meanArousal: 0.6000000000000001, labels: { angry: 1, neutral: 1 } });
    await recordFact('call.chat', { callId: 'c1', sessionId: 's1', kioskId: 'k1', from: 'customer', text: 'my card number is 4000001234567899', at: at(31) });
    await recordFact('call.ended', { callId: 'c1', sessionId: 's1', kioskId: 'k1', skill: 'cards', agentId: 'a1', requestedAt: at(0), answeredAt: at(12), reason: 'agent-ended', at: at(52) });
    await recordFact('routing.wrapped-up', { sessionId: 's1', agentId: 'a1', routedLabel: null, label: 'finance.cards.lost_stolen_card', confirmed: true, resolved: true, question: 'I lost my card', lang: 'en', at: at(60) });
    await recordFact('qa.scorecard', { scorecardId: 'q1', sessionId: 's1', agentId: 'a1', total: 86, formVersion: 1, at: at(61) });
    await recordFact('knowledge.ticket.opened', { ticketId: 't1', number: 7, intent: 'finance.cards.lost_stolen_card', dueAt: at(59), at: at(62) });

    await vi.waitFor(async () => expect(await hub.hub.store.recordCount()).toBe(5), { timeout: 10_000 });
    expect((await hub.hub.store.figures()).fleet.activity).toEqual({ ticketsOpened: 1, ticketsResolved: 0, ticketsBreached: 0, alertsAmber: 0, alertsRed: 0, scorecards: 1 });
    const sessions = await api('GET', `/api/records?device=${DEVICE}&stream=session`);
    expect((sessions.body.records as { data: unknown }[]).map((r) => r.data)).toEqual([
      { event: 'call-ended', sessionId: 's1', callId: 'c1', kioskId: 'k1', skill: 'cards', agentId: 'a1', waitSeconds: 12, handleSeconds: 40, reason: 'agent-ended' },
      { event: 'wrapped-up', sessionId: 's1', agentId: 'a1', label: 'finance.cards.lost_stolen_card', confirmed: true, resolved: true },
    ]);
    const emotion = await api('GET', `/api/records?device=${DEVICE}&stream=emotion`);
    expect((emotion.body.records as { data: unknown }[])[0]!.data).toEqual({ event: 'summary', sessionId: 's1', callId: 'c1', kioskId: 'k1', samples: 2, meanValence: -0.2, minValence: -0.6, meanArousal: 0.6, labels: { angry: 1, neutral: 1 } });
    // The customer's words never leave: neither the chat nor the wrap-up question.
    const everything = JSON.stringify([sessions.body, emotion.body, (await api('GET', `/api/records?device=${DEVICE}&stream=ticket`)).body]);
    expect(everything).not.toMatch(/4000001234567899|I lost my card/);
    // The hub's receipts empty the outbox (they come just after the records are stored).
    await vi.waitFor(async () => expect((await sync.status()).backlog).toBe(0), { timeout: 5000 });
  });

  it('answers wrong credentials and bad input on the hub API with a clear error and changes nothing', async () => {
    expect((await api('GET', '/api/fleet', undefined, 'Bearer not-the-token')).status).toBe(401);
    expect((await api('GET', '/api/fleet', undefined, '')).status).toBe(401);
    const before = (await api('GET', '/api/rollouts')).body;
    expect(await api('POST', '/api/rollouts', '{"releaseId":')).toMatchObject({ status: 400 });
    expect(await api('POST', '/api/rollouts', { releaseId: 'x', target: { percent: 0 } })).toMatchObject({ status: 400 });
    expect(await api('POST', '/api/rollouts', { releaseId: 'no-such-release', target: { all: true } })).toMatchObject({ status: 404, body: { message: 'release no-such-release is not on this hub; upload it first' } });
    expect((await api('GET', '/api/rollouts/no-such-rollout')).status).toBe(404);
    expect((await api('POST', '/api/rollouts/no-such-rollout/rollback')).status).toBe(404);
    expect((await api('GET', '/api/rollouts/../../etc')).status).toBeGreaterThanOrEqual(400);
    expect(await api('PUT', '/api/releases/r1', { manifest: '{}', signature: 'AAAA' })).toMatchObject({ status: 400, body: { message: 'the manifest signature does not verify with the fleet key' } });
    expect(await api('POST', '/api/config', { settings: { port: 1 }, target: { all: true } })).toMatchObject({ status: 400 });
    expect(await api('POST', '/api/config', { settings: {}, target: { all: true } })).toMatchObject({ status: 400 });
    expect((await api('GET', '/api/rollouts')).body).toEqual(before);
  });

  it('takes remote settings within bounds only, and they wait for the next start', async () => {
    await vi.waitFor(async () => expect((await api('GET', '/api/fleet')).body.devices).toMatchObject([{ deviceId: DEVICE }]), { timeout: 10_000 });
    expect(await api('POST', '/api/config', { settings: { faceFps: 99 }, target: { all: true } })).toMatchObject({ status: 200 });
    expect(await api('POST', '/api/config', { settings: { faceFps: 5, ticketSlaHours: 24 }, target: { all: true } })).toMatchObject({ status: 200 });
    await vi.waitFor(async () => {
      const rollouts = (await api('GET', `/api/records?device=${DEVICE}&stream=rollout`)).body.records as { data: { kind: string; state: string; reason: string | null } }[];
      expect(rollouts.filter((r) => r.data.kind === 'config').map((r) => r.data.state)).toEqual(['rejected', 'active']);
      expect(rollouts.find((r) => r.data.state === 'rejected')!.data.reason).toMatch(/faceFps/);
    }, { timeout: 10_000 });
    const next = loadConfig({ BRANCHLINE_DATA_DIR: dataDir });
    expect({ faceFps: next.faceFps, ticketSlaHours: next.ticketSlaHours }).toEqual({ faceFps: 5, ticketSlaHours: 24 });
    // What a person sets on the spot wins over the fleet.
    expect(loadConfig({ BRANCHLINE_DATA_DIR: dataDir, BRANCHLINE_FACE_FPS: '2' }).faceFps).toBe(2);
  });
});
