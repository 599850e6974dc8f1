import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IntentArtifact } from '../../models/intent/src/artifact.js';
import type { Prediction } from '../../models/intent/src/classifier.js';
import type { LabelInfo } from '../../models/intent/src/taxonomy.js';
import type { BusEvents, EventBus, FactJournal } from '../../device/bus.js';
import { Customers, EscalationLexicon, PRIORITY, Router, routingTables, type AnswerSource } from '../../device/routing/index.js';
import { Store } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';

const names = { 'zh-Hant': 'x', 'zh-Hans': 'x', en: 'x' };
const label = (id: string, tier: LabelInfo['tier'], skill: string): [string, LabelInfo] => [id, { id, area: 'a', tier, skill, names: { ...names, en: `name of ${id}` }, domain: 'd' }];
const LABELS = new Map([label('e.logistics.track', 'bot', 'logistics'), label('f.cards.limit', 'skill', 'cards'), label('f.cards.fees', 'bot', 'cards')]);

/** A model that knows three questions: enough to drive every kind of decision. */
function stubModel(): IntentArtifact {
  const predict = (text: string): Prediction => {
    if (text.includes('parcel')) return { ranked: [{ label: 'e.logistics.track', confidence: 0.9 }], outOfScope: false };
    if (text.includes('card')) return { ranked: [{ label: 'f.cards.fees', confidence: 0.3 }, { label: 'f.cards.limit', confidence: 0.28 }], outOfScope: false };
    return { ranked: [], outOfScope: true };
  };
  return { classifier: { predict }, labels: LABELS } as unknown as IntentArtifact;
}

const answers: AnswerSource = async ({ intent }) => (intent === 'e.logistics.track' ? { exposureId: 'x-1', title: 'Tracking', body: 'Open the app.' } : null);
const lexicon = new EscalationLexicon(fileURLToPath(new URL('../../models/intent/escalation.json', import.meta.url)));

let journal: FactJournal;
let bus: EventBus;
let store: Store;
let router: Router;

beforeEach(async () => {
  ({ journal, bus } = await openTestJournal([routingTables]));
  store = await Store.open(join(mkdtempSync(join(tmpdir(), 'branchline-routing-')), 'branchline.json'));
  router = new Router(journal, stubModel(), lexicon, new Customers(store), { clarifyBelow: 0.45, clarifyOptionFloor: 0.05, fallbackSkill: 'general' }, answers);
});
afterEach(async () => {
  journal.close();
  await store.close();
});

/** Records what a fact's transaction and the bus saw of it. */
function watch<K extends keyof BusEvents & string>(name: K) {
  const seen = { inTransaction: [] as BusEvents[K][], announced: [] as BusEvents[K][] };
  journal.inTransaction(name, (payload) => void seen.inTransaction.push(payload));
  bus.on(name, (payload) => void seen.announced.push(payload));
  return seen;
}

const callFacts = (sessionId: string) => ({
  requested: { callId: 'c-1', kioskId: 'k-1', sessionId, skill: 'logistics', priority: 0, at: '2026-11-20T09:00:10.000Z' },
  answered: { callId: 'c-1', kioskId: 'k-1', sessionId, agentId: 'u-1', via: 'skill', at: '2026-11-20T09:00:20.000Z' },
  ended: (reason: string) => ({ callId: 'c-1', sessionId, reason, at: '2026-11-20T09:00:40.000Z', kioskId: 'k-1', skill: 'logistics', agentId: null, requestedAt: '2026-11-20T09:00:10.000Z', answeredAt: null }),
});

