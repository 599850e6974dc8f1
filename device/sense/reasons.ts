import type { Channel, Emotion, EmotionLabel } from './fusion.js';
import type { EscalationRule } from './rules.js';
import type { Trigger } from './text.js';

/** The kinds of alert reason; the web catalogues hold their sentences under `reasons`. */
export type AlertReasonCode = 'sense.trigger' | 'sense.expression' | 'sense.frustration' | 'sense.signal';

export interface AlertReason {
  /** In English, as earlier releases stored it and the hub receives it. */
  reason: string;
  code: AlertReasonCode;
  params: Record<string, string | number>;
}

/** Why a rule fired, for the agent and the supervisor, in words and as a code the page can translate. */
export function alertReason(rule: EscalationRule, trigger: Trigger | null, channel: Channel, fused: Emotion & { label: EmotionLabel }, expression: string | null | undefined): AlertReason {
  if (trigger) return { reason: `customer mentions ${trigger}`, code: 'sense.trigger', params: { trigger } };
  if (rule.signal === 'expression') return { reason: `brief ${expression} on the customer's face`, code: 'sense.expression', params: { expression: expression ?? '' } };
  if (rule.channel === 'fused') {
    const valence = fused.valence.toFixed(2);
    return { reason: `customer ${fused.label} (valence ${valence})`, code: 'sense.frustration', params: { label: fused.label, valence } };
  }
  return { reason: `${channel}: ${rule.id.replace(/-/g, ' ')}`, code: 'sense.signal', params: { channel, rule: rule.id } };
}
