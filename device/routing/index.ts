export { Presence, PRESENCE_STATES } from './presence.js';
export type { AgentPresence, PresenceState } from './presence.js';
export { QueueEngine, PRIORITY } from './queue-engine.js';
export type { AgentSlot, Assignment, Priority, QueueEntry, QueuePosition, QueueRules } from './queue-engine.js';
export { decide } from './policy.js';
export type { PolicyOptions, QueueRoute, RoutingDecision, DecisionKind } from './policy.js';
export { EscalationLexicon } from './escalation.js';
export type { EscalationSignal } from './escalation.js';
export { Customers, CustomerError, identifySchema, newCustomerSchema, IDENTIFY_METHODS } from './customers.js';
export type { CustomerView, IdentifyMethod, NewCustomer } from './customers.js';
export { Router, RoutingError, askSchema, chooseSchema, startSessionSchema, surveySchema, wrapUpSchema, computeMeasures, newServiceSession, respondedInTime, RESPONSE_TARGET_MS } from './router.js';
export type { AskResult, AnswerSource, BotAnswer, LabelOption, RoutingMeasures } from './router.js';
// The trained intent model the appliance routes with; loading refuses a missing or inconsistent artifact.
export { loadArtifact as loadIntentModel } from '../../models/intent/src/artifact.js';
