import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../models/intent/src/classifier.js';
import type { LabelInfo } from '../../models/intent/src/taxonomy.js';
import { decide, EscalationLexicon, PRIORITY } from '../../device/routing/index.js';

const lexicon = new EscalationLexicon(fileURLToPath(new URL('../../models/intent/escalation.json', import.meta.url)));
const OPTIONS = { clarifyBelow: 0.45, clarifyOptionFloor: 0.05, fallbackSkill: 'general' };
const names = { 'zh-Hant': 'x', 'zh-Hans': 'x', en: 'x' };
const label = (id: string, tier: LabelInfo['tier'], skill: string): [string, LabelInfo] => [id, { id, area: 'a', tier, skill, names, domain: 'd', ...(tier === 'bot' ? { answer: names } : {}) }];
const LABELS = new Map([label('e.logistics.track', 'bot', 'logistics'), label('f.cards.limit', 'skill', 'cards'), label('f.cards.stolen', 'priority', 'cards'), label('f.cards.fees', 'bot', 'cards')]);
const predict = (ranked: [string, number][], outOfScope = false): Prediction => ({ ranked: ranked.map(([l, confidence]) => ({ label: l, confidence })), outOfScope });
const calm = lexicon.scan('where is my parcel');

describe('routing policy', () => {
  it('lets the bot answer a confident bot-tier question and keeps the skill queue for "talk to an agent"', () => {
    const d = decide({ prediction: predict([['e.logistics.track', 0.9], ['f.cards.fees', 0.05]]), labels: LABELS, customerTier: null, escalation: calm }, OPTIONS);
    expect(d).toMatchObject({ kind: 'bot', label: 'e.logistics.track', confidence: 0.9, route: { skill: 'logistics', vipLine: false, priority: PRIORITY.normal }, rules: ['bot-tier'] });
    expect(d.explanation).toContain('e.logistics.track at 90%');
  });

  it('sends a skill-tier question to its skill queue, a priority intent and a VIP customer to the VIP line', () => {
    expect(decide({ prediction: predict([['f.cards.limit', 0.8]]), labels: LABELS, customerTier: 'standard', escalation: calm }, OPTIONS)).toMatchObject({ kind: 'queue', route: { skill: 'cards', vipLine: false, priority: PRIORITY.normal }, rules: ['skill-queue:cards'] });
    expect(decide({ prediction: predict([['f.cards.stolen', 0.8]]), labels: LABELS, customerTier: null, escalation: calm }, OPTIONS)).toMatchObject({ kind: 'queue', route: { vipLine: true, priority: PRIORITY.vip }, rules: ['priority-intent', 'vip-line'] });
    const vip = decide({ prediction: predict([['f.cards.limit', 0.8]]), labels: LABELS, customerTier: 'vip', escalation: calm }, OPTIONS);
    expect(vip).toMatchObject({ kind: 'queue', route: { skill: 'cards', vipLine: true, priority: PRIORITY.vip } });
    expect(vip.rules).toContain('vip-customer');
    // A VIP still gets the bot's instant answer to a simple question; a request for an agent goes to the VIP line.
    expect(decide({ prediction: predict([['f.cards.fees', 0.9]]), labels: LABELS, customerTier: 'vip', escalation: calm }, OPTIONS)).toMatchObject({ kind: 'bot', route: { vipLine: true, priority: PRIORITY.vip } });
  });

  it('raises the priority of a complaint or strongly negative wording and never leaves it to the bot', () => {
    const complaint = lexicon.scan('我要投訴，包裹到現在還沒到');
    expect(complaint).toMatchObject({ raise: true, complaint: ['投诉'] });
    const d = decide({ prediction: predict([['e.logistics.track', 0.9]]), labels: LABELS, customerTier: null, escalation: complaint }, OPTIONS);
    expect(d).toMatchObject({ kind: 'queue', route: { skill: 'logistics', priority: PRIORITY.raised }, rules: ['complaint-wording', 'skill-queue:logistics'] });
    expect(d.explanation).toContain('complaint wording (投诉)');
    expect(lexicon.scan('This is ridiculous and unacceptable, I am furious').raise).toBe(true);
    expect(lexicon.scan('I am disappointed').raise).toBe(false);
    expect(lexicon.scan('Please press the button').complaint).toEqual([]);
    expect(lexicon.scan('我要投诉你们的快递员').complaint).toEqual(['投诉']);
  });

  it("asks which of the likeliest intents was meant when unsure, and accepts the customer's choice", () => {
    const unsure = predict([['f.cards.fees', 0.3], ['f.cards.limit', 0.25], ['e.logistics.track', 0.2], ['f.cards.stolen', 0.01]]);
    const d = decide({ prediction: unsure, labels: LABELS, customerTier: null, escalation: calm }, OPTIONS);
    expect(d.kind).toBe('clarify');
    expect(d.candidates.map((c) => c.label)).toEqual(['f.cards.fees', 'f.cards.limit', 'e.logistics.track']);
    expect(d.rules[0]).toBe('unsure-ask');
    const chosen = decide({ prediction: unsure, labels: LABELS, customerTier: null, escalation: calm, chosenLabel: 'f.cards.limit' }, OPTIONS);
    expect(chosen).toMatchObject({ kind: 'queue', label: 'f.cards.limit', confidence: 1, rules: ['customer-chose', 'skill-queue:cards'] });
    // Unsure, but with only one plausible option: route it rather than ask a one-choice question.
    expect(decide({ prediction: predict([['f.cards.limit', 0.4], ['f.cards.fees', 0.01]]), labels: LABELS, customerTier: null, escalation: calm }, OPTIONS).kind).toBe('queue');
  });

  it('says out of scope instead of guessing, unless the customer is complaining', () => {
    const oos = predict([['f.cards.fees', 0.2]], true);
    expect(decide({ prediction: oos, labels: LABELS, customerTier: null, escalation: calm }, OPTIONS)).toMatchObject({ kind: 'out-of-scope', label: null, route: { skill: 'general' }, rules: ['out-of-scope'] });
    const angry = decide({ prediction: oos, labels: LABELS, customerTier: null, escalation: lexicon.scan('I want to make a complaint') }, OPTIONS);
    expect(angry).toMatchObject({ kind: 'queue', route: { skill: 'general', priority: PRIORITY.raised } });
  });
});
