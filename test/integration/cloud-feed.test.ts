import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningHub } from '../../cloud-sync/index.js';
import { startTestAppliance, type TestAppliance } from '../helpers/appliance.js';

let appliance: TestAppliance;
let hub: RunningHub;
let token: string;

beforeAll(async () => {
  appliance = await startTestAppliance({ BRANCHLINE_HEARTBEAT_SECONDS: '1' });
  hub = appliance.cloud.hub!;
  token = appliance.cloud.hubToken!;
}, 60_000);

afterAll(async () => {
  await appliance?.stop();
});


async function api(method: string, url: string, body?: unknown, auth = `Bearer ${token}`) {
  const response = await hub.app.inject({ method: method as 'GET', url, headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, payload: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

describe('what leaves the appliance (embedded broker and hub)', () => {
  it('turns bus events into figures at the hub, without words, names or media', async () => {
    const { bus } = appliance;
    const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 9, 0, s)).toISOString();
    bus.emit('call.requested', { callId: 'c1', kioskId: 'k1', sessionId: 's1', skill: 'cards', priority: 0, at: at(0) });
    bus.emit('call.answered', { callId: 'c1', kioskId: 'k1', sessionId: 's1', agentId: 'a1', via: 'queue', at: at(12) });
    bus.emit('sense.state', { sessionId: 's1', callId: 'c1', kioskId: 'k1', channel: 'text', fused: { valence: -0.6, arousal: 0.8, label: 'angry' }, face: null, at: at(20) });
    bus.emit('sense.state', { sessionId: 's1', callId: 'c1', kioskId: 'k1', channel: 'text', fused: { valence: 0.2, arousal: 0.4, label: 'neutral' }, face: null, at: at(30) });
    bus.emit('call.chat', { callId: 'c1', sessionId: 's1', kioskId: 'k1', from: 'customer', text: 'my card number is 4000001234567899', at: at(31) });
    bus.emit('call.ended', { callId: 'c1', sessionId: 's1', reason: 'agent-ended', at: at(52) });
    bus.emit('routing.wrapped-up', { sessionId: 's1', agentId: 'a1', label: 'finance.cards.lost_stolen_card', confirmed: true, resolved: true, question: 'I lost my card', lang: 'en', at: at(60) });
    bus.emit('qa.scorecard', { scorecardId: 'q1', sessionId: 's1', agentId: 'a1', total: 86, formVersion: 1, at: at(61) });
    bus.emit('knowledge.ticket.opened', { ticketId: 't1', number: 7, intent: 'finance.cards.lost_stolen_card', dueAt: at(59), at: at(62) });

    await vi.waitFor(() => expect(hub.hub.store.records).toBe(5), { timeout: 10_000 });
    const kpis = hub.hub.store.kpis();
    expect(kpis).toMatchObject({ calls: 1, responseRate30s: 1, meanWaitSeconds: 12, meanHandleSeconds: 40, resolutionRate: 1, qaScorecards: 1, meanQaScore: 86, ticketsOpened: 1, meanValence: -0.2 });
    const fleet = await api('GET', '/api/fleet');
    const device = (fleet.body.devices as { deviceId: string }[])[0]!.deviceId;
    const sessions = await api('GET', `/api/records?device=${device}&stream=session`);
    expect((sessions.body.records as { data: unknown }[]).map((r) => r.data)).toEqual([
      { event: 'call-ended', sessionId: 's1', callId: 'c1', kioskId: 'k1', skill: 'cards', agentId: 'a1', waitSeconds: 12, handleSeconds: 40, reason: 'agent-ended' },
      { event: 'wrapped-up', sessionId: 's1', agentId: 'a1', label: 'finance.cards.lost_stolen_card', confirmed: true, resolved: true },
    ]);
    const emotion = await api('GET', `/api/records?device=${device}&stream=emotion`);
    expect((emotion.body.records as { data: unknown }[])[0]!.data).toEqual({ event: 'summary', sessionId: 's1', callId: 'c1', kioskId: 'k1', samples: 2, meanValence: -0.2, minValence: -0.6, meanArousal: 0.6, labels: { angry: 1, neutral: 1 } });
    // The customer's words never leave: neither the chat nor the wrap-up question.
    const everything = JSON.stringify([sessions.body, emotion.body, (await api('GET', `/api/records?device=${device}&stream=ticket`)).body]);
    expect(everything).not.toMatch(/4000001234567899|I lost my card/);
    // The hub's receipts empty the outbox (they come just after the records are stored).
    await vi.waitFor(async () => expect((await appliance.cloud.sync.status()).backlog).toBe(0), { timeout: 5000 });
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
    const fleet = await api('GET', '/api/fleet');
    const device = (fleet.body.devices as { deviceId: string }[])[0]!.deviceId;
    expect(await api('POST', '/api/config', { settings: { faceFps: 99 }, target: { all: true } })).toMatchObject({ status: 200 });
    expect(await api('POST', '/api/config', { settings: { faceFps: 5, ticketSlaHours: 24 }, target: { all: true } })).toMatchObject({ status: 200 });
    await vi.waitFor(async () => {
      const rollouts = (await api('GET', `/api/records?device=${device}&stream=rollout`)).body.records as { data: { kind: string; state: string; reason: string | null } }[];
      expect(rollouts.filter((r) => r.data.kind === 'config').map((r) => r.data.state)).toEqual(['rejected', 'active']);
      expect(rollouts.find((r) => r.data.state === 'rejected')!.data.reason).toMatch(/faceFps/);
    }, { timeout: 10_000 });
    const { loadConfig } = await import('../../device/config.js');
    const next = loadConfig({ BRANCHLINE_DATA_DIR: appliance.dataDir });
    expect({ faceFps: next.faceFps, ticketSlaHours: next.ticketSlaHours }).toEqual({ faceFps: 5, ticketSlaHours: 24 });
    // What a person sets on the spot wins over the fleet.
    expect(loadConfig({ BRANCHLINE_DATA_DIR: appliance.dataDir, BRANCHLINE_FACE_FPS: '2' }).faceFps).toBe(2);
  });
});
