import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LANGUAGES, type Language, type QaScorecardRecord } from '../store/index.js';
import { RULE_KINDS, type EvaluationForm, type RuleKind } from './form.js';

const localized = z.object({ 'zh-Hant': z.string(), 'zh-Hans': z.string(), en: z.string() });
const coachingSchema = z.object({ rules: z.record(z.enum(RULE_KINDS), z.object({ weakness: localized, module: localized })) });
export type CoachingTexts = z.infer<typeof coachingSchema>['rules'];

export function loadCoachingTexts(file: string): CoachingTexts {
  return coachingSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).rules;
}

export interface CoachingSuggestion {
  questionId: string;
  rule: RuleKind;
  count: number;
  /** The sessions behind it, newest first. */
  sessions: string[];
  /** In the language asked for, for readers without the code's sentences (the hub, API clients). */
  text: string;
  /** `qa.coaching`, with the count and the weakness and module in every language as `weakness.en`, `module.zh-Hant`, ... */
  code: 'qa.coaching';
  params: Record<string, string | number>;
}

/** A question scored below this counts as a shortfall (after a supervisor's override, if any). */
const SHORTFALL = 0.5;
/** How often a shortfall must recur in the period before it becomes a suggestion. */
export const RECURRING = 3;

const sentence: Record<Language, (weakness: string, n: number, module: string) => string> = {
  'zh-Hant': (w, n, m) => `這段期間有 ${n} 次${w}：建議研習「${m}」單元。`,
  'zh-Hans': (w, n, m) => `这段期间有 ${n} 次${w}：建议学习“${m}”单元。`,
  en: (w, n, m) => `${w[0]!.toUpperCase()}${w.slice(1)} ${n} times in this period: suggest the ${m} module.`,
};

/** The weakness and module in every language, flat, as coded texts carry their parameters. */
function localizedParams(text: CoachingTexts[RuleKind] & object): Record<string, string> {
  const params: Record<string, string> = {};
  for (const l of LANGUAGES) {
    params[`weakness.${l}`] = text.weakness[l];
    params[`module.${l}`] = text.module[l];
  }
  return params;
}

/**
 * Recurring weaknesses of one agent's scorecards as concrete suggestions in the agent's language, each
 * linked to the sessions behind it, most frequent first.
 */
export function coachingFor(cards: readonly QaScorecardRecord[], forms: (version: number) => EvaluationForm | null, texts: CoachingTexts, lang: Language): CoachingSuggestion[] {
  const shortfalls = new Map<string, { rule: RuleKind; sessions: string[] }>();
  for (const card of cards) {
    const form = forms(card.formVersion);
    for (const item of card.items) {
      const override = card.overrides.filter((o) => o.questionId === item.questionId).at(-1);
      const score = override ? override.score : item.score;
      const rule = form?.sections.flatMap((s) => s.questions).find((q) => q.id === item.questionId)?.rule;
      if (score === null || score >= SHORTFALL || !rule) continue;
      const entry = shortfalls.get(item.questionId) ?? { rule, sessions: [] };
      entry.sessions.push(card.sessionId);
      shortfalls.set(item.questionId, entry);
    }
  }
  return [...shortfalls]
    .filter(([, e]) => e.sessions.length >= RECURRING)
    .map(([questionId, e]) => {
      const text = texts[e.rule];
      const count = e.sessions.length;
      return {
        questionId,
        rule: e.rule,
        count,
        sessions: e.sessions,
        text: text ? sentence[lang](text.weakness[lang], count, text.module[lang]) : questionId,
        code: 'qa.coaching' as const,
        params: { count, questionId, ...(text ? localizedParams(text) : {}) },
      };
    })
    .sort((a, b) => b.count - a.count);
}
