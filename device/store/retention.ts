import type { Logger } from 'pino';

/** Rows of one kind that are kept so many days, and how their owner deletes the oldest of them. */
export interface RetentionRule {
  name: string;
  days: number;
  /** Deletes at most `limit` rows older than `beforeIso`; returns how many it deleted. */
  prune: (beforeIso: string, limit: number) => number;
  /** Runs before any row of this rule is deleted (daily KPI rollups of the days about to go). */
  before?: (beforeIso: string) => Promise<void>;
}

/** What retention needs of a journal: a write of its own per batch. */
interface BatchWriter {
  write<T>(fn: () => T): Promise<T>;
}

/** Rows deleted per transaction: a few milliseconds of work, so a pass never holds the event loop. */
export const PRUNE_BATCH = 500;

/**
 * Deletes journal rows past their age, each owner's own rows through its own `prune`, in small
 * batches that are separate writes: calls, signalling and the API keep running between them.
 */
export class Retention {
  private running: Promise<Record<string, number>> | null = null;

  constructor(
    private readonly journal: BatchWriter,
    private readonly rules: readonly RetentionRule[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** One pass over every rule; a pass already under way is joined rather than started twice. */
  runOnce(): Promise<Record<string, number>> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const rule of this.rules) {
      const before = new Date(this.now() - rule.days * 86_400_000).toISOString();
      await rule.before?.(before);
      let total = 0;
      for (;;) {
        const n = await this.journal.write(() => rule.prune(before, PRUNE_BATCH));
        total += n;
        if (n < PRUNE_BATCH) break;
      }
      removed[rule.name] = total;
      if (total > 0) this.log.info({ rule: rule.name, removed: total, before }, 'journal rows past their retention removed');
    }
    return removed;
  }

  /** Runs a pass now and then every `intervalMs`; returns the function that stops it. */
  schedule(intervalMs: number): () => void {
    const tick = (): void => {
      this.runOnce().catch((err: Error) => this.log.error({ err: err.message }, 'journal retention failed'));
    };
    tick();
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
