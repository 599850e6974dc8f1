export type { Message, SessionFacts } from './facts.js';
export { DEFAULT_FORM, RULE_KINDS, formInputSchema } from './form.js';
export type { EvaluationForm, FormInput, Question, RuleKind } from './form.js';
export { applyRule } from './rules.js';
export type { Evidence, RuleResult } from './rules.js';
export { scoreSession } from './scoring.js';
export type { Scorecard, ScoredItem } from './scoring.js';
