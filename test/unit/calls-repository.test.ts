import { afterEach, describe, expect, it } from 'vitest';
import type { BusEvents, FactJournal } from '../../device/bus.js';
import { CallRepository, callsTables } from '../../device/calls/index.js';
import { CallRecords } from '../../device/calls/call-records.js';
import type { CallRecord } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T09:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function legacyCall(id: string, at: number, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    id,
    kioskId: 'kiosk-1',
    sessionId: `session-${id}`,
    skill: 'cards',
    agentId: 'agent-1',
    lang: 'en',
    requestedAt: iso(at),
    answeredAt: iso(at + 10_000),
    endedAt: iso(at + 190_000),
    endReason: 'agent-ended',
    chat: [
      { from: 'customer', text: `hello from ${id}`, at: iso(at + 20_000) },
      { from: 'agent', text: 'how can I help?', at: iso(at + 30_000) },
    ],
    recording: null,
    ...extra,
  };
}

let journal: FactJournal | null = null;

async function open(): Promise<{ journal: FactJournal; records: CallRecords; repo: CallRepository; facts: { name: string; payload: unknown }[] }> {
  const opened = await openTestJournal([callsTables]);
  journal = opened.journal;
  const facts: { name: string; payload: unknown }[] = [];
  for (const name of ['call.requested', 'call.answered', 'call.chat', 'call.ended'] as const) opened.bus.on(name, (payload) => void facts.push({ name, payload }));
  const records = new CallRecords(opened.journal);
  return { journal: opened.journal, records, repo: records.repository, facts };
}

afterEach(() => {
  journal?.close();
  journal = null;
});

