import type { SessionFacts } from './facts.js';
import type { EvaluationForm } from './form.js';
import { applyRule, type Evidence } from './rules.js';

export interface ScoredItem {
  sectionId: string;
  questionId: string;
  title: string;
  weight: number;
  /** 0-1, or null when not applicable. */
  score: number | null;
  evidence: Evidence[];
}

export interface Scorecard {
  sessionId: string;
  callId: string | null;
  agentId: string | null;
  formVersion: number;
  /** 0-100 over the applicable questions, weighted; null when none applied. */
  total: number | null;
  items: ScoredItem[];
}

/** Scores one session on a form: every question by its rule, the total over those that applied. */
export function scoreSession(form: EvaluationForm, facts: SessionFacts): Scorecard {
  const items: ScoredItem[] = [];
  let weighted = 0;
  let weights = 0;
  for (const section of form.sections) {
    for (const q of section.questions) {
      const { score, evidence } = applyRule(q.rule, facts, q.params);
      items.push({ sectionId: section.id, questionId: q.id, title: q.title, weight: q.weight, score, evidence });
      if (score !== null) {
        weighted += score * q.weight;
        weights += q.weight;
      }
    }
  }
  return {
    sessionId: facts.sessionId,
    callId: facts.callId,
    agentId: facts.agentId,
    formVersion: form.version,
    total: weights > 0 ? Math.round((weighted / weights) * 1000) / 10 : null,
    items,
  };
}
