import { describe, expect, it } from 'vitest';
import { CATALOGUES } from '$lib/i18n';
import { sayReason, sayRule } from './reasons';

const queue = { code: 'routing.queue', params: { label: 'f.cards.limit', confidence: 0.8, skill: 'cards', raised: 'complaint', words: '投诉' } };

describe('coded server texts', () => {
  it('says a routing reason, an alert and a coaching tip in each language', () => {
    expect(sayReason(CATALOGUES.en, queue, 'stored')).toBe('f.cards.limit at 80%: queue cards. Priority raised for complaint wording (投诉).');
    expect(sayReason(CATALOGUES['zh-Hant'], queue, 'stored')).toBe('f.cards.limit，信心度 80%：排入 cards 佇列。因客訴用語（投诉）提高優先順序。');
    expect(sayReason(CATALOGUES['zh-Hans'], queue, 'stored')).toBe('f.cards.limit，置信度 80%：进入 cards 队列。因投诉用语（投诉）提高优先级。');
    const trigger = { code: 'sense.trigger', params: { trigger: 'complaint' } };
    expect(sayReason(CATALOGUES.en, trigger, 'x')).toBe('customer mentions complaint');
    expect(sayReason(CATALOGUES['zh-Hant'], trigger, 'x')).toBe('客戶提到客訴');
    expect(sayReason(CATALOGUES['zh-Hans'], trigger, 'x')).toBe('客户提到投诉');
    const tip = { code: 'qa.coaching', params: { count: 3, questionId: 'empathy', 'weakness.zh-Hans': '缺少同理心', 'module.zh-Hans': '同理心' } };
    expect(sayReason(CATALOGUES['zh-Hans'], tip, 'x')).toBe('这段期间有 3 次缺少同理心：建议学习“同理心”单元。');
  });

  it('shows the stored text of a record without a code, or with a code this page does not know', () => {
    expect(sayReason(CATALOGUES['zh-Hant'], {}, 'customer mentions complaint')).toBe('customer mentions complaint');
    expect(sayReason(CATALOGUES['zh-Hant'], { code: 'routing.future' }, 'old words')).toBe('old words');
  });

  it('names the rules of a decision, keeping the skill of a skill queue', () => {
    expect(sayRule(CATALOGUES['zh-Hant'], 'skill-queue:cards')).toBe('技能佇列: cards');
    expect(sayRule(CATALOGUES.en, 'bot-tier')).toBe('bot answers');
    expect(sayRule(CATALOGUES.en, 'new-rule')).toBe('new-rule');
  });
});