describe('call repository', () => {
  it('records a call from request to end, chat appended message by message, each fact announced after its commit', async () => {
    const { records, repo, facts } = await open();
    const call = { id: 'c1', kioskId: 'kiosk-1', sessionId: 's1' };
    await records.requested({ ...call, skill: 'cards', lang: 'en', requestedAt: iso(0) }, 1);
    expect(repo.record('c1')).toEqual({ ...call, skill: 'cards', agentId: null, lang: 'en', requestedAt: iso(0), answeredAt: null, endedAt: null, endReason: null, chat: [], recording: null });

    await records.answered(call, 'agent-1', 'skill', iso(5_000));
    await Promise.all([
      records.chat(call, { from: 'customer', text: 'my card is blocked', at: iso(6_000) }),
      records.chat(call, { from: 'agent', text: 'let me look', at: iso(7_000) }),
    ]);
    await records.chat(call, { from: 'customer', text: 'thanks', at: iso(8_000) });
    expect(repo.chatOf('c1').map((m) => m.text)).toEqual(['my card is blocked', 'let me look', 'thanks']);

    await records.ended('c1', 'customer-ended', iso(60_000));
    await records.recorded('c1', '/data/recordings/c1');
    // A second end (a late timer) changes nothing and is not a fact.
    await records.ended('c1', 'agent-lost', iso(70_000));
    expect(repo.record('c1')).toMatchObject({ agentId: 'agent-1', answeredAt: iso(5_000), endedAt: iso(60_000), endReason: 'customer-ended', recording: '/data/recordings/c1' });
    expect(repo.record('c1')!.chat).toEqual([
      { from: 'customer', text: 'my card is blocked', at: iso(6_000) },
      { from: 'agent', text: 'let me look', at: iso(7_000) },
      { from: 'customer', text: 'thanks', at: iso(8_000) },
    ]);

    expect(facts.map((f) => f.name)).toEqual(['call.requested', 'call.answered', 'call.chat', 'call.chat', 'call.chat', 'call.ended']);
    const ended: BusEvents['call.ended'] = { callId: 'c1', sessionId: 's1', reason: 'customer-ended', at: iso(60_000), kioskId: 'kiosk-1', skill: 'cards', agentId: 'agent-1', requestedAt: iso(0), answeredAt: iso(5_000) };
    expect(facts.at(-1)!.payload).toEqual(ended);
    expect(repo.agentsOfSession('s1')).toEqual(['agent-1']);
    expect(repo.callsOfSession('s1').map((c) => c.id)).toEqual(['c1']);
  });

  it('gives the outbox the whole call-ended record inside the transaction, and a message for an unknown call is refused', async () => {
    const { journal, records } = await open();
    const inTx: BusEvents['call.ended'][] = [];
    journal.inTransaction('call.ended', (payload) => void inTx.push(payload));
    await records.requested({ id: 'c2', kioskId: 'kiosk-2', sessionId: null, skill: 'loans', lang: 'zh-Hant', requestedAt: iso(0) }, 0);
    await records.ended('c2', 'abandoned', iso(30_000));
    expect(inTx).toEqual([{ callId: 'c2', sessionId: null, reason: 'abandoned', at: iso(30_000), kioskId: 'kiosk-2', skill: 'loans', agentId: null, requestedAt: iso(0), answeredAt: null }]);
    await expect(records.chat({ id: 'nobody', kioskId: 'kiosk-2', sessionId: null }, { from: 'agent', text: 'hi', at: iso(1) })).rejects.toThrow(/FOREIGN KEY/);
  });

  it('reads the calls requested in a period, the newest calls, and a skill’s last handle times, through indexes', async () => {
    const { journal, repo } = await open();
    const calls = Array.from({ length: 30 }, (_, i) => legacyCall(`d${String(i).padStart(2, '0')}`, i * DAY, i % 2 ? { skill: 'loans' } : {}));
    await journal.write(() => repo.importLegacy(calls));

    expect(repo.callsBetween(iso(10 * DAY), iso(13 * DAY)).map((c) => c.id)).toEqual(['d10', 'd11', 'd12']);
    expect(repo.callsBetween(iso(10 * DAY), iso(13 * DAY))[0]!.chat).toHaveLength(2);
    expect(repo.recentCalls(3).map((c) => c.id)).toEqual(['d29', 'd28', 'd27']);
    expect(repo.lastHandled('loans', 20)).toHaveLength(15);
    expect(repo.lastHandled('cards', 4).map((h) => h.endedAt)).toEqual([28, 26, 24, 22].map((d) => iso(d * DAY + 190_000)));

    const plan = (sql: string) => (journal.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan("SELECT id FROM calls_records WHERE requested_at >= '2026' AND requested_at < '2027' ORDER BY requested_at, rowid")).toMatch(/USING INDEX calls_records_requested/);
    expect(plan('SELECT id FROM calls_records ORDER BY requested_at DESC, rowid DESC LIMIT 5')).toMatch(/SCAN calls_records USING INDEX calls_records_requested/);
    expect(plan("SELECT id FROM calls_records WHERE session_id = 's' ORDER BY requested_at, rowid")).toMatch(/USING INDEX calls_records_session/);
    expect(plan("SELECT id FROM calls_records WHERE skill = 'x' AND answered_at IS NOT NULL AND ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT 20")).toMatch(/USING INDEX calls_records_skill_ended/);
    expect(plan('SELECT id FROM calls_records WHERE ended_at IS NULL')).toMatch(/USING (COVERING )?INDEX calls_records_open/);
  });

  it('prunes the oldest calls in batches, each with its chat', async () => {
    const { journal, repo } = await open();
    await journal.write(() => repo.importLegacy(Array.from({ length: 5 }, (_, i) => legacyCall(`p${i}`, i * DAY))));
    const chatRows = () => journal.db.prepare('SELECT call_id AS callId FROM calls_chat ORDER BY call_id').pluck().all();

    expect(await journal.write(() => repo.prune(iso(3 * DAY), 2))).toBe(2);
    expect(repo.record('p0')).toBeNull();
    expect(repo.record('p1')).toBeNull();
    expect(chatRows()).toEqual(['p2', 'p2', 'p3', 'p3', 'p4', 'p4']);
    expect(await journal.write(() => repo.prune(iso(3 * DAY), 2))).toBe(1);
    expect(await journal.write(() => repo.prune(iso(3 * DAY), 2))).toBe(0);
    expect(repo.recentCalls(10).map((c) => c.id)).toEqual(['p4', 'p3']);
    expect(chatRows()).toEqual(['p3', 'p3', 'p4', 'p4']);
  });

  it('imports the calls of a v7 store once: a second import of the same calls adds nothing', async () => {
    const { journal, repo } = await open();
    const calls = [legacyCall('l1', 0), legacyCall('l2', DAY, { sessionId: null, agentId: null, answeredAt: null, endReason: 'abandoned', chat: [] })];
    expect(await journal.write(() => repo.importLegacy(calls))).toBe(2);
    expect(await journal.write(() => repo.importLegacy(calls))).toBe(0);
    expect(repo.recentCalls(10)).toEqual([calls[1], calls[0]]);
    expect(journal.db.prepare('SELECT count(*) FROM calls_chat').pluck().get()).toBe(2);
  });

  it('closes calls a crash left open at the last moment known of them, and announces their end', async () => {
    const { journal, records, repo, facts } = await open();
    await journal.write(() =>
      repo.importLegacy([
        legacyCall('open-chat', 0, { endedAt: null, endReason: null }),
        legacyCall('open-waiting', DAY, { agentId: null, answeredAt: null, endedAt: null, endReason: null, chat: [] }),
        legacyCall('closed', 2 * DAY),
      ]),
    );
    expect(await records.repairInterrupted()).toBe(2);
    expect(repo.record('open-chat')).toMatchObject({ endedAt: iso(30_000), endReason: 'interrupted' });
    expect(repo.record('open-waiting')).toMatchObject({ endedAt: iso(DAY), endReason: 'interrupted' });
    expect(repo.record('closed')).toMatchObject({ endedAt: iso(2 * DAY + 190_000), endReason: 'agent-ended' });
    expect(facts.map((f) => [f.name, (f.payload as { callId: string }).callId])).toEqual([
      ['call.ended', 'open-chat'],
      ['call.ended', 'open-waiting'],
    ]);
    expect(await records.repairInterrupted()).toBe(0);
  });
});
