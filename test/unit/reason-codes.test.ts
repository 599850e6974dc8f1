import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../models/intent/src/classifier.js';
import type { LabelInfo } from '../../models/intent/src/taxonomy.js';
import { coachingFor, DEFAULT_FORM, loadCoachingTexts } from '../../device/qa/index.js';
import { decide, EscalationLexicon } from '../../device/routing/index.js';
import { routedLabelOf, newServiceSession } from '../../device/routing/service-sessions.js';
import { alertReason, EmotionSensing, loadRules, SenseRepository, senseTables, TextSentiment } from '../../device/sense/index.js';
import type { QaScorecardRecord, StoredDecision } from '../../device/store/index.js';
import { openTestJournal } from '../helpers/journal.js';

const lexicon = new EscalationLexicon(fileURLToPath(new URL('../../models/intent/escalation.json', import.meta.url)));
const OPTIONS = { clarifyBelow: 0.45, clarifyOptionFloor: 0.05, fallbackSkill: 'general' };
const names = { 'zh-Hant': 'x', 'zh-Hans': 'x', en: 'x' };
const label = (id: string, tier: LabelInfo['tier'], skill: string): [string, LabelInfo] => [id, { id, area: 'a', tier, skill, names, domain: 'd', ...(tier === 'bot' ? { answer: names } : {}) }];
const LABELS = new Map([label('e.logistics.track', 'bot', 'logistics'), label('f.cards.limit', 'skill', 'cards'), label('f.cards.stolen', 'priority', 'cards')]);
const predict = (ranked: [string, number][], outOfScope = false): Prediction => ({ ranked: ranked.map(([l, confidence]) => ({ label: l, confidence })), outOfScope });
const calm = lexicon.scan('where is my parcel');
const route = (ranked: [string, number][], more: { outOfScope?: boolean; vip?: boolean; text?: string; chosen?: string } = {}) =>
  decide({ prediction: predict(ranked, more.outOfScope), labels: LABELS, customerTier: more.vip ? 'vip' : null, escalation: more.text ? lexicon.scan(more.text) : calm, ...(more.chosen ? { chosenLabel: more.chosen } : {}) }, OPTIONS);

describe('routing explanations as codes', () => {
  it('gives every kind of decision its code and the parameters of its sentence', () => {
    expect(route([['e.logistics.track', 0.9]])).toMatchObject({ code: 'routing.bot', params: { label: 'e.logistics.track', confidence: 0.9, skill: 'logistics' } });
    expect(route([['f.cards.limit', 0.8]])).toMatchObject({ code: 'routing.queue', params: { label: 'f.cards.limit', confidence: 0.8, skill: 'cards' } });
    expect(route([['f.cards.stolen', 0.8]])).toMatchObject({ code: 'routing.vip-line', params: { label: 'f.cards.stolen', skill: 'cards' } });
    expect(route([['f.cards.limit', 0.3], ['f.cards.stolen', 0.25]])).toEqual(expect.objectContaining({ code: 'routing.unsure', params: { choices: 'f.cards.limit 30%, f.cards.stolen 25%' } }));
    expect(route([['f.cards.limit', 0.2]], { outOfScope: true })).toEqual(expect.objectContaining({ code: 'routing.out-of-scope', params: { label: 'f.cards.limit', confidence: 0.2 } }));
    expect(route([], { outOfScope: true })).toEqual(expect.objectContaining({ code: 'routing.out-of-scope', params: {} }));
  });

  it('adds a VIP customer, a customer choice and the wording that raised the priority as parameters', () => {
    expect(route([['f.cards.limit', 0.8]], { vip: true }).params).toEqual({ label: 'f.cards.limit', confidence: 0.8, skill: 'cards', vipCustomer: 1 });
    expect(route([['f.cards.limit', 0.3]], { chosen: 'f.cards.limit' }).params).toMatchObject({ label: 'f.cards.limit', confidence: 1, chosen: 1 });
    expect(route([['e.logistics.track', 0.9]], { text: '我要投訴，包裹到現在還沒到' })).toMatchObject({ code: 'routing.queue', params: { raised: 'complaint', words: '投诉' } });
    expect(route([['f.cards.limit', 0.2]], { outOfScope: true, text: 'This is ridiculous and unacceptable, I am furious' })).toMatchObject({ code: 'routing.out-of-scope', params: { raised: 'negative' } });
  });

  it('passes the code to the agent with the routed label, and a decision stored without one keeps its text only', () => {
    const decision = { at: '2026-12-01T10:00:00Z', text: 'limit', ...route([['f.cards.limit', 0.8]]) };
    const legacy: StoredDecision = { at: decision.at, text: 'old', kind: 'queue', label: 'f.cards.limit', confidence: 0.7, candidates: [], route: decision.route, rules: [], explanation: 'f.cards.limit at 70%: queue cards.' };
    const session = (d: StoredDecision) => ({ ...newServiceSession({ id: 's', kioskId: 'k', lang: 'en', startedAt: d.at }), decisions: [d] });
    expect(routedLabelOf(session(decision))).toEqual({ label: 'f.cards.limit', confidence: 0.8, explanation: decision.explanation, code: 'routing.queue', params: decision.params });
    expect(routedLabelOf(session(legacy))).toEqual({ label: 'f.cards.limit', confidence: 0.7, explanation: legacy.explanation });
  });
});

