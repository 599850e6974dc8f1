import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Channel, Emotion } from './fusion.js';
import type { Trigger } from './text.js';

const ruleSchema = z.strictObject({
  id: z.string().min(1),
  channel: z.enum(['text', 'voice', 'face', 'fused']),
  signal: z.enum(['trigger', 'sentiment', 'warning', 'valence', 'expression']),
  below: z.number().optional(),
  minArousal: z.number().optional(),
  level: z.enum(['amber', 'red']),
  suggestion: z.string().min(1),
  cooldownSeconds: z.number().int().min(0),
});
export type EscalationRule = z.infer<typeof ruleSchema>;

/** What a new signal showed, as the rules see it. */
export interface Observation {
  channel: Channel;
  sentiment?: number;
  triggers?: Trigger[];
  warning?: boolean;
  expression?: string | null;
  fused: Emotion;
}

export interface Firing {
  rule: EscalationRule;
  /** The trigger that fired an explicit-trigger rule, whose own suggestion is used. */
  trigger: Trigger | null;
}

export function loadRules(file: string): EscalationRule[] {
  return z.object({ rules: z.array(ruleSchema) }).parse(JSON.parse(readFileSync(file, 'utf8'))).rules;
}

/** The rules an observation fires (before cooldowns). */
export function evaluate(rules: readonly EscalationRule[], o: Observation): Firing[] {
  const fired: Firing[] = [];
  for (const rule of rules) {
    if (rule.channel === 'fused') {
      if (rule.below !== undefined && o.fused.valence <= rule.below && o.fused.arousal >= (rule.minArousal ?? 0)) fired.push({ rule, trigger: null });
      continue;
    }
    if (rule.channel !== o.channel) continue;
    if (rule.signal === 'trigger' && o.triggers?.length) fired.push({ rule, trigger: o.triggers[0]! });
    if (rule.signal === 'sentiment' && o.sentiment !== undefined && rule.below !== undefined && o.sentiment <= rule.below) fired.push({ rule, trigger: null });
    if (rule.signal === 'warning' && o.warning) fired.push({ rule, trigger: null });
    if (rule.signal === 'expression' && o.expression) fired.push({ rule, trigger: null });
  }
  return fired;
}
