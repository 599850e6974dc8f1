import type { ServerEvent } from '$lib/call/signalling';
import type { AgentPort, CallLink, CoachingTip, EmotionAlert, LabelOption, PresenceState, Recommendation, RecentScore, Routed, User, Waiting } from './port';

/**
 * Where the console is: nobody signed in; an administrator (who works elsewhere); signed in and not
 * taking customers (away, busy, or a wrap-up without a session); available; in a call; wrapping up a
 * call's session.
 */
export type Phase = 'signed-out' | 'admin' | 'idle' | 'available' | 'in-call' | 'wrap-up';

const TRANSITIONS = {
  signIn: ['signed-out'],
  signOut: ['admin', 'idle', 'available', 'in-call', 'wrap-up'],
  setPresence: ['idle', 'available'],
  callStarted: ['idle', 'available', 'wrap-up', 'in-call'],
  callEnded: ['in-call'],
  markResolving: ['in-call'],
  finishWrapUp: ['wrap-up'],
} as const satisfies Record<string, readonly Phase[]>;
export type Transition = keyof typeof TRANSITIONS;

/** The clock of the waiting times. */
const TICK_MS = 1000;
/** The scorecard of the call just wrapped up is written 1.5 s after the wrap-up; read it after that. */
export const QUALITY_RELOAD_MS = 2500;

type EmotionReading = Extract<ServerEvent, { type: 'emotion' }>;
export type CustomerMood = EmotionReading['fused'];
export type CustomerFace = NonNullable<EmotionReading['face']>;

/** The agent console's state: the phase and its transitions, the data of each phase, and the timers. */
export class AgentConsole {
  phase = $state<Phase>('signed-out');
  user = $state<User | null>(null);
  presence = $state<PresenceState>('away');
  since = $state<string | null>(null);
  error = $state('');
  waiting = $state<Waiting[]>([]);
  lastEnded = $state<string | null>(null);
  labels = $state<LabelOption[]>([]);
  sessionId = $state<string | null>(null);
  routed = $state<Routed | null>(null);
  wrapUpLabel = $state('');
  wrapUpResolved = $state(true);
  recommendations = $state<Recommendation[]>([]);
  resolvedWith = $state<string | null>(null);
  alerts = $state<EmotionAlert[]>([]);
  emotion = $state<CustomerMood | null>(null);
  face = $state<CustomerFace | null>(null);
  coaching = $state<CoachingTip[]>([]);
  recentScores = $state<RecentScore[]>([]);
  now = $state(Date.now());
  link = $state<CallLink | null>(null);