const RULES = loadRules(fileURLToPath(new URL('../../models/sense/rules.json', import.meta.url)));
const rule = (id: string) => RULES.find((r) => r.id === id)!;
const fused = { valence: -0.612, arousal: 0.7, label: 'angry' as const };

describe('alert reasons as codes', () => {
  it('names the trigger, the expression, the frustrated state or the signal, with the English text kept', () => {
    expect(alertReason(rule('explicit-trigger'), 'manager', 'text', fused, null)).toEqual({ reason: 'customer mentions manager', code: 'sense.trigger', params: { trigger: 'manager' } });
    expect(alertReason(rule('micro-expression'), null, 'face', fused, 'contempt')).toEqual({ reason: "brief contempt on the customer's face", code: 'sense.expression', params: { expression: 'contempt' } });
    expect(alertReason(rule('frustration'), null, 'text', fused, null)).toEqual({ reason: 'customer angry (valence -0.61)', code: 'sense.frustration', params: { label: 'angry', valence: '-0.61' } });
    expect(alertReason(rule('voice-rising'), null, 'voice', fused, null)).toEqual({ reason: 'voice: voice rising', code: 'sense.signal', params: { channel: 'voice', rule: 'voice-rising' } });
  });

  it('stores the code with the alert, and reads an alert stored without one with its reason only', async () => {
    const { journal, bus } = await openTestJournal([senseTables]);
    const hub = new EmotionSensing(journal, bus, new TextSentiment(fileURLToPath(new URL('../../models/sense/lexicon.json', import.meta.url))), RULES, () => true, () => Date.parse('2026-12-01T12:00:00Z'));
    const alerts = await hub.onText({ sessionId: 's1', callId: null, kioskId: 'k1' }, 'I want to speak to your manager');
    expect(alerts.find((a) => a.rule === 'explicit-trigger')).toMatchObject({ code: 'sense.trigger', params: { trigger: 'manager' } });
    const repo = new SenseRepository(journal);
    expect(repo.alertsOf('s1')).toEqual(alerts);
    journal.db.prepare(`INSERT INTO sense_alerts (id, session_id, call_id, at, level, rule, reason, suggestion, evidence_channel, evidence_detail) VALUES ('old', 's2', NULL, '2026-01-01T00:00:00Z', 'amber', 'negative-words', 'text: negative words', '{"zh-Hant":"a","zh-Hans":"a","en":"a"}', 'text', 'x')`).run();
    const [old] = repo.alertsOf('s2');
    expect(old).toMatchObject({ reason: 'text: negative words' });
    expect(old).not.toHaveProperty('code');
    journal.close();
  });
});

const texts = loadCoachingTexts(fileURLToPath(new URL('../../models/qa/coaching.json', import.meta.url)));
const form = { ...DEFAULT_FORM, version: 1, createdAt: '', createdBy: 'default' };
const card = (sessionId: string): QaScorecardRecord => ({
  id: `card-${sessionId}`, sessionId, callId: null, agentId: 'a', formVersion: 1, at: '2026-11-20T10:00:00Z', total: null,
  items: [{ sectionId: 'x', questionId: 'empathy', title: 'empathy', weight: 1, score: 0, evidence: [] }], overrides: [], disputes: [],
});

describe('coaching suggestions as codes', () => {
  it('carries the count and the weakness and module in all three languages, whatever language was asked', () => {
    const [suggestion] = coachingFor([card('s1'), card('s2'), card('s3')], () => form, texts, 'en');
    const empathy = texts.empathy!;
    expect(suggestion).toMatchObject({ code: 'qa.coaching', params: { count: 3, questionId: 'empathy', 'weakness.zh-Hant': empathy.weakness['zh-Hant'], 'weakness.zh-Hans': empathy.weakness['zh-Hans'], 'weakness.en': empathy.weakness.en, 'module.zh-Hant': empathy.module['zh-Hant'], 'module.zh-Hans': empathy.module['zh-Hans'], 'module.en': empathy.module.en } });
    expect(coachingFor([card('s1'), card('s2'), card('s3')], () => form, texts, 'zh-Hant')[0]!.params).toEqual(suggestion!.params);
  });
});
