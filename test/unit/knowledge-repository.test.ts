import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FactJournal } from '../../device/bus.js';
import { ExposureRepository, IngestRunRepository, knowledgeTables, TicketRepository } from '../../device/knowledge/index.js';
import type { KbExposure, KbIngestRun, KbTicket, StoreData } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';

const v7 = JSON.parse(readFileSync(new URL('../fixtures/store-v7.json', import.meta.url), 'utf8')) as StoreData & { kbExposures: KbExposure[]; kbTickets: KbTicket[]; kbIngestRuns: KbIngestRun[] };

const T0 = Date.parse('2026-11-20T09:00:00Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function exposure(id: string, at: number, overrides: Partial<KbExposure> = {}): KbExposure {
  return { id, articleId: 'a-1', version: 1, sessionId: `s-${id}`, intent: 'cards.lost', customerId: 'cu-1', audience: 'bot', rank: 1, at: iso(at), outcome: null, outcomeBy: null, outcomeAt: null, ...overrides };
}

function ticket(id: string, number: number, overrides: Partial<KbTicket> = {}): KbTicket {
  return {
    id,
    number,
    question: `question ${id}`,
    intent: null,
    lang: 'en',
    origin: 'manual',
    sessionId: null,
    status: 'open',
    assignee: null,
    createdAt: iso(0),
    dueAt: iso(2 * DAY),
    comments: [],
    warnings: [],
    resolvedAt: null,
    resolution: null,
    ...overrides,
  };
}

/** A ticket as it is opened, before the journal numbers it. */
function opening(id: string): Omit<KbTicket, 'number'> {
  const { number: _, ...rest } = ticket(id, 0);
  return rest;
}

function run(id: string, finishedAt: number): KbIngestRun {
  return { id, source: 'inbox', kind: 'folder', startedAt: iso(finishedAt - 1000), finishedAt: iso(finishedAt), added: ['art-a'], changed: [], unchanged: 3, retired: ['art-b'], rejected: [{ item: 'x.md', reason: 'no title' }], error: null };
}

let journal: FactJournal;

beforeEach(async () => {
  ({ journal } = await openTestJournal([knowledgeTables]));
});
afterEach(() => journal.close());

