import { describe, expect, it } from 'vitest';
import { applyRule, DEFAULT_FORM, scoreSession, type RuleKind, type SessionFacts } from '../../device/qa/index.js';

const base: SessionFacts = {
  sessionId: 's',
  callId: 'c',
  agentId: 'a',
  lang: 'zh-Hant',
  waitMs: 12_000,
  handleMs: 240_000,
  endReason: 'agent-ended',
  messages: [
    { from: 'agent', text: '您好，歡迎來到 Branchline，請問有什麼可以幫您？', atMs: 3_000 },
    { from: 'customer', text: '我的卡被盜刷了', atMs: 20_000 },
    { from: 'agent', text: '非常抱歉，我理解您的擔心。請先讓我核對您的身分。', atMs: 30_000 },
    { from: 'agent', text: '已經幫您停卡，請問還有其他需要協助的嗎？', atMs: 200_000 },
    { from: 'agent', text: '謝謝您，祝您有美好的一天。', atMs: 230_000 },
  ],
  transcript: null,
  customerIdentified: false,
  routing: { label: 'finance.fraud.unauthorised_transaction', confirmed: true },
  resolved: true,
  solutions: [{ articleId: 'art-1', recommendable: true, outcome: 'success' }],
  ticketOpened: false,
  emotion: { startValence: -0.5, endValence: 0.1 },
  talk: { customerTalkMs: 80_000, agentTalkMs: 100_000, silenceMs: 40_000, overlaps: 1 },
  alerts: [{ atMs: 25_000 }],
  csat: 5,
  transfers: 0,
};

const params = (rule: RuleKind) => DEFAULT_FORM.sections.flatMap((s) => s.questions).find((q) => q.rule === rule)!.params;
const score = (rule: RuleKind, facts: Partial<SessionFacts>) => applyRule(rule, { ...base, ...facts }, params(rule)).score;
const noTalk = { messages: [], transcript: null };

/** Each rule: a session that passes, one that fails, one where it does not apply. */
const CASES: [RuleKind, Partial<SessionFacts>, Partial<SessionFacts>, Partial<SessionFacts>][] = [
  ['greeting', {}, { messages: [{ from: 'agent', text: 'What do you want?', atMs: 2000 }] }, noTalk],
  ['identification', {}, { messages: [{ from: 'agent', text: 'ok', atMs: 1 }] }, { ...noTalk, customerIdentified: false }],
  ['time-to-answer', {}, { waitMs: 120_000 }, { waitMs: null }],
  ['silence', {}, { talk: { ...base.talk!, silenceMs: 200_000 } }, { talk: null }],
  ['interruptions', {}, { talk: { ...base.talk!, overlaps: 7 } }, { talk: null }],
  ['empathy', {}, { messages: [{ from: 'agent', text: 'Card blocked.', atMs: 5 }] }, noTalk],
  ['de-escalation', {}, { alerts: [{ atMs: 100_000 }] }, { alerts: [] }],
  ['reply-coverage', {}, { messages: [{ from: 'customer', text: 'hello?', atMs: 1 }] }, { messages: [] }],
  ['knowledge-used', {}, { solutions: [{ articleId: 'x', recommendable: true, outcome: null }] }, { solutions: [] }],
  ['knowledge-accuracy', {}, { solutions: [{ articleId: 'old', recommendable: false, outcome: 'success' }] }, { solutions: [] }],
  ['required-phrases', {}, { messages: [{ from: 'agent', text: '好的', atMs: 1 }] }, noTalk],
  ['prohibited-phrases', {}, { messages: [{ from: 'agent', text: '這不關我的事，你自己看', atMs: 1 }] }, noTalk],
  ['resolution', {}, { resolved: false }, { resolved: null }],
  ['ticket-when-unresolved', { resolved: false, ticketOpened: true }, { resolved: false, ticketOpened: false }, { resolved: true }],
  ['routing-confirmed', {}, {}, { routing: null }],
  ['transfers', {}, { transfers: 1 }, { callId: null }],
  ['closing', {}, { messages: [{ from: 'agent', text: '好', atMs: 1 }] }, noTalk],
  ['csat', {}, { csat: 2 }, { csat: null }],
  ['emotion-improved', {}, { emotion: { startValence: 0.2, endValence: -0.6 } }, { emotion: null }],
  ['handle-time', {}, { handleMs: 1_500_000 }, { handleMs: null }],
];

describe('quality rules on crafted sessions', () => {
  it.each(CASES.filter(([rule]) => rule !== 'routing-confirmed'))('%s: pass, fail, not applicable', (rule, good, bad, missing) => {
    expect(score(rule, good)).toBe(1);
    expect(score(rule, bad)).toBeLessThan(0.5);
    expect(score(rule, missing)).toBeNull();
  });

  it('routing-confirmed: the agent reviewed it (confirmed or corrected), or there was nothing to review', () => {
    expect(score('routing-confirmed', {})).toBe(1);
    expect(score('routing-confirmed', { routing: { label: 'x', confirmed: false } })).toBe(1);
    expect(score('routing-confirmed', { routing: { label: 'x', confirmed: null } })).toBeNull();
  });

  it('reads a speech-to-text transcript like chat when one is configured', () => {
    expect(score('greeting', { messages: [], transcript: [{ from: 'agent', text: 'Good morning and welcome', atMs: 1500 }] })).toBe(1);
  });

  it('carries evidence: quotes with their moment, or the signal behind the score', () => {
    const result = applyRule('prohibited-phrases', { ...base, messages: [{ from: 'agent', text: 'That is not my problem', atMs: 61_000 }] }, params('prohibited-phrases'));
    expect(result).toEqual({ score: 0, evidence: [{ atSeconds: 61, quote: 'That is not my problem' }] });
    expect(applyRule('time-to-answer', base, params('time-to-answer')).evidence).toEqual([{ signal: 'answered after 12 s' }]);
  });
});

describe('scorecard', () => {
  it('scores all twenty questions of the default form and totals only the applicable ones', () => {
    const form = { ...DEFAULT_FORM, version: 3, createdAt: '', createdBy: 'test' };
    const card = scoreSession(form, base);
    expect(card.items).toHaveLength(20);
    expect(card.formVersion).toBe(3);
    expect(card.total).toBe(100);
    const sparse = scoreSession(form, { ...base, messages: [], talk: null, csat: null, emotion: null, alerts: [], resolved: false, ticketOpened: false });
    const applicable = sparse.items.filter((i) => i.score !== null);
    expect(applicable.length).toBeLessThan(20);
    const expected = (applicable.reduce((s, i) => s + i.score! * i.weight, 0) / applicable.reduce((s, i) => s + i.weight, 0)) * 100;
    expect(sparse.total).toBeCloseTo(expected, 1);
    expect(sparse.total).toBeLessThan(100);
  });
});
