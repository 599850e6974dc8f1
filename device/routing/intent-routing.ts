import type { IntentArtifact } from '../../models/intent/src/artifact.js';
import type { CustomerTier, Language, ServiceSessionRecord } from '../store/index.js';
import type { EscalationLexicon } from './escalation.js';
import { decide, type PolicyOptions, type QueueRoute, type RoutingDecision } from './policy.js';
import { PRIORITY } from './queue-engine.js';

export interface LabelOption {
  label: string;
  name: string;
}

/**
 * What a customer's question is about and where it goes: the intent model in service, the escalation
 * wording and the routing policy. Holds no session state.
 */
export class IntentRouting {
  constructor(
    private current: IntentArtifact,
    private readonly lexicon: EscalationLexicon,
    private readonly policy: PolicyOptions,
  ) {}

  /** Puts a new intent model in service; questions already being answered finish with the old one. */
  useModel(model: IntentArtifact): void {
    this.current = model;
  }

  get model(): IntentArtifact {
    return this.current;
  }

  /** The intent label the model in service gives a text, or null when it is out of scope. */
  classify(text: string): string | null {
    const prediction = this.model.classifier.predict(text, 1);
    return prediction.outOfScope ? null : (prediction.ranked[0]?.label ?? null);
  }

  /** The routing of a question; `chosenLabel` when the customer picked it from a clarifying question. */
  decide(text: string, customerTier: CustomerTier | null, chosenLabel: string | undefined): RoutingDecision {
    const { classifier, labels } = this.model;
    return decide({ prediction: classifier.predict(text, 3), labels, customerTier, escalation: this.lexicon.scan(text), ...(chosenLabel ? { chosenLabel } : {}) }, this.policy);
  }

  knows(label: string): boolean {
    return this.model.labels.has(label);
  }

  labelName(label: string, lang: Language): string {
    return this.model.labels.get(label)?.names[lang] ?? label;
  }

  labels(lang: Language): LabelOption[] {
    return [...this.model.labels.values()].map((l) => ({ label: l.id, name: l.names[lang] })).sort((a, b) => a.label.localeCompare(b.label));
  }

  /** Where a request for an agent goes: the session's last routing, the VIP line for a VIP. */
  queueRoute(session: ServiceSessionRecord | null): QueueRoute {
    const fallback: QueueRoute = { skill: this.policy.fallbackSkill, vipLine: false, priority: PRIORITY.normal };
    const route = session?.decisions.at(-1)?.route ?? fallback;
    const vip = session?.customer?.tier === 'vip';
    return vip ? { ...route, vipLine: true, priority: PRIORITY.vip } : { ...route, priority: route.priority as QueueRoute['priority'] };
  }
}
