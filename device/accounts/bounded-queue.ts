/** The waiting line of a BoundedQueue is full: the caller should come back later. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/**
 * Runs at most `concurrency` tasks at once, lets up to `maxWaiting` more wait their turn in arrival
 * order, and refuses the rest at once: a burst costs a bounded amount of memory and of waiting, and
 * what it shares with the rest of the process (scrypt and file I/O share libuv's thread pool) stays free.
 * No dependency of the project offers this; p-limit and the like have no bound on the line.
 */
export class BoundedQueue {
  private running = 0;
  private readonly line: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a whole number of at least 1');
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new RangeError('maxWaiting must be a whole number');
  }

  /** Tasks running and waiting now. */
  get size(): number {
    return this.running + this.line.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) {
      this.running += 1;
    } else {
      if (this.line.length >= this.maxWaiting) throw new QueueFullError(`${this.running} running and ${this.line.length} waiting`);
      await new Promise<void>((resolve) => this.line.push(resolve));
    }
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, so a newcomer cannot overtake those waiting.
      const next = this.line.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
