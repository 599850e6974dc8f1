import type { Language } from '$lib/i18n';
import { IdleTimer } from './idle.svelte';
import { noticeOf, type Notice } from './notice';
import type { AskReply, Customer, VisitPort } from './port';
import type { SurveyAnswers } from './Survey.svelte';

/** How long an ended call's message stays when there is nothing to rate. */
export const ENDED_MS = 10_000;
/** An untouched survey gives way to the next customer after this long. */
export const SURVEY_IDLE_MS = 60_000;
/** How long the thanks for a rating stays. */
export const THANKS_MS = 5_000;

/** The screens of a customer's visit. */
export type VisitState = 'home' | 'identifying' | 'answered' | 'clarifying' | 'waiting' | 'call' | 'ended' | 'survey' | 'thanks';

/**
 * Where each screen may lead. A call may begin from any screen: the appliance connects a waiting (or
 * reconnecting) kiosk whatever it shows, and the kiosk must follow it. Anything else is refused.
 */
const NEXT: Record<VisitState, readonly VisitState[]> = {
  home: ['home', 'identifying', 'answered', 'clarifying', 'waiting', 'call'],
  identifying: ['home', 'call'],
  answered: ['home', 'waiting', 'survey', 'call'],
  clarifying: ['home', 'answered', 'clarifying', 'waiting', 'call'],
  waiting: ['home', 'waiting', 'call', 'ended'],
  call: ['call', 'ended', 'survey'],
  ended: ['home', 'call'],
  survey: ['home', 'thanks', 'call'],
  thanks: ['home', 'call'],
};

/** The end screens give way to the next customer by themselves, after this long. */
const BACK_HOME_AFTER: Partial<Record<VisitState, number>> = { ended: ENDED_MS, survey: SURVEY_IDLE_MS, thanks: THANKS_MS };

/** Screens that count down to the idle reset whatever they show. */
const IDLE_STATES: readonly VisitState[] = ['identifying', 'answered', 'clarifying', 'waiting'];

export interface VisitOptions {
  idleSeconds: number;
  lang?: Language;
  /** Something else on screen that the idle reset must close (the staff's registration dialog); see otherOpen(). */
  onIdleReset?: () => void;
}

/**
 * One customer's visit to the kiosk, from the welcome screen to the thanks for a rating, as an explicit
 * state machine: each transition is a method, refused (returns false, changes nothing) from a screen it
 * does not belong to. The timers that end a visit by themselves belong to it and are cleared at every
 * transition. An answer that arrives after the visit moved on (an idle reset, a call) is dropped, so it
 * never lands on the next customer's screen.
 */
export class Visit {
  lang = $state<Language>('zh-Hant');
  identifyMethod = $state<'card' | 'phone'>('card');
  identifyValue = $state('');
  readonly idle: IdleTimer;

  #state = $state<VisitState>('home');
  #question = $state('');
  #otherOpen = false;
  #sessionId = $state<string | null>(null);
  #reply = $state<AskReply | null>(null);
  #customer = $state<Customer | null>(null);
  #error = $state<Notice | null>(null);
  #identifyError = $state<Notice | null>(null);
  #surveyError = $state<Notice | null>(null);
  #feedbackGiven = $state(false);
  #position = $state(0);
  #etaSeconds = $state(0);
  #endReason = $state<string | null>(null);
  /** Bumped when a visit ends, so that answers to the last one's requests are recognised as stale. */
  #generation = 0;
  /** A request for an agent is on its way: the queue's first word may come before its answer. */
  #requesting = false;
  #backHome: ReturnType<typeof setTimeout> | null = null;
  readonly #port: VisitPort;
  readonly #onIdleReset: () => void;

