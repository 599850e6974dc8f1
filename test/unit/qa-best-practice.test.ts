import { describe, expect, it } from 'vitest';
import { handbookMarkdown, mineBestPractice, type MinedSession } from '../../device/qa/best-practice.js';

let state = 5;
const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

const EVERYONE = { en: 'Hello, thank you for calling today', zh: '您好，很高興為您服務' };
const BEST = { en: 'let me walk you through it step by step', zh: '我先幫您確認一下帳戶狀態' };
const FILLER = ['Please wait a moment.', 'I see.', 'Okay, one second.', '請稍等', '好的', '明白了', 'The system is slow today.', '我查一下'];

/** Twenty agents in two intent groups; the two best (most resolved, happiest customers) use known phrases. */
function population(): MinedSession[] {
  const sessions: MinedSession[] = [];
  for (let a = 0; a < 20; a++) {
    const best = a < 2;
    for (let k = 0; k < 12; k++) {
      const group = k % 2 === 0 ? 'finance.cards' : 'ecommerce.logistics';
      const lines = [EVERYONE.en, EVERYONE.zh, pick(FILLER), pick(FILLER)];
      if (best && random() < 0.8) lines.push(group === 'finance.cards' ? BEST.zh : BEST.en);
      // Now and then another agent happens to say one of the phrases too.
      if (!best && random() < 0.08) lines.push(BEST.en);
      sessions.push({ agentId: `agent-${a}`, group, agentLines: lines, resolved: best ? random() < 0.95 : random() < 0.6, csat: best ? 5 : 1 + Math.floor(random() * 5), emotionDelta: best ? 0.4 : random() - 0.5 });
    }
  }
  return sessions;
}

describe('best-practice miner', () => {
  const handbook = mineBestPractice(population());
  it('finds the top 10% of agents by outcome', () => {
    expect(handbook.topAgents.map((a) => a.agentId).sort()).toEqual(['agent-0', 'agent-1']);
  });

  it('finds the phrases that set them apart per intent group, and not the ones everyone uses', () => {
    const cards = handbook.groups.find((g) => g.group === 'finance.cards')!;
    const logistics = handbook.groups.find((g) => g.group === 'ecommerce.logistics')!;
    // Chinese is compared in its Simplified form.
    expect(cards.phrases[0]!.phrase).toBe('我先帮您确认一下帐户状态');
    expect(logistics.phrases[0]!.phrase).toBe('let me walk you through it step by step');
    for (const group of handbook.groups) {
      for (const p of group.phrases) {
        expect(p.phrase).not.toMatch(/hello|thank you|您好|很高兴/);
        expect(p.topRate - p.restRate).toBeGreaterThanOrEqual(0.3);
      }
    }
    expect(cards.phrases.some((p) => p.phrase.includes('walk you'))).toBe(false);
  });

  it('exports the handbook as Markdown', () => {
    const md = handbookMarkdown(handbook, (id) => id.toUpperCase(), '2026-11-25');
    expect(md).toContain('# Best-practice handbook');
    expect(md).toContain('- AGENT-0: outcome');
    expect(md).toContain('## finance.cards');
    expect(md).toMatch(/- "我先帮您确认一下帐户状态": used in \d+% of the best agents' sessions, 0% of the others'/);
  });
});
