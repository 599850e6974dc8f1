import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, type BusEvents, type FactJournal } from '../../device/bus.js';
import { Calls, callsTables, partyKey, type CallEvent, type Party } from '../../device/calls/index.js';
import { MediaWorkers } from '../../device/media/index.js';
import { Presence } from '../../device/routing/index.js';
import { openTestJournal } from '../helpers/journal.js';

// The call service on a real journal and real media workers, without the rest of the appliance: every
// call fact is stored and announced by one journal write, and a call whose end cannot be stored still ends.
const log = pino({ level: 'silent' });
const AGENT = 'agent-1';
const KIOSK = { kind: 'kiosk', kioskId: 'kiosk-1' } as const satisfies Party;
const AGENT_PARTY: Party = { kind: 'agent', userId: AGENT };
let workers: MediaWorkers;

beforeAll(async () => {
  workers = await MediaWorkers.start({ count: 1, respawnDelayMs: 100 }, log, new EventBus());
});
afterAll(async () => {
  await workers.close();
});

interface Rig {
  calls: Calls;
  journal: FactJournal;
  presence: Presence;
  sent: { to: string; event: CallEvent }[];
  facts: { name: string; payload: Record<string, unknown> }[];
  eventsOf(party: Party, type: CallEvent['type']): CallEvent[];
}

let rig: Rig | null = null;

