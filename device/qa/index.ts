import type { TableOwner } from '../store/index.js';

export type { Message, SessionFacts } from './facts.js';
export { DEFAULT_FORM, RULE_KINDS, formInputSchema } from './form.js';
export type { EvaluationForm, FormInput, Question, RuleKind } from './form.js';
export { applyRule } from './rules.js';
export type { Evidence, RuleResult } from './rules.js';
export { scoreSession } from './scoring.js';
export type { Scorecard, ScoredItem } from './scoring.js';
export { QualityInspection, QaError, overrideSchema, disputeSchema } from './service.js';
export type { FactsSource, InspectionOptions } from './service.js';
export { ScorecardRepository } from './scorecard-repository.js';
export type { ScorecardSummary } from './scorecard-repository.js';
export { gatherFacts } from './gather.js';
export type { FactsDeps, SpeechToText } from './gather.js';
export { coachingFor, loadCoachingTexts, RECURRING } from './coaching.js';
export type { CoachingSuggestion, CoachingTexts } from './coaching.js';
export { mineBestPractice, handbookMarkdown } from './best-practice.js';
export type { Handbook, MinedSession, Phrase } from './best-practice.js';

/** The scorecard table and its migrations; the evaluation forms stay in the store. */
export const qaTables: TableOwner = { owner: 'qa', dir: new URL('./sql/', import.meta.url) };
