import type { IntentArtifact } from '../../models/intent/src/artifact.js';
import type { TaxonomyLanguage } from '../../models/intent/src/taxonomy.js';
import { decide, type PolicyOptions } from './policy.js';

export interface LabelledText {
  text: string;
  /** null for an out-of-scope question. */
  label: string | null;
  lang: TaxonomyLanguage;
}

/** What the routing policy made of a set of labelled questions, as shares of the in-scope or out-of-scope ones. */
export interface RoutingOutcome {
  inScope: number;
  outOfScope: number;
  top1: number;
  top3: number;
  /** Routed to the right label at once. */
  rightAtOnce: number;
  /** Asked a clarifying question whose options hold the right label: one tap away. */
  clarifiedWithRight: number;
  clarifiedWithoutRight: number;
  /** Sent to a wrong label without asking. */
  confidentlyWrong: number;
  /** In-scope questions told they are out of scope. */
  turnedAway: number;
  /** Out-of-scope questions told so. */
  outOfScopeRecall: number;
  /** Of the clarifying questions asked, the share whose options hold the right label. */
  oneTapRate: number;
}

const NO_ESCALATION = { complaint: [], negative: [], raise: false };

/** Runs each question through the model and the routing policy as the kiosk does (no customer tier, no escalation wording). */
export function routingOutcome(model: IntentArtifact, items: readonly LabelledText[], policy: PolicyOptions): RoutingOutcome {
  const counts = { top1: 0, top3: 0, right: 0, clarifyRight: 0, clarifyWrong: 0, wrong: 0, away: 0, caught: 0 };
  let inScope = 0;
  let outOfScope = 0;
  for (const item of items) {
    const prediction = model.classifier.predict(item.text, 3);
    const decision = decide({ prediction, labels: model.labels, customerTier: null, escalation: NO_ESCALATION }, policy);
    if (item.label === null) {
      outOfScope += 1;
      if (decision.kind === 'out-of-scope') counts.caught += 1;
      continue;
    }
    inScope += 1;
    if (!prediction.outOfScope && prediction.ranked[0]?.label === item.label) counts.top1 += 1;
    if (prediction.ranked.some((r) => r.label === item.label)) counts.top3 += 1;
    if (decision.kind === 'out-of-scope') counts.away += 1;
    else if (decision.kind === 'clarify') {
      if (decision.candidates.some((c) => c.label === item.label)) counts.clarifyRight += 1;
      else counts.clarifyWrong += 1;
    } else if (decision.label === item.label) counts.right += 1;
    else counts.wrong += 1;
  }
  const share = (n: number, of: number) => (of === 0 ? 0 : n / of);
  return {
    inScope,
    outOfScope,
    top1: share(counts.top1, inScope),
    top3: share(counts.top3, inScope),
    rightAtOnce: share(counts.right, inScope),
    clarifiedWithRight: share(counts.clarifyRight, inScope),
    clarifiedWithoutRight: share(counts.clarifyWrong, inScope),
    confidentlyWrong: share(counts.wrong, inScope),
    turnedAway: share(counts.away, inScope),
    outOfScopeRecall: share(counts.caught, outOfScope),
    oneTapRate: share(counts.clarifyRight, counts.clarifyRight + counts.clarifyWrong),
  };
}
