import type { TableOwner } from '../store/index.js';

export { Presence, PRESENCE_STATES } from './presence.js';
export type { AgentPresence, PresenceState } from './presence.js';
export { QueueEngine, PRIORITY } from './queue-engine.js';
export type { AgentSlot, Assignment, Priority, QueueEntry, QueuePosition, QueueRules } from './queue-engine.js';
export { decide, CLARIFY_OPTION_FLOOR } from './policy.js';
export { routingOutcome } from './routing-eval.js';
export type { LabelledText, RoutingOutcome } from './routing-eval.js';
export type { PolicyOptions, QueueRoute, RoutingDecision, DecisionKind } from './policy.js';
export { EscalationLexicon } from './escalation.js';
export type { EscalationSignal } from './escalation.js';
export { Customers, CustomerError, identifySchema, newCustomerSchema, IDENTIFY_METHODS } from './customers.js';
export type { CustomerView, IdentifyMethod, NewCustomer } from './customers.js';
export { Router, askSchema, chooseSchema } from './router.js';
export type { AskResult, AnswerSource, BotAnswer } from './router.js';
export { RoutingError } from './errors.js';
export type { LabelOption } from './intent-routing.js';
export { startSessionSchema, surveySchema, wrapUpSchema, newServiceSession } from './service-sessions.js';
export type { RoutedLabel } from './service-sessions.js';
export { SessionRepository } from './session-repository.js';
export { IntentExampleRepository } from './intent-examples.js';
export type { IntentExample } from './intent-examples.js';
export { RoutingRelabel } from './label-renames.js';
export type { SessionOutline } from './session-repository.js';
export type { SessionSurvey, SessionWrapUp } from './session-repository.js';
// The trained intent model the appliance routes with; loading refuses a missing or inconsistent artifact.
export { loadArtifact as loadIntentModel } from '../../models/intent/src/artifact.js';
export { readArtifactTrainedAt } from '../../models/intent/src/artifact.js';
export type { IntentArtifact } from '../../models/intent/src/artifact.js';
export { retrainIntentModel, retrainedModelDir, scheduleIntentRetrain } from './retrain-job.js';
export type { RetrainDeps, RetrainReport } from './retrain-job.js';
export { labelRenames } from '../../models/intent/src/taxonomy.js';

/** The routing folder's tables in the journal: the service sessions, the agents' labelled questions, applied label renames. */
export const routingTables: TableOwner = { owner: 'routing', dir: new URL('./sql/', import.meta.url) };