  constructor(port: VisitPort, options: VisitOptions) {
    this.#port = port;
    this.#onIdleReset = options.onIdleReset ?? (() => undefined);
    if (options.lang) this.lang = options.lang;
    this.idle = new IdleTimer(options.idleSeconds, () => this.#idleReset());
  }

  /** What the customer is typing on the home screen. */
  get question(): string {
    return this.#question;
  }
  set question(text: string) {
    this.#question = text;
    this.#syncIdle();
  }

  get state(): VisitState {
    return this.#state;
  }
  get sessionId(): string | null {
    return this.#sessionId;
  }
  get reply(): AskReply | null {
    return this.#reply;
  }
  get customer(): Customer | null {
    return this.#customer;
  }
  get error(): Notice | null {
    return this.#error;
  }
  get identifyError(): Notice | null {
    return this.#identifyError;
  }
  get surveyError(): Notice | null {
    return this.#surveyError;
  }
  get feedbackGiven(): boolean {
    return this.#feedbackGiven;
  }
  get position(): number {
    return this.#position;
  }
  get etaSeconds(): number {
    return this.#etaSeconds;
  }
  /** Why the call ended, shown on the end screens after a call; null after a visit without one. */
  get endReason(): string | null {
    return this.#endReason;
  }

  /** The customer sends their question (the one typed, or a common one tapped). */
  async ask(text = this.question.trim()): Promise<boolean> {
    if (this.#state !== 'home' || !text) return false;
    if (!this.#ready('home')) return false;
    const generation = this.#generation;
    try {
      const reply = await this.#port.ask(await this.#session(), text);
      return this.#current(generation, 'home') && (await this.#show(reply));
    } catch (err) {
      if (this.#current(generation, 'home')) this.#say(noticeOf('sendFailed', err));
      return false;
    }
  }

  /** One of the meanings the appliance offered when it was unsure. */
  async pick(label: string): Promise<boolean> {
    const sessionId = this.#sessionId;
    if (this.#state !== 'clarifying' || !sessionId) return false;
    this.#say(null);
    const generation = this.#generation;
    try {
      const reply = await this.#port.choose(sessionId, label);
      return this.#current(generation, 'clarifying') && (await this.#show(reply));
    } catch (err) {
      if (this.#current(generation, 'clarifying')) this.#say(noticeOf('sendFailed', err));
      return false;
    }
  }

  /** Did the bot's answer help? Asked once per answer. */
  async feedback(helpful: boolean): Promise<boolean> {
    const exposureId = this.#reply?.answer?.exposureId;
    const sessionId = this.#sessionId;
    if (this.#state !== 'answered' || !exposureId || !sessionId || this.#feedbackGiven) return false;
    const generation = this.#generation;
    try {
      await this.#port.feedback(sessionId, exposureId, helpful);
      if (!this.#current(generation, 'answered')) return false;
      this.#feedbackGiven = true;
      return true;
    } catch (err) {
      if (this.#current(generation, 'answered')) this.#say(noticeOf('sendFailed', err));
      return false;
    }
  }

  async talkToAgent(): Promise<boolean> {
    const from = this.#state;
    if (from !== 'home' && from !== 'answered' && from !== 'clarifying') return false;
    return this.#ready(from) && this.#requestAgent(from);
  }

  /** The customer gives up waiting: the start screen at once, and the request leaves the queue. */
  cancel(): boolean {
    if (this.#state !== 'waiting') return false;
    // Nothing more to do if this fails: the appliance drops a kiosk that stays away from its queue.
    this.#port.cancelRequest().catch(() => undefined);
    return this.#restart();
  }

  openIdentify(): boolean {
    if (this.#state !== 'home' || this.#customer) return false;
    return this.#enter('identifying');
  }

  cancelIdentify(): boolean {
    if (this.#state !== 'identifying') return false;
    this.#clearIdentify();
    return this.#enter('home');
  }

  async identify(): Promise<boolean> {
    if (this.#state !== 'identifying' || !this.identifyValue.trim()) return false;
    this.#identifyError = null;
    if (!this.#port.registered()) {
      this.#identifyError = noticeOf('notRegistered');
      return false;
    }
    const generation = this.#generation;
    try {
      const customer = await this.#port.identify(await this.#session(), this.identifyMethod, this.identifyValue);
      if (!this.#current(generation, 'identifying')) return false;
      this.#customer = customer;
      this.#clearIdentify();
      return this.#enter('home');
    } catch (err) {
      if (this.#current(generation, 'identifying')) this.#identifyError = noticeOf('identifyFailed', err);
      return false;
    }
  }

  /** The customer is done after the bot's answer: the survey, then the start screen. */
  finish(): boolean {
    if (this.#state !== 'answered' || !this.#sessionId) return false;
    this.#endReason = null;
    return this.#enter('survey');
  }

  async submitSurvey(answers: SurveyAnswers): Promise<boolean> {
    const sessionId = this.#sessionId;
    if (this.#state !== 'survey' || !sessionId) return false;
    this.#surveyError = null;
    this.#armBackHome(SURVEY_IDLE_MS);
    const generation = this.#generation;
    try {
      await this.#port.survey(sessionId, answers);
    } catch (err) {
      if (this.#current(generation, 'survey')) this.#surveyError = noticeOf('sendFailed', err);
      return false;
    }
    return this.#current(generation, 'survey') && this.#enter('thanks');
  }

  /** Back to the welcome screen for the next customer; a request in the queue is withdrawn with cancel(). */
  startOver(): boolean {
    if (this.#state === 'waiting' || this.#state === 'call') return false;
    return this.#restart();
  }

  /** The appliance says where this kiosk is in the queue. */
  queued(position: number, etaSeconds: number): boolean {
    if (this.#state !== 'waiting' && !this.#requesting) return false;
    this.#position = position;
    this.#etaSeconds = etaSeconds;
    return this.#state === 'waiting' || this.#enter('waiting');
  }

  /** A call began, or came back after a lost connection. */
  callStarted(): boolean {
    return this.#enter('call');
  }

  /**
   * The call is over (or the appliance gave up the request): after a call with a session, the survey;
   * otherwise the message alone.
   */
  callEnded(reason: string): boolean {
    if (this.#state !== 'call' && this.#state !== 'waiting') return false;
    const rate = this.#state === 'call' && reason !== 'abandoned' && this.#sessionId !== null;
    this.#endReason = reason;
    return this.#enter(rate ? 'survey' : 'ended');
  }

  /** The page opened or closed something else the idle reset must close (onIdleReset). */
  otherOpen(open: boolean): void {
    this.#otherOpen = open;
    this.#syncIdle();
  }

  /**
   * Any touch, key or typing on the screen. While "Are you still there?" shows, only a finished tap
   * answers it. On an end screen the customer is still reading or answering: it stays its full time.
   */
  touched(kind: string): void {
    const after = BACK_HOME_AFTER[this.#state];
    if (after) this.#armBackHome(after);
    if (this.idle.warning && kind !== 'click') return;
    this.idle.touch();
  }

  dispose(): void {
    this.idle.disarm();
    this.#clearBackHome();
  }

  #ready(from: VisitState): boolean {
    this.#say(null);
    if (this.#port.registered()) return true;
    if (this.#state === from) this.#say(noticeOf('notRegistered'));
    return false;
  }

  #say(notice: Notice | null): void {
    this.#error = notice;
    this.#syncIdle();
  }

  async #show(reply: AskReply): Promise<boolean> {
    const from = this.#state;
    this.#reply = reply;
    this.#feedbackGiven = false;
    this.question = '';
    // Routed straight to a queue: the customer waits for the agent without another tap.
    if (reply.decision.kind === 'queue') return this.#requestAgent(from);
    return this.#enter(reply.decision.kind === 'clarify' ? 'clarifying' : 'answered');
  }

  async #requestAgent(from: VisitState): Promise<boolean> {
    const generation = this.#generation;
    this.#requesting = true;
    try {
      await this.#port.requestAgent(this.lang, await this.#session());
    } catch (err) {
      if (this.#current(generation, from)) this.#say(noticeOf('sendFailed', err));
      return false;
    } finally {
      if (generation === this.#generation) this.#requesting = false;
    }
    // The queue's first word may have brought the waiting screen already; a call that began meanwhile stays.
    if (generation !== this.#generation || (this.#state !== from && this.#state !== 'waiting')) return false;
    return this.#enter('waiting');
  }

  /** One service session per visit, started by the first question, identification or call request. */
  async #session(): Promise<string> {
    if (this.#sessionId) return this.#sessionId;
    const generation = this.#generation;
    const id = await this.#port.startSession(this.lang);
    if (generation === this.#generation) this.#sessionId = id;
    this.#syncIdle();
    return id;
  }

  /** Still the same visit, on the screen a request was sent from. */
  #current(generation: number, state: VisitState): boolean {
    return generation === this.#generation && this.#state === state;
  }

  #enter(next: VisitState): boolean {
    if (!NEXT[this.#state].includes(next)) return false;
    this.#clearBackHome();
    this.#state = next;
    const after = BACK_HOME_AFTER[next];
    if (after) this.#armBackHome(after);
    // A new screen starts the idle count over.
    this.idle.touch();
    this.#syncIdle();
    return true;
  }

  /** Nothing of this visit stays for the next customer. */
  #restart(): boolean {
    if (!this.#enter('home')) return false;
    this.#generation++;
    this.#requesting = false;
    this.#sessionId = null;
    this.#reply = null;
    this.#customer = null;
    this.#say(null);
    this.#surveyError = null;
    this.#feedbackGiven = false;
    this.#position = 0;
    this.#etaSeconds = 0;
    this.#endReason = null;
    this.question = '';
    this.#clearIdentify();
    this.#syncIdle();
    return true;
  }

  /**
   * Counting down while something of this visit is on screen that the next customer must not see; never
   * in a call, and not on the end screens, which have their own timer.
   */
  #syncIdle(): void {
    const open =
      this.#state === 'home'
        ? this.#question !== '' || this.#sessionId !== null || this.#customer !== null || this.#error !== null || this.#otherOpen
        : IDLE_STATES.includes(this.#state);
    if (open) this.idle.arm();
    else this.idle.disarm();
  }

  /** Nobody answered "Are you still there?": a request in the queue is withdrawn, then the start screen. */
  #idleReset(): void {
    this.#onIdleReset();
    if (!this.cancel()) this.startOver();
  }

  #clearIdentify(): void {
    this.identifyMethod = 'card';
    this.identifyValue = '';
    this.#identifyError = null;
  }

  #armBackHome(ms: number): void {
    this.#clearBackHome();
    this.#backHome = setTimeout(() => this.#restart(), ms);
  }

  #clearBackHome(): void {
    if (this.#backHome) clearTimeout(this.#backHome);
    this.#backHome = null;
  }
}