async function start(): Promise<Rig> {
  const bus = new EventBus();
  const { journal } = await openTestJournal([callsTables], bus);
  const presence = new Presence(bus);
  const calls = new Calls(
    journal,
    bus,
    workers,
    presence,
    { kiosk: () => 'Kiosk', agent: () => 'Agent', agentSkills: () => ['general'], route: () => ({ skill: 'general', vipLine: false, priority: 0 }) },
    {
      reconnectSeconds: 0.2,
      rtc: { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', minPort: 40000, maxPort: 49999 },
      recordingsDir: mkdtempSync(join(tmpdir(), 'branchline-recordings-')),
      queue: { overflowAfterMs: 60_000, fallbackSkill: 'general', vipSkill: 'vip' },
    },
    log,
  );
  const sent: Rig['sent'] = [];
  calls.attach({ send: (to, event) => void sent.push({ to: partyKey(to), event }), connectedAgents: () => [AGENT] });
  const facts: Rig['facts'] = [];
  for (const name of ['call.requested', 'call.answered', 'call.chat', 'call.ended'] as const) bus.on(name, (payload) => void facts.push({ name, payload: payload as Record<string, unknown> }));
  rig = { calls, journal, presence, sent, facts, eventsOf: (party, type) => sent.filter((s) => s.to === partyKey(party) && s.event.type === type).map((s) => s.event) };
  return rig;
}

afterEach(async () => {
  await rig?.calls.closeAll().catch(() => undefined);
  rig?.journal.close();
  rig = null;
});

async function answeredCall(r: Rig): Promise<string> {
  r.presence.set(AGENT, 'available');
  const callId = await r.calls.request(KIOSK.kioskId, 'en', 'session-1');
  await expect.poll(() => r.eventsOf(AGENT_PARTY, 'callStarted').length).toBe(1);
  expect(r.eventsOf(KIOSK, 'callStarted')).toHaveLength(1);
  return callId;
}

describe('calls on the journal', () => {
  it('stores and announces request, answer, chat and end; a resumed side gets the chat back', async () => {
    const r = await start();
    const callId = await answeredCall(r);
    expect(r.presence.get(AGENT).state).toBe('busy');
    await r.calls.chat(KIOSK, 'my card is blocked');
    await r.calls.chat(AGENT_PARTY, 'let me look');
    r.calls.rejoin(KIOSK);
    const resumed = r.eventsOf(KIOSK, 'callStarted').at(-1) as Extract<CallEvent, { type: 'callStarted' }>;
    expect(resumed.resumed).toBe(true);
    expect(resumed.chat.map((m) => [m.from, m.text])).toEqual([['customer', 'my card is blocked'], ['agent', 'let me look']]);

    await r.calls.end(AGENT_PARTY);
    const record = r.calls.record(callId)!;
    expect(record).toMatchObject({ kioskId: 'kiosk-1', sessionId: 'session-1', skill: 'general', agentId: AGENT, endReason: 'agent-ended' });
    expect(record.chat).toHaveLength(2);
    expect(r.calls.callsOfSession('session-1').map((c) => c.id)).toEqual([callId]);
    expect(r.calls.agentsOfSession('session-1')).toEqual([AGENT]);
    expect(r.calls.recentCalls(5).map((c) => c.id)).toEqual([callId]);
    expect(r.calls.callsBetween(record.requestedAt, new Date(Date.parse(record.requestedAt) + 1).toISOString()).map((c) => c.id)).toEqual([callId]);
    expect(r.facts.map((f) => f.name)).toEqual(['call.requested', 'call.answered', 'call.chat', 'call.chat', 'call.ended']);
    const ended: BusEvents['call.ended'] = { callId, sessionId: 'session-1', reason: 'agent-ended', at: record.endedAt!, kioskId: 'kiosk-1', skill: 'general', agentId: AGENT, requestedAt: record.requestedAt, answeredAt: record.answeredAt };
    expect(r.facts.at(-1)!.payload).toEqual(ended);
    expect(r.eventsOf(KIOSK, 'callEnded')).toEqual([{ type: 'callEnded', callId, reason: 'agent-ended' }]);
    expect(r.presence.get(AGENT).state).toBe('wrap-up');
  });

  it('ends a call for both sides when its end cannot be stored, and the next start closes its record', async () => {
    const r = await start();
    const callId = await answeredCall(r);
    // The journal refuses every write from here on, as a full or read-only disk would.
    r.journal.close();
    await expect(r.calls.end(KIOSK)).rejects.toThrow(/closed/);
    expect(r.eventsOf(KIOSK, 'callEnded')).toEqual([{ type: 'callEnded', callId, reason: 'customer-ended' }]);
    expect(r.eventsOf(AGENT_PARTY, 'callEnded')).toEqual([{ type: 'callEnded', callId, reason: 'customer-ended' }]);
    expect(r.presence.get(AGENT).state).toBe('wrap-up');
    expect(r.calls.activeCalls()).toEqual([]);
    expect(r.facts.map((f) => f.name)).not.toContain('call.ended');
  });

  it('records a request whose kiosk did not come back within the grace as abandoned', async () => {
    const r = await start();
    // No agent is available: the customer waits.
    const callId = await r.calls.request(KIOSK.kioskId, 'en', null);
    expect(r.calls.queueSnapshot().map((q) => q.callId)).toEqual([callId]);
    r.calls.disconnected(KIOSK);
    await expect.poll(() => r.calls.record(callId)?.endReason).toBe('abandoned');
    expect(r.calls.queueSnapshot()).toEqual([]);
    expect(r.facts.at(-1)).toMatchObject({ name: 'call.ended', payload: { callId, reason: 'abandoned', agentId: null, answeredAt: null, skill: 'general' } });
  });

  it('ends a call whose side did not come back within the grace, and tells that side when it returns', async () => {
    const r = await start();
    const callId = await answeredCall(r);
    r.calls.disconnected(KIOSK);
    expect(r.eventsOf(AGENT_PARTY, 'peerConnection').at(-1)).toMatchObject({ connected: false });
    await expect.poll(() => r.calls.record(callId)?.endReason).toBe('customer-lost');
    expect(r.eventsOf(KIOSK, 'callEnded')).toEqual([]);
    r.calls.connected(KIOSK);
    expect(r.eventsOf(KIOSK, 'callEnded')).toEqual([{ type: 'callEnded', callId, reason: 'customer-lost' }]);
  });
});
