import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { coachingFor, DEFAULT_FORM, loadCoachingTexts } from '../../device/qa/index.js';
import type { QaScorecardRecord } from '../../device/store/index.js';

const texts = loadCoachingTexts(fileURLToPath(new URL('../../models/qa/coaching.json', import.meta.url)));
const form = { ...DEFAULT_FORM, version: 1, createdAt: '', createdBy: 'default' };

function card(sessionId: string, scores: Record<string, number | null>, overrides: QaScorecardRecord['overrides'] = []): QaScorecardRecord {
  return {
    id: `card-${sessionId}`,
    sessionId,
    callId: null,
    agentId: 'agent-1',
    formVersion: 1,
    at: '2026-11-20T10:00:00Z',
    total: null,
    items: Object.entries(scores).map(([questionId, score]) => ({ sectionId: 'x', questionId, title: questionId, weight: 1, score, evidence: [] })),
    overrides,
    disputes: [],
  };
}

describe('coaching', () => {
  it('turns a weakness seen three times into a suggestion in the agent language, linked to its sessions', () => {
    const cards = [
      card('s1', { 'knowledge-accuracy': 0, empathy: 1 }),
      card('s2', { 'knowledge-accuracy': 0, empathy: 0 }),
      card('s3', { 'knowledge-accuracy': 0, empathy: 0 }),
      card('s4', { 'knowledge-accuracy': null, empathy: 1 }),
    ];
    const en = coachingFor(cards, () => form, texts, 'en');
    expect(en).toEqual([
      {
        questionId: 'knowledge-accuracy',
        rule: 'knowledge-accuracy',
        count: 3,
        sessions: ['s1', 's2', 's3'],
        text: 'Answered with outdated or wrong information (product parameters) 3 times in this period: suggest the Product parameters module.',
        code: 'qa.coaching',
        params: expect.objectContaining({ count: 3, 'module.en': 'Product parameters' }),
      },
    ]);
    expect(coachingFor(cards, () => form, texts, 'zh-Hant')[0]!.text).toBe('這段期間有 3 次以失效或錯誤的資料回答（產品參數）：建議研習「產品參數」單元。');
    expect(coachingFor(cards, () => form, texts, 'zh-Hans')[0]!.text).toContain('建议学习“产品参数”单元');
  });

  it('counts a supervisor override instead of the automatic score', () => {
    const overridden = [card('s1', { empathy: 0 }), card('s2', { empathy: 0 }), card('s3', { empathy: 0 }, [{ questionId: 'empathy', score: 1, reason: 'it was fine', by: 'sup', at: '' }])];
    expect(coachingFor(overridden, () => form, texts, 'en')).toEqual([]);
    const added = [card('s1', { empathy: 0 }), card('s2', { empathy: 0 }), card('s3', { empathy: 1 }, [{ questionId: 'empathy', score: 0, reason: 'scripted', by: 'sup', at: '' }])];
    expect(coachingFor(added, () => form, texts, 'en')[0]).toMatchObject({ questionId: 'empathy', count: 3 });
  });
});
