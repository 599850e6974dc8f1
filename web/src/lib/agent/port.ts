import type { EmotionAlert, User } from '$lib/api';
import type { CallSession } from '$lib/call/session.svelte';
import type { ServerEvent } from '$lib/call/signalling';
import type { knowledgeApi, PRESENCE_STATES, presenceApi, qaApi, QueueItem, Reply, routingApi } from '../../../../protocol/api/index.js';

// The console's data are the appliance's answers, typed by the contract; only what the console reads of them.
export type PresenceState = (typeof PRESENCE_STATES)[number];
export type Presence = Pick<Reply<typeof presenceApi.get>, 'state' | 'since'>;
export type LabelOption = Reply<typeof routingApi.labels>['labels'][number];
export type Waiting = QueueItem;
export type Routed = NonNullable<Reply<typeof routingApi.routed>['routed']>;
/** A solution as the agent sees it, with this showing of its article, known once the page has said it shows it. */
export type Recommendation = Reply<typeof knowledgeApi.recommendations>['recommendations'][number] & { exposureId: string };
export type CoachingTip = Pick<Reply<typeof qaApi.coaching>['suggestions'][number], 'text' | 'count' | 'code' | 'params'>;
export type RecentScore = Pick<Reply<typeof qaApi.scorecards>['scorecards'][number], 'id' | 'at' | 'effectiveTotal'>;
export type { EmotionAlert, User };

/** What the console hears from its link to the appliance. */
export interface LinkHandlers {
  started: (sessionId: string | null) => void;
  ended: (reason: string) => void;
  other: (event: ServerEvent) => void;
}

/** The console's live link: the call it is in, if any, and whether the appliance is reachable. */
export interface CallLink {
  readonly session: CallSession | null;
  readonly online: boolean;
  stop(): void;
}

/** Everything the console asks of the appliance, so the console runs without a browser in tests. */
export interface AgentPort {
  presence(): Promise<Presence>;
  setPresence(state: PresenceState): Promise<Presence>;
  labels(lang: string): Promise<LabelOption[]>;
  coaching(): Promise<CoachingTip[]>;
  recentScores(): Promise<RecentScore[]>;
  routed(sessionId: string): Promise<Routed | null>;
  /** The solutions for a session, each recorded as shown to the agent. */
  recommendations(sessionId: string): Promise<Recommendation[]>;
  markResolving(exposureId: string): Promise<void>;
  wrapUp(sessionId: string, label: string, resolved: boolean): Promise<void>;
  connect(handlers: LinkHandlers): CallLink;
}
