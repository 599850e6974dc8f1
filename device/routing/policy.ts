import type { Prediction, RankedLabel } from '../../models/intent/src/classifier.js';
import type { LabelInfo } from '../../models/intent/src/taxonomy.js';
import type { CustomerTier } from '../store/index.js';
import type { EscalationSignal } from './escalation.js';
import { PRIORITY, type Priority } from './queue-engine.js';


/**
 * What the kiosk does with a question: the bot answers it (and offers an agent), it waits for an agent,
 * the kiosk asks which of two or three things the customer meant, or it says the question is outside
 * what this service handles.
 */
export type DecisionKind = 'bot' | 'queue' | 'clarify' | 'out-of-scope';

export interface QueueRoute {
  skill: string;
  vipLine: boolean;
  priority: Priority;
}

export interface RoutingDecision {
  kind: DecisionKind;
  label: string | null;
  confidence: number | null;
  /** The likeliest labels with their calibrated confidence, for the record and for clarifying. */
  candidates: RankedLabel[];
  /** Where a request for an agent goes from here. */
  route: QueueRoute;
  /** The rules that fired, in the order they were applied. */
  rules: string[];
  /** One sentence for people in English: label, confidence and rule (what earlier releases stored alone). */
  explanation: string;
  /** The same sentence as a code and its parameters, which a page says in its reader's language. */
  code: ReasonCode;
  params: ReasonParams;
}

/** The kinds of explanation; the web catalogues hold their sentences under `reasons`. */
export type ReasonCode = 'routing.out-of-scope' | 'routing.unsure' | 'routing.bot' | 'routing.vip-line' | 'routing.queue';
export type ReasonParams = Record<string, string | number>;

export interface PolicyOptions {
  /** Below this calibrated confidence the kiosk asks instead of guessing. */
  clarifyBelow: number;
  /** Options shown in a clarifying question must have at least this confidence. */
  clarifyOptionFloor: number;
  fallbackSkill: string;
}

export interface PolicyInput {
  prediction: Prediction;
  labels: ReadonlyMap<string, LabelInfo>;
  customerTier: CustomerTier | null;
  escalation: EscalationSignal;
  /** The customer picked this label from a clarifying question: no second guessing. */
  chosenLabel?: string;
}

/** Options shown in a clarifying question have at least this confidence (BRANCHLINE_ROUTING_CLARIFY_BELOW sets when to ask). */
export const CLARIFY_OPTION_FLOOR = 0.05;

const percent = (value: number) => `${Math.round(value * 100)}%`;

export function decide(input: PolicyInput, options: PolicyOptions): RoutingDecision {
  const { prediction, labels, customerTier, escalation } = input;
  const rules: string[] = [];
  const top = input.chosenLabel ? { label: input.chosenLabel, confidence: 1 } : prediction.ranked[0];
  const vipCustomer = customerTier === 'vip';
  const raised = escalation.raise;
  const basePriority = (): Priority => (vipCustomer ? PRIORITY.vip : raised ? PRIORITY.raised : PRIORITY.normal);
  // What every kind of explanation adds: a VIP customer, and why the priority was raised.
  const notes: ReasonParams = {
    ...(vipCustomer ? { vipCustomer: 1 } : {}),
    ...(raised ? (escalation.complaint.length > 0 ? { raised: 'complaint', words: escalation.complaint.join(', ') } : { raised: 'negative', words: escalation.negative.join(', ') }) : {}),
  };
  const escalationNote = raised ? ` Priority raised for ${escalation.complaint.length > 0 ? `complaint wording (${escalation.complaint.join(', ')})` : `negative wording (${escalation.negative.join(', ')})`}.` : '';
  if (vipCustomer) rules.push('vip-customer');
  if (raised) rules.push(escalation.complaint.length > 0 ? 'complaint-wording' : 'negative-wording');

  if (!top || (!input.chosenLabel && prediction.outOfScope)) {
    rules.unshift('out-of-scope');
    return {
      kind: raised ? 'queue' : 'out-of-scope',
      label: null,
      confidence: top?.confidence ?? null,
      candidates: prediction.ranked,
      route: { skill: options.fallbackSkill, vipLine: vipCustomer, priority: basePriority() },
      rules,
      explanation: `Outside the service's intents${top ? ` (best guess ${top.label} at ${percent(top.confidence)})` : ''}.${escalationNote}`,
      code: 'routing.out-of-scope',
      params: { ...(top ? { label: top.label, confidence: top.confidence } : {}), ...notes },
    };
  }
  if (input.chosenLabel) rules.unshift('customer-chose');
  else if (top.confidence < options.clarifyBelow && !raised) {
    const choices = prediction.ranked.filter((r) => r.confidence >= options.clarifyOptionFloor).slice(0, 3);
    if (choices.length >= 2) {
      rules.unshift('unsure-ask');
      return {
        kind: 'clarify',
        label: null,
        confidence: top.confidence,
        candidates: choices,
        route: { skill: labels.get(top.label)?.skill ?? options.fallbackSkill, vipLine: vipCustomer, priority: basePriority() },
        rules,
        explanation: `Unsure (${choices.map((o) => `${o.label} ${percent(o.confidence)}`).join(', ')}): asking the customer.${escalationNote}`,
        code: 'routing.unsure',
        params: { choices: choices.map((o) => `${o.label} ${percent(o.confidence)}`).join(', '), ...notes },
      };
    }
  }

  const info = labels.get(top.label);
  const skill = info?.skill ?? options.fallbackSkill;
  const tier = info?.tier ?? 'skill';
  const priorityIntent = tier === 'priority';
  if (priorityIntent) rules.push('priority-intent');
  const route: QueueRoute = {
    skill,
    vipLine: vipCustomer || priorityIntent,
    priority: vipCustomer || priorityIntent ? PRIORITY.vip : basePriority(),
  };
  // A complaint is never left to the bot, whatever its intent's tier.
  const kind: DecisionKind = tier === 'bot' && !raised ? 'bot' : 'queue';
  rules.push(kind === 'bot' ? 'bot-tier' : priorityIntent ? 'vip-line' : `skill-queue:${skill}`);
  const where = kind === 'bot' ? 'the bot answers (agent offered)' : route.vipLine ? `VIP line (${skill})` : `queue ${skill}`;
  return {
    kind,
    label: top.label,
    confidence: top.confidence,
    candidates: input.chosenLabel ? [top] : prediction.ranked,
    route,
    rules,
    explanation: `${top.label} at ${percent(top.confidence)}${input.chosenLabel ? ' (chosen by the customer)' : ''}: ${where}.${vipCustomer ? ' VIP customer.' : ''}${escalationNote}`,
    code: kind === 'bot' ? 'routing.bot' : route.vipLine ? 'routing.vip-line' : 'routing.queue',
    params: { label: top.label, confidence: top.confidence, skill, ...(input.chosenLabel ? { chosen: 1 } : {}), ...notes },
  };
}