/** The query plan of a statement, to show that a read the product runs per request uses an index. */
const plan = (sql: string, ...params: unknown[]) => (journal.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');

describe('exposure repository', () => {
  let repo: ExposureRepository;
  beforeEach(() => {
    repo = new ExposureRepository(journal.db);
  });
  /** The per-article tally must always equal counting the exposures themselves. */
  const counted = (articleId: string) =>
    journal.db
      .prepare(`SELECT count(*) AS shown, count(*) FILTER (WHERE outcome = 'success') AS successes, count(*) FILTER (WHERE outcome = 'failure') AS failures FROM knowledge_exposures WHERE article_id = ?`)
      .get(articleId);

  it('imports v7 exposures as they were, once, and keeps each article tally equal to its exposures', async () => {
    expect(await journal.write(() => repo.importLegacy(v7.kbExposures))).toBe(2);
    expect(await journal.write(() => repo.importLegacy(v7.kbExposures))).toBe(0);
    for (const e of v7.kbExposures) expect(repo.exposure(e.id)).toEqual(e);
    expect(repo.exposuresOf('s-1')).toEqual([v7.kbExposures[0]]);
    expect(repo.tally('n-art')).toEqual({ shown: 2, successes: 1, failures: 0 });
    expect(repo.tally('n-art')).toEqual(counted('n-art'));
    expect(repo.tally('never-shown')).toEqual({ shown: 0, successes: 0, failures: 0 });

    // A person's verdict replaces an automatic one: the tally moves with it.
    await journal.write(() => repo.setOutcome('e-2', 'failure', 'customer', iso(60_000)));
    expect(repo.tally('n-art')).toEqual({ shown: 2, successes: 1, failures: 1 });
    await journal.write(() => repo.setOutcome('e-1', 'failure', 'agent', iso(60_000)));
    expect(repo.tally('n-art')).toEqual({ shown: 2, successes: 0, failures: 2 });
    expect(repo.tally('n-art')).toEqual(counted('n-art'));
    expect(await journal.write(() => repo.setOutcome('missing', 'success', 'agent', iso(0)))).toBeNull();
  });

  it('fails repeats of the same customer and intent inside the window, never the current session, and settles quiet ones in batches', async () => {
    await journal.write(() => {
      repo.insert(exposure('old', -8 * DAY));
      repo.insert(exposure('recent', -2 * DAY));
      repo.insert(exposure('other-intent', -2 * DAY, { intent: 'cards.fees' }));
      repo.insert(exposure('other-customer', -2 * DAY, { customerId: 'cu-2' }));
      repo.insert(exposure('current', 0, { sessionId: 's-now' }));
      repo.insert(exposure('anonymous', -9 * DAY, { customerId: null }));
      repo.insert(exposure('settled', -9 * DAY, { outcome: 'success', outcomeBy: 'agent', outcomeAt: iso(-9 * DAY) }));
    });
    const failed = await journal.write(() => repo.failRepeats('cu-1', 'cards.lost', iso(-7 * DAY), 's-now', iso(0)));
    expect(failed.map((e) => [e.id, e.outcome, e.outcomeBy, e.outcomeAt])).toEqual([['recent', 'failure', 'repeat', iso(0)]]);

    const quiet = await journal.write(() => repo.settleQuiet(iso(-7 * DAY), iso(0), 500));
    expect(quiet.map((e) => [e.id, e.outcome, e.outcomeBy])).toEqual([['old', 'success', 'no-repeat']]);
    expect(repo.exposure('anonymous')!.outcome).toBeNull();
    expect(repo.tally('a-1')).toEqual(counted('a-1'));

    await journal.write(() => Array.from({ length: 5 }, (_, i) => repo.insert(exposure(`q${i}`, -10 * DAY + i))));
    expect((await journal.write(() => repo.settleQuiet(iso(-7 * DAY), iso(0), 2))).map((e) => e.id)).toEqual(['q0', 'q1']);
    expect((await journal.write(() => repo.settleQuiet(iso(-7 * DAY), iso(0), 500))).map((e) => e.id)).toEqual(['q2', 'q3', 'q4']);
  });

  it('finds what an agent was already shown in a session', async () => {
    await journal.write(() => {
      repo.insert(exposure('bot', 0, { sessionId: 's-x' }));
      repo.insert(exposure('agent-1', 1, { sessionId: 's-x', audience: 'agent' }));
      repo.insert(exposure('agent-2', 2, { sessionId: 's-x', audience: 'agent', articleId: 'a-2', rank: 2 }));
    });
    expect(repo.shownToAgentOf('s-x', 'a-1')!.id).toBe('agent-1');
    expect(repo.shownToAgentOf('s-x', 'a-3')).toBeNull();
    expect(repo.exposuresOf('s-x').map((e) => e.id)).toEqual(['bot', 'agent-1', 'agent-2']);
  });

  it('prunes the oldest exposures past their age in batches, and the tally with them', async () => {
    await journal.write(() => Array.from({ length: 5 }, (_, i) => repo.insert(exposure(`p${i}`, i * DAY, { outcome: i % 2 ? 'failure' : 'success', outcomeBy: 'agent', outcomeAt: iso(i * DAY) }))));
    expect(await journal.write(() => repo.prune(iso(3 * DAY), 2))).toBe(2);
    expect(repo.exposure('p0')).toBeNull();
    expect(repo.exposure('p2')).not.toBeNull();
    expect(await journal.write(() => repo.prune(iso(3 * DAY), 2))).toBe(1);
    expect(await journal.write(() => repo.prune(iso(3 * DAY), 2))).toBe(0);
    expect(repo.tally('a-1')).toEqual({ shown: 2, successes: 1, failures: 1 });
    expect(repo.tally('a-1')).toEqual(counted('a-1'));
  });

  it('reads by session, repeats and quiet days through indexes', () => {
    expect(plan('SELECT * FROM knowledge_exposures WHERE session_id = ? ORDER BY at, rowid', 's')).toMatch(/USING INDEX knowledge_exposures_session/);
    expect(plan(`SELECT * FROM knowledge_exposures WHERE outcome IS NULL AND customer_id IS NOT NULL AND customer_id = ? AND intent = ? AND at > ?`, 'c', 'i', 'x')).toMatch(/USING INDEX knowledge_exposures_repeats/);
    expect(plan(`SELECT id FROM knowledge_exposures WHERE outcome IS NULL AND customer_id IS NOT NULL AND at <= ? ORDER BY at LIMIT 5`, 'x')).toMatch(/USING INDEX knowledge_exposures_unsettled/);
    expect(plan('SELECT * FROM knowledge_article_outcomes WHERE article_id = ?', 'a')).toMatch(/USING PRIMARY KEY/);
  });
});

describe('ticket repository', () => {
  let repo: TicketRepository;
  beforeEach(() => {
    repo = new TicketRepository(journal.db);
  });

  it('imports v7 tickets with comments and warnings, once, and numbers new ones after them', async () => {
    expect(await journal.write(() => repo.importLegacy(v7.kbTickets))).toBe(1);
    expect(await journal.write(() => repo.importLegacy(v7.kbTickets))).toBe(0);
    expect(repo.ticket('t-1')).toEqual(v7.kbTickets[0]);
    expect(repo.ticketOfSession('s-2')).toEqual(v7.kbTickets[0]);
    expect(repo.openedFor('s-2')).toBe(true);
    expect(repo.openedFor('s-1')).toBe(false);
    expect(await journal.write(() => repo.insert(opening('t-new')))).toBe(2);
  });

  it('keeps comments in order, one warning of each kind, assignment and resolution', async () => {
    const number = await journal.write(() => repo.insert(opening('t-a')));
    await journal.write(() => {
      repo.addComment(number, { by: 'wu', text: 'first', at: iso(1) });
      repo.addComment(number, { by: 'lin', text: 'second', at: iso(2) });
      repo.addWarning(number, 'due-soon', iso(3));
      repo.addWarning(number, 'due-soon', iso(4));
      repo.addWarning(number, 'breached', iso(5));
      repo.assign('t-a', 'wu');
    });
    expect(repo.ticket('t-a')).toMatchObject({
      status: 'assigned',
      assignee: 'wu',
      comments: [{ by: 'wu', text: 'first', at: iso(1) }, { by: 'lin', text: 'second', at: iso(2) }],
      warnings: [{ kind: 'due-soon', at: iso(3) }, { kind: 'breached', at: iso(5) }],
    });
    await journal.write(() => repo.resolve('t-a', iso(6), { articleId: 'art-1', how: 'linked', by: 'wu' }));
    expect(repo.ticket('t-a')).toMatchObject({ status: 'resolved', resolvedAt: iso(6), resolution: { articleId: 'art-1', how: 'linked', by: 'wu' } });
  });

  it('owes the early warning within the warning time, the breach past due, each once, and none for resolved tickets', async () => {
    await journal.write(() =>
      repo.importLegacy([
        ticket('soon', 1, { dueAt: iso(5 * 3_600_000) }),
        ticket('late', 2, { dueAt: iso(-3_600_000), warnings: [{ kind: 'due-soon', at: iso(-9 * 3_600_000) }] }),
        ticket('warned', 3, { dueAt: iso(5 * 3_600_000), warnings: [{ kind: 'due-soon', at: iso(0) }] }),
        ticket('far', 4, { dueAt: iso(20 * 3_600_000) }),
        ticket('done', 5, { dueAt: iso(-3_600_000), status: 'resolved', resolvedAt: iso(0), resolution: { articleId: 'x', how: 'written', by: 'y' } }),
      ]),
    );
    expect(repo.dueForWarning(iso(0), iso(8 * 3_600_000))).toEqual([
      { number: 1, id: 'soon', dueAt: iso(5 * 3_600_000), kind: 'due-soon' },
      { number: 2, id: 'late', dueAt: iso(-3_600_000), kind: 'breached' },
    ]);
    await journal.write(() => repo.addWarning(2, 'breached', iso(0)));
    expect(repo.dueForWarning(iso(0), iso(8 * 3_600_000)).map((w) => w.id)).toEqual(['soon']);
  });

  it('lists a status by due time, and the board as every unresolved ticket with the newest resolved ones', async () => {
    const resolved = (id: string, number: number, at: number) => ticket(id, number, { status: 'resolved', dueAt: iso(at), resolvedAt: iso(at), resolution: { articleId: 'a', how: 'written', by: 'b' } });
    await journal.write(() => repo.importLegacy([ticket('o2', 1, { dueAt: iso(2) }), ticket('o1', 2, { dueAt: iso(1) }), ticket('as', 3, { status: 'assigned', assignee: 'wu', dueAt: iso(3) }), ...Array.from({ length: 205 }, (_, i) => resolved(`r${i}`, 10 + i, i - 1000))]));
    expect(repo.list('open').map((t) => t.id)).toEqual(['o1', 'o2']);
    const board = repo.list();
    expect(board).toHaveLength(203);
    expect(board.filter((t) => t.status !== 'resolved').map((t) => t.id)).toEqual(['o1', 'o2', 'as']);
    expect(board.some((t) => t.id === 'r4')).toBe(false);
    expect(board.some((t) => t.id === 'r5')).toBe(true);
  });

  it('prunes the tickets resolved longest ago with their comments and warnings, never unresolved ones, and never reuses a number', async () => {
    await journal.write(() =>
      repo.importLegacy([
        ticket('r1', 1, { status: 'resolved', resolvedAt: iso(0), resolution: { articleId: 'a', how: 'written', by: 'b' }, comments: [{ by: 'x', text: 'y', at: iso(0) }], warnings: [{ kind: 'breached', at: iso(0) }] }),
        ticket('r2', 2, { status: 'resolved', resolvedAt: iso(DAY), resolution: { articleId: 'a', how: 'written', by: 'b' } }),
        ticket('r3', 3, { status: 'resolved', resolvedAt: iso(5 * DAY), resolution: { articleId: 'a', how: 'written', by: 'b' } }),
        ticket('open-old', 4, { createdAt: iso(-100 * DAY) }),
      ]),
    );
    expect(await journal.write(() => repo.prune(iso(3 * DAY), 1))).toBe(1);
    expect(repo.ticket('r1')).toBeNull();
    expect(journal.db.prepare('SELECT count(*) AS n FROM knowledge_ticket_comments').get()).toEqual({ n: 0 });
    expect(journal.db.prepare('SELECT count(*) AS n FROM knowledge_ticket_warnings').get()).toEqual({ n: 0 });
    expect(await journal.write(() => repo.prune(iso(3 * DAY), 500))).toBe(1);
    expect(await journal.write(() => repo.prune(iso(3 * DAY), 500))).toBe(0);
    expect(repo.ticket('open-old')).not.toBeNull();
    await journal.write(() => repo.prune(iso(10 * DAY), 500));
    // The highest number is gone; a new ticket still gets a number never given before.
    await journal.write(() => journal.db.prepare("DELETE FROM knowledge_tickets WHERE id = 'open-old'").run());
    expect(await journal.write(() => repo.insert(opening('t-new')))).toBe(5);
  });

  it('reads by session, status and due time through indexes', () => {
    expect(plan('SELECT EXISTS (SELECT 1 FROM knowledge_tickets WHERE session_id = ?)', 's')).toMatch(/USING (COVERING )?INDEX knowledge_tickets_session/);
    expect(plan(`SELECT number FROM knowledge_tickets WHERE status IN ('open', 'assigned') AND due_at <= ?`, 'x')).toMatch(/USING (COVERING )?INDEX knowledge_tickets_due/);
  });
});

describe('ingestion run repository', () => {
  it('imports v7 runs once, lists the newest first and prunes the oldest past their age', async () => {
    const repo = new IngestRunRepository(journal.db);
    expect(await journal.write(() => repo.importLegacy(v7.kbIngestRuns))).toBe(1);
    expect(await journal.write(() => repo.importLegacy(v7.kbIngestRuns))).toBe(0);
    expect(repo.recent(10)).toEqual(v7.kbIngestRuns);
    await journal.write(() => [run('n1', DAY), run('n2', 2 * DAY), run('n3', 3 * DAY)].forEach((r) => repo.insert(r)));
    expect(repo.recent(2)).toEqual([run('n3', 3 * DAY), run('n2', 2 * DAY)]);
    expect(await journal.write(() => repo.prune(iso(2 * DAY + 1), 1))).toBe(1);
    expect(repo.recent(10).map((r) => r.id)).toEqual(['n3', 'n2', 'n1']);
    expect(await journal.write(() => repo.prune(iso(2 * DAY + 1), 500))).toBe(2);
    expect(repo.recent(10).map((r) => r.id)).toEqual(['n3']);
  });
});