  private clock: ReturnType<typeof setInterval> | null = null;
  private qualityReload: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly port: AgentPort) {}

  can(transition: Transition): boolean {
    return (TRANSITIONS[transition] as readonly Phase[]).includes(this.phase);
  }

  async signIn(user: User): Promise<boolean> {
    if (!this.can('signIn')) return false;
    this.user = user;
    if (user.role === 'admin') {
      this.phase = 'admin';
      return true;
    }
    this.clock = setInterval(() => (this.now = Date.now()), TICK_MS);
    await this.refreshPresence();
    void this.loadQuality();
    this.labels = await this.port.labels(user.language);
    // Signed out while the labels loaded: nobody to connect for.
    if (!this.user) return false;
    this.link = this.port.connect({
      started: (sessionId) => void this.callStarted(sessionId),
      ended: (reason) => void this.callEnded(reason),
      other: (event) => this.heard(event),
    });
    return true;
  }

  signOut(): boolean {
    if (!this.can('signOut')) return false;
    this.stopTimers();
    this.link?.stop();
    this.link = null;
    this.user = null;
    this.sessionId = null;
    this.routed = null;
    this.waiting = [];
    this.phase = 'signed-out';
    return true;
  }

  async setPresence(state: PresenceState): Promise<boolean> {
    if (!this.can('setPresence')) return false;
    this.error = '';
    try {
      this.showPresence(await this.port.setPresence(state));
      return true;
    } catch (err) {
      this.error = (err as Error).message;
      return false;
    }
  }

  /** A call began (or resumed after a reconnect) with the customer of `sessionId`. */
  async callStarted(sessionId: string | null): Promise<boolean> {
    if (!this.can('callStarted')) return false;
    const resumed = this.phase === 'in-call' && this.sessionId === sessionId;
    this.phase = 'in-call';
    this.lastEnded = null;
    if (resumed) return true;
    this.sessionId = sessionId;
    this.recommendations = [];
    this.alerts = [];
    this.emotion = null;
    this.face = null;
    this.resolvedWith = null;
    this.wrapUpResolved = true;
    this.routed = sessionId ? await this.port.routed(sessionId) : null;
    this.wrapUpLabel = this.routed?.label ?? '';
    if (sessionId) this.recommendations = await this.port.recommendations(sessionId);
    return true;
  }

  /** The call is over, with the appliance's reason: the session's wrap-up follows, if it had one. */
  async callEnded(reason: string): Promise<boolean> {
    if (!this.can('callEnded')) return false;
    this.lastEnded = reason;
    // Without a session there is nothing to wrap up: presence decides what comes next.
    this.phase = this.sessionId !== null ? 'wrap-up' : 'idle';
    await this.refreshPresence();
    return true;
  }

  async markResolving(recommendation: Recommendation): Promise<boolean> {
    if (!this.can('markResolving') || this.resolvedWith) return false;
    this.error = '';
    try {
      await this.port.markResolving(recommendation.exposureId);
      this.resolvedWith = recommendation.exposureId;
      return true;
    } catch (err) {
      this.error = (err as Error).message;
      return false;
    }
  }

  async finishWrapUp(): Promise<boolean> {
    if (!this.can('finishWrapUp') || !this.sessionId || !this.wrapUpLabel) return false;
    this.error = '';
    try {
      await this.port.wrapUp(this.sessionId, this.wrapUpLabel, this.wrapUpResolved);
    } catch (err) {
      this.error = (err as Error).message;
      return false;
    }
    this.sessionId = null;
    this.routed = null;
    if (this.qualityReload) clearTimeout(this.qualityReload);
    this.qualityReload = setTimeout(() => {
      this.qualityReload = null;
      void this.loadQuality();
    }, QUALITY_RELOAD_MS);
    this.phase = 'idle';
    await this.refreshPresence();
    return true;
  }

  /** The page is going away: nothing may keep running for it. */
  dispose(): void {
    this.signOut();
    this.stopTimers();
  }

  labelName(label: string): string {
    return this.labels.find((l) => l.label === label)?.name ?? label;
  }

  /** Seconds `requestedAt` is ago, by the console's clock. */
  waitedSeconds(requestedAt: string): number {
    return Math.max(0, Math.round((this.now - Date.parse(requestedAt)) / 1000));
  }

  private heard(event: ServerEvent): void {
    if (event.type === 'queue') this.waiting = event.waiting;
    // Alerts and the customer's state belong to the call on screen; supervisors watch them elsewhere.
    if (this.phase !== 'in-call' || this.sessionId === null) return;
    if (event.type === 'alert' && event.alert.sessionId === this.sessionId) {
      // Newest first, an escalation always above a warning.
      this.alerts = [event.alert, ...this.alerts].sort((a, b) => Number(b.level === 'red') - Number(a.level === 'red')).slice(0, 3);
    }
    if (event.type === 'emotion' && event.sessionId === this.sessionId) {
      this.emotion = event.fused;
      if (event.face) this.face = event.face;
    }
  }

  private async refreshPresence(): Promise<void> {
    this.showPresence(await this.port.presence());
  }

  private showPresence(next: { state: PresenceState; since: string }): void {
    // An answer that arrives after the agent signed out belongs to nobody on screen.
    if (!this.user) return;
    this.presence = next.state;
    this.since = next.since;
    // Presence decides between the two waiting phases only; a call and its wrap-up outrank it.
    if (this.phase === 'idle' || this.phase === 'available' || this.phase === 'signed-out') this.phase = next.state === 'available' ? 'available' : 'idle';
  }

  /** The agent's own quality picture: recent scores and recurring weaknesses. */
  private async loadQuality(): Promise<void> {
    this.coaching = await this.port.coaching();
    this.recentScores = await this.port.recentScores();
  }

  private stopTimers(): void {
    if (this.clock) clearInterval(this.clock);
    if (this.qualityReload) clearTimeout(this.qualityReload);
    this.clock = null;
    this.qualityReload = null;
  }
}