describe('service sessions', () => {
  it('keeps each routing decision with its session and announces it in the same transaction', async () => {
    const decided = watch('routing.decided');
    const session = await router.start('k-1', 'en');
    expect(router.sessionById(session.id)).toEqual(session);

    const asked = await router.ask('k-1', session.id, 'where is my parcel');
    expect(asked).toMatchObject({ decision: { kind: 'bot', label: 'e.logistics.track' }, labelName: 'name of e.logistics.track', answer: { exposureId: 'x-1' }, options: [] });
    const unsure = await router.ask('k-1', session.id, 'my card');
    expect(unsure.options).toEqual([{ label: 'f.cards.fees', name: 'name of f.cards.fees' }, { label: 'f.cards.limit', name: 'name of f.cards.limit' }]);
    const chosen = await router.choose('k-1', session.id, 'f.cards.limit');
    expect(chosen.decision).toMatchObject({ kind: 'queue', label: 'f.cards.limit', text: 'my card', rules: ['customer-chose', 'skill-queue:cards'] });

    const stored = router.sessionById(session.id)!;
    expect(stored.decisions).toEqual([asked.decision, unsure.decision, chosen.decision]);
    expect(stored.botAnsweredAt).toBe(asked.decision.at);
    expect(stored.firstResponseAt).toBe(asked.decision.at);
    expect(decided.inTransaction).toEqual(decided.announced);
    expect(decided.announced.map((d) => [d.kind, d.answered])).toEqual([['bot', true], ['clarify', false], ['queue', false]]);
    expect(decided.announced[0]).toMatchObject({ sessionId: session.id, kioskId: 'k-1', customerId: null, text: 'where is my parcel', lang: 'en', confidence: 0.9 });
    expect(router.routedLabel(session.id)).toEqual({ label: 'f.cards.limit', confidence: 1, explanation: chosen.decision.explanation, code: 'routing.queue', params: chosen.decision.params });
    expect(router.queueRoute('k-1', session.id)).toEqual({ skill: 'cards', vipLine: false, priority: PRIORITY.normal });
    expect(router.queueRoute('k-1', null)).toEqual({ skill: 'general', vipLine: false, priority: PRIORITY.normal });

    await expect(router.ask('k-2', session.id, 'where is my parcel')).rejects.toMatchObject({ statusCode: 404 });
    await expect(router.choose('k-1', session.id, 'f.cards.limit')).rejects.toMatchObject({ statusCode: 409 });
  });

  it("records what a call and sensing tell of a session inside their own fact's transaction", async () => {
    const session = await router.start('k-1', 'en');
    const facts = callFacts(session.id);
    await journal.write((tx) => tx.emit('call.requested', facts.requested));
    // A write that fails takes its fact's effect on the session with it.
    await expect(
      journal.write((tx) => {
        tx.emit('call.answered', facts.answered);
        throw new Error('the call could not be answered');
      }),
    ).rejects.toThrow('could not be answered');
    expect(router.sessionById(session.id)).toMatchObject({ callId: 'c-1', queuedAt: facts.requested.at, agentAnsweredAt: null, firstResponseAt: null });

    await journal.write((tx) => {
      tx.emit('call.answered', facts.answered);
      tx.emit('call.ended', facts.ended('agent-ended'));
    });
    expect(router.sessionById(session.id)).toMatchObject({ agentAnsweredAt: facts.answered.at, firstResponseAt: facts.answered.at, abandonedAt: null });
    await journal.write((tx) => {
      tx.emit('call.ended', facts.ended('abandoned'));
      tx.emit('sense.alert', {
        kioskId: 'k-1',
        alert: { id: 'a-1', sessionId: session.id, callId: 'c-1', at: '2026-11-20T09:00:30.000Z', level: 'red', rule: 'r', reason: 'angry', suggestion: names, evidence: { channel: 'text', detail: 'd' } },
      });
    });
    expect(router.sessionById(session.id)).toMatchObject({ abandonedAt: '2026-11-20T09:00:40.000Z', escalatedAt: '2026-11-20T09:00:30.000Z' });
    // Facts of calls without a session, or of a session routing never saw, change no session.
    await journal.write((tx) => tx.emit('call.requested', { ...facts.requested, sessionId: null }));
    await journal.write((tx) => tx.emit('call.requested', { ...facts.requested, sessionId: 'unknown' }));
    expect(router.recentSessions(10)).toHaveLength(1);
  });

  it('identifies a customer, sends a VIP to the VIP line and pauses a kiosk that guesses numbers', async () => {
    await new Customers(store).add({ name: 'V', tier: 'vip', cardNumber: '4111111111111111' });
    const session = await router.start('k-1', 'en');
    expect(await router.identify('k-1', session.id, 'card', '4111111111111111')).toMatchObject({ name: 'V', tier: 'vip' });
    expect(router.sessionById(session.id)!.customer).toMatchObject({ tier: 'vip' });
    expect(router.queueRoute('k-1', session.id)).toMatchObject({ vipLine: true, priority: PRIORITY.vip });

    const other = await router.start('k-2', 'en');
    for (let i = 0; i < 10; i++) expect(await router.identify('k-2', other.id, 'phone', `9000000${i}`)).toBeNull();
    await expect(router.identify('k-2', other.id, 'card', '4111111111111111')).rejects.toMatchObject({ statusCode: 429 });
    expect(router.sessionById(other.id)!.customer).toBeNull();
  });

  it('wraps up with the routed label and takes the survey once', async () => {
    const wrapped = watch('routing.wrapped-up');
    const session = await router.start('k-1', 'zh-Hant');
    await router.ask('k-1', session.id, 'where is my parcel');
    await router.ask('k-1', session.id, 'something else');
    await expect(router.wrapUp(session.id, 'u-1', 'no.such.label', true)).rejects.toThrow('unknown intent label');
    await expect(router.wrapUp('unknown', 'u-1', 'f.cards.limit', true)).rejects.toMatchObject({ statusCode: 404 });
    const corrected = await router.wrapUp(session.id, 'u-1', 'f.cards.limit', false);
    expect(corrected.wrapUp).toMatchObject({ routedLabel: 'e.logistics.track', label: 'f.cards.limit', confirmed: false, resolved: false, by: 'u-1' });
    const confirmed = await router.wrapUp(session.id, 'u-2', 'e.logistics.track', true);
    expect(router.sessionById(session.id)!.wrapUp).toEqual(confirmed.wrapUp);
    expect(wrapped.inTransaction).toEqual(wrapped.announced);
    expect(wrapped.announced.map((w) => [w.agentId, w.confirmed, w.question, w.lang])).toEqual([
      ['u-1', false, 'where is my parcel', 'zh-Hant'],
      ['u-2', true, 'where is my parcel', 'zh-Hant'],
    ]);

    await expect(router.survey('k-2', session.id, { stars: 5 })).rejects.toMatchObject({ statusCode: 404 });
    const survey = await router.survey('k-1', session.id, { stars: 5, recommend: 9 });
    expect(survey).toMatchObject({ stars: 5, recommend: 9 });
    await expect(router.survey('k-1', session.id, { stars: 1 })).rejects.toMatchObject({ statusCode: 409 });
    expect(router.sessionById(session.id)!.survey).toEqual(survey);
  });

  it('lists the newest sessions first and the sessions of a period', async () => {
    const first = await router.start('k-1', 'en');
    const second = await router.start('k-1', 'en');
    expect(router.recentSessions(1)).toEqual([second]);
    expect(router.recentSessions(5).map((s) => s.id)).toEqual([second.id, first.id]);
    expect(router.sessionsBetween(first.startedAt, new Date(Date.parse(second.startedAt) + 1).toISOString()).map((s) => s.id)).toEqual([first.id, second.id]);
    expect(router.sessionsBetween(second.startedAt, second.startedAt)).toEqual([]);
  });
});
