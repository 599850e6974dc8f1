/** A kiosk left alone this long gives way to the next customer, unless a call is on. */
export const DEFAULT_IDLE_SECONDS = 90;
/** The longest "Are you still there?" warning before the reset. */
const MAX_WARNING_MS = 20_000;

/**
 * The idle time from the page's address (`?idle=SECONDS`), so that a test or a site with a slower
 * public need not wait the default; anything not a positive number keeps the default.
 */
export function idleSecondsFrom(search: string): number {
  const raw = new URLSearchParams(search).get('idle');
  const seconds = raw === null || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_IDLE_SECONDS;
}

/**
 * Counts down while a visit is open and nobody touches the screen: first a warning, then the reset.
 * The warning takes the last third of the idle time (at most 20 s), so the reset comes exactly at the
 * idle time and a warning is always long enough to read.
 */
export class IdleTimer {
  warning = $state(false);
  secondsLeft = $state(0);
  readonly #idleMs: number;
  readonly #onReset: () => void;
  #armed = false;
  #deadline = 0;
  #warnTimer: ReturnType<typeof setTimeout> | null = null;
  #resetTimer: ReturnType<typeof setTimeout> | null = null;
  #tick: ReturnType<typeof setInterval> | null = null;

  constructor(idleSeconds: number, onReset: () => void) {
    this.#idleMs = idleSeconds * 1000;
    this.#onReset = onReset;
  }

  get warningMs(): number {
    return Math.min(MAX_WARNING_MS, this.#idleMs / 3);
  }

  /** Starts counting if it is not already: called again while armed, it leaves the count alone. */
  arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    this.#restart();
  }

  disarm(): void {
    this.#armed = false;
    this.#clear();
  }

  /** Someone touched the screen: the count starts over and any warning goes away. */
  touch(): void {
    if (this.#armed) this.#restart();
  }

  #restart(): void {
    this.#clear();
    this.#deadline = Date.now() + this.#idleMs;
    this.#warnTimer = setTimeout(() => this.#warn(), this.#idleMs - this.warningMs);
    this.#resetTimer = setTimeout(() => {
      this.disarm();
      this.#onReset();
    }, this.#idleMs);
  }

  #warn(): void {
    this.warning = true;
    const update = () => (this.secondsLeft = Math.max(0, Math.ceil((this.#deadline - Date.now()) / 1000)));
    update();
    this.#tick = setInterval(update, 250);
  }

  #clear(): void {
    if (this.#warnTimer) clearTimeout(this.#warnTimer);
    if (this.#resetTimer) clearTimeout(this.#resetTimer);
    if (this.#tick) clearInterval(this.#tick);
    this.#warnTimer = this.#resetTimer = this.#tick = null;
    this.warning = false;
  }
}
