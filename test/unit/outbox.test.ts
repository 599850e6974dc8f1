import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { feedOutbox } from '../../device/sync/feed.js';
import type { EmotionSummary } from '../../device/sense/index.js';
import { Outbox, outboxTables } from '../../device/sync/outbox.js';
import type { BusEvents } from '../../device/bus.js';
import { Journal } from '../../device/store/index.js';
import { factsTables } from '../fixtures/outbox-facts/owner.js';
import { openTestJournal } from '../helpers/journal.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 9, 0, s)).toISOString();
const scorecard = (n: number) => ({ scorecardId: `q${n}`, sessionId: `s${n}`, agentId: null, total: n, formVersion: 1 });

describe('outbox', () => {
  it('numbers each stream from 1 with no gap and no repeat, through rolled-back writes, removals and a reopen', async () => {
    const { journal, file } = await openTestJournal([outboxTables]);
    const outbox = new Outbox(journal);
    const results = await Promise.allSettled([
      journal.write((tx) => [1, 2, 3].map((n) => outbox.add(tx, 'scorecard', scorecard(n), at(n)).seq)),
      journal.write((tx) => {
        outbox.add(tx, 'scorecard', scorecard(99), at(4));
        throw new Error('the fact was refused');
      }),
      journal.write((tx) => outbox.add(tx, 'ticket', { n: 1 }, at(5)).seq),
      journal.write((tx) => outbox.add(tx, 'scorecard', scorecard(4), at(6)).seq),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([[1, 2, 3], 'rejected', 1, 4]);
    expect(outbox.peek('scorecard', 10).map((r) => [r.seq, r.data])).toEqual([1, 2, 3, 4].map((n) => [n, scorecard(n)]));
    expect(await outbox.removeRange('scorecard', 1, 4)).toBe(4);
    expect(outbox.lastSeq('scorecard')).toBe(4);
    expect((await outbox.record('scorecard', scorecard(5))).seq).toBe(5);
    journal.close();

    const again = await Journal.open<BusEvents>(file, { owners: [outboxTables], announce: () => undefined });
    const reopened = new Outbox(again);
    expect([reopened.lastSeq('scorecard'), reopened.lastSeq('ticket'), reopened.lastSeq('session'), reopened.backlog]).toEqual([5, 1, 0, 2]);
    expect((await reopened.record('scorecard', scorecard(6))).seq).toBe(6);
    expect(reopened.peek('scorecard', 10).map((r) => r.seq)).toEqual([5, 6]);
    again.close();
  });

  it('reads a stream in order from a cursor and removes a confirmed range once, however many receipts come for it', async () => {
    const { journal } = await openTestJournal([outboxTables]);
    const outbox = new Outbox(journal);
    const added = await journal.write((tx) => Array.from({ length: 10 }, (_, i) => outbox.add(tx, 'session', { i }, at(i))));
    expect(outbox.peek('session', 4, 2)).toEqual(added.slice(2, 6));
    expect(outbox.peek('ticket', 4)).toEqual([]);
    expect(await Promise.all([outbox.removeRange('session', 1, 5), outbox.removeRange('session', 1, 5)])).toEqual([5, 0]);
    expect(await outbox.removeRange('session', 1, 5)).toBe(0);
    expect(outbox.backlog).toBe(5);
    expect(outbox.peek('session', 100).map((r) => r.seq)).toEqual([6, 7, 8, 9, 10]);
    journal.close();
  });

  it('wakes its listeners after a commit that added records, never for one that rolled back, and refuses an add outside a write', async () => {
    const { journal } = await openTestJournal([outboxTables]);
    const outbox = new Outbox(journal);
    const wakes: boolean[] = [];
    outbox.onAdded(() => wakes.push(journal.db.inTransaction));
    await expect(journal.write((tx) => {
      outbox.add(tx, 'rollout', { a: 1 });
      throw new Error('undone');
    })).rejects.toThrow('undone');
    expect(wakes).toEqual([]);
    await outbox.record('rollout', { a: 2 });
    expect(wakes).toEqual([false]);
    expect(() => outbox.add({ afterCommit: () => undefined }, 'rollout', { a: 3 })).toThrow('Outbox.add must run inside a journal write');
    expect(outbox.backlog).toBe(1);
    journal.close();
  });
});

describe('outbox feed', () => {
  const summaries = new Map<string, EmotionSummary>([['s1', { callId: 'c1', samples: 2, meanValence: -0.2000000001, minValence: -0.6, meanArousal: 0.6, labels: { angry: 1, neutral: 1 } }]]);
  const sources = { emotionSummary: (sessionId: string) => summaries.get(sessionId) ?? null };

  async function fedJournal(corrections = true) {
    const logged: { msg: string; stream?: string }[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line) as { msg: string }) });
    const { journal, bus } = await openTestJournal([outboxTables, factsTables]);
    const outbox = new Outbox(journal);
    feedOutbox(journal, outbox, sources, { corrections }, log);
    const insertFact = journal.db.prepare('INSERT INTO facts_recorded (id, stream, writer, at) VALUES (?, ?, 0, ?)');
    /** Records a fact the way a domain does: its row and its announcement in one write. */
    const record = <K extends keyof BusEvents & string>(id: string, name: K, payload: BusEvents[K]) =>
      journal.write((tx) => {
        insertFact.run(id, name, at(0));
        tx.emit(name, payload);
      });
    const data = (stream: 'scorecard' | 'ticket' | 'session' | 'emotion' | 'correction') => outbox.peek(stream, 100).map((r) => r.data);
    return { journal, bus, outbox, logged, record, data, factIds: () => journal.db.prepare('SELECT id FROM facts_recorded ORDER BY id').pluck().all() };
  }

  it('turns each fed fact into its figures-only record in the fact\'s own transaction', async () => {
    const { journal, record, data, outbox } = await fedJournal();
    const alert = { id: 'al1', sessionId: 's1', callId: 'c1', at: at(25), level: 'red' as const, rule: 'sustained-anger', reason: 'the customer sounds angry', suggestion: { 'zh-Hant': '', 'zh-Hans': '', en: 'slow down' }, evidence: { channel: 'text', detail: 'words' } };
    await Promise.all([
      record('f1', 'routing.decided', { sessionId: 's1', kioskId: 'k1', customerId: 'cust-1', text: 'I lost my card', lang: 'en', kind: 'agent', label: 'cards.lost', confidence: 0.9, rules: [], answered: false, at: at(1) }),
      record('f2', 'sense.alert', { alert, kioskId: 'k1' }),
      record('f3', 'call.ended', { callId: 'c1', sessionId: 's1', kioskId: 'k1', skill: 'cards', agentId: 'a1', requestedAt: at(0), answeredAt: at(12), reason: 'agent-ended', at: at(52) }),
      record('f4', 'call.ended', { callId: 'c2', sessionId: null, kioskId: 'k2', skill: 'general', agentId: null, requestedAt: at(10), answeredAt: null, reason: 'customer-left', at: at(40) }),
      record('f5', 'routing.wrapped-up', { sessionId: 's1', agentId: 'a1', routedLabel: null, label: 'cards.lost', confirmed: true, resolved: true, question: 'I lost my card', lang: 'en', at: at(60) }),
      record('f6', 'qa.scorecard', { scorecardId: 'q1', sessionId: 's1', agentId: 'a1', total: 86, formVersion: 1, at: at(61) }),
      record('f7', 'knowledge.ticket.opened', { ticketId: 't1', number: 7, intent: 'cards.lost', dueAt: at(59), at: at(62) }),
      record('f8', 'knowledge.ticket.warning', { ticketId: 't1', number: 7, kind: 'due-soon', dueAt: at(59), at: at(63) }),
      record('f9', 'knowledge.ticket.resolved', { ticketId: 't1', number: 7, articleId: 'art-1', at: at(64) }),
    ]);
    expect(data('session')).toEqual([
      { event: 'decided', sessionId: 's1', kioskId: 'k1', kind: 'agent', label: 'cards.lost', confidence: 0.9, answered: false, lang: 'en' },
      { event: 'call-ended', sessionId: 's1', callId: 'c1', kioskId: 'k1', skill: 'cards', agentId: 'a1', waitSeconds: 12, handleSeconds: 40, reason: 'agent-ended' },
      { event: 'call-ended', sessionId: null, callId: 'c2', kioskId: 'k2', skill: 'general', agentId: null, waitSeconds: 30, handleSeconds: null, reason: 'customer-left' },
      { event: 'wrapped-up', sessionId: 's1', agentId: 'a1', label: 'cards.lost', confirmed: true, resolved: true },
    ]);
    expect(data('emotion')).toEqual([
      { event: 'alert', sessionId: 's1', callId: 'c1', kioskId: 'k1', level: 'red', rule: 'sustained-anger' },
      { event: 'summary', sessionId: 's1', callId: 'c1', kioskId: 'k1', samples: 2, meanValence: -0.2, minValence: -0.6, meanArousal: 0.6, labels: { angry: 1, neutral: 1 } },
    ]);
    expect(data('scorecard')).toEqual([{ scorecardId: 'q1', sessionId: 's1', agentId: 'a1', total: 86, formVersion: 1 }]);
    expect(data('ticket').map((d) => (d as { event: string }).event)).toEqual(['opened', 'due-soon', 'resolved']);
    expect(outbox.peek('emotion', 1)[0]!.at).toBe(at(25));
    // Words, names and the customer never leave, but for the agents' labelled questions in their own stream.
    expect(JSON.stringify([data('session'), data('emotion')])).not.toMatch(/lost my card|cust-1|sounds angry|slow down/);
    expect(data('correction')).toEqual([{ sessionId: 's1', text: 'I lost my card', lang: 'en', routedLabel: null, label: 'cards.lost' }]);
    journal.close();
  });

  it('sends no labelled question when the device has corrections switched off', async () => {
    const { journal, record, data } = await fedJournal(false);
    await record('f1', 'routing.wrapped-up', { sessionId: 's1', agentId: 'a1', routedLabel: 'cards.fees', label: 'cards.lost', confirmed: false, resolved: true, question: 'I lost my card', lang: 'en', at: at(60) });
    expect(data('session')).toEqual([{ event: 'wrapped-up', sessionId: 's1', agentId: 'a1', label: 'cards.lost', confirmed: false, resolved: true }]);
    expect(data('correction')).toEqual([]);
    journal.close();
  });

  it('keeps a fact whose record breaks its schema (logged, not sent), and fails the write of a fact whose record cannot be stored', async () => {
    const { journal, bus, record, data, logged, factIds, outbox } = await fedJournal();
    const heard: string[] = [];
    bus.on('qa.scorecard', (e) => void heard.push(e.scorecardId));
    await record('bad-lang', 'routing.decided', { sessionId: 's9', kioskId: 'k1', customerId: null, text: 'bonjour', lang: 'fr', kind: 'bot', label: null, confidence: null, rules: [], answered: true, at: at(1) });
    expect(factIds()).toEqual(['bad-lang']);
    expect(data('session')).toEqual([]);
    expect(logged).toMatchObject([{ msg: 'outbox record does not match its schema; not sent', stream: 'session' }]);

    // What a full disk does to the insert, without filling one: the statement fails.
    journal.db.exec(`CREATE TRIGGER outbox_disk_full BEFORE INSERT ON outbox_records BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    await expect(record('lost', 'qa.scorecard', { scorecardId: 'q2', sessionId: 's2', agentId: null, total: 50, formVersion: 1, at: at(2) })).rejects.toThrow('database or disk is full');
    expect(factIds()).toEqual(['bad-lang']);
    expect(heard).toEqual([]);
    journal.db.exec('DROP TRIGGER outbox_disk_full');
    await record('kept', 'qa.scorecard', { scorecardId: 'q3', sessionId: 's3', agentId: null, total: 50, formVersion: 1, at: at(3) });
    expect(heard).toEqual(['q3']);
    expect(outbox.peek('scorecard', 10).map((r) => r.seq)).toEqual([1]);
    journal.close();
  });
});
