import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { EventBus } from '../bus.js';

type Worker = types.Worker;

export interface MediaWorkersOptions {
  count: number;
  respawnDelayMs: number;
}

export interface WorkerStatus {
  slot: number;
  pid: number | null;
  state: 'running' | 'restarting' | 'closed';
  restarts: number;
}

export interface MediaHealth {
  up: boolean;
  detail: string;
  workers: WorkerStatus[];
}

interface Slot {
  worker: Worker | null;
  restarts: number;
  timer: NodeJS.Timeout | null;
}

/**
 * The pool of mediasoup worker processes, one per slot. A worker that dies is logged and replaced in
 * its slot after a short delay, so a crash loop cannot spin the CPU.
 */
export class MediaWorkers {
  private readonly slots: Slot[] = [];
  private readonly routerCounts = new WeakMap<Worker, number>();
  private closing = false;

  private constructor(
    private readonly options: MediaWorkersOptions,
    private readonly log: Logger,
    private readonly bus: EventBus,
  ) {}

  static async start(options: MediaWorkersOptions, log: Logger, bus: EventBus): Promise<MediaWorkers> {
    const pool = new MediaWorkers(options, log, bus);
    for (let i = 0; i < options.count; i++) pool.slots.push({ worker: null, restarts: 0, timer: null });
    try {
      await Promise.all(pool.slots.map((_, i) => pool.spawn(i)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    log.info({ workers: pool.slots.map((s) => s.worker?.pid) }, 'mediasoup workers started');
    return pool;
  }

  private async spawn(index: number): Promise<void> {
    const slot = this.slots[index]!;
    const worker = await mediasoup.createWorker({ logLevel: 'warn' });
    if (this.closing) {
      worker.close();
      return;
    }
    slot.worker = worker;
    worker.on('died', (error) => this.onDied(index, worker, error));
    worker.observer.on('newrouter', (router) => {
      this.routerCounts.set(worker, (this.routerCounts.get(worker) ?? 0) + 1);
      router.observer.once('close', () => this.routerCounts.set(worker, (this.routerCounts.get(worker) ?? 1) - 1));
    });
  }

  private onDied(index: number, worker: Worker, error: Error): void {
    const slot = this.slots[index]!;
    if (slot.worker !== worker || this.closing) return;
    slot.worker = null;
    const at = new Date().toISOString();
    this.log.error({ pid: worker.pid, slot: index, err: error.message }, 'mediasoup worker died; replacing it');
    this.bus.emit('media.worker.died', { pid: worker.pid, at });
    const retry = (): void => {
      slot.timer = setTimeout(() => {
        slot.timer = null;
        this.spawn(index).then(
          () => {
            slot.restarts += 1;
            const newPid = slot.worker?.pid;
            if (newPid === undefined) return;
            this.log.warn({ oldPid: worker.pid, newPid, slot: index }, 'mediasoup worker replaced');
            this.bus.emit('media.worker.replaced', { oldPid: worker.pid, newPid, at: new Date().toISOString() });
          },
          (err: Error) => {
            this.log.error({ slot: index, err: err.message }, 'mediasoup worker could not be started; retrying');
            if (!this.closing) retry();
          },
        );
      }, this.options.respawnDelayMs);
    };
    retry();
  }

  /** The running worker with the fewest routers, so calls spread across the cores. */
  leastLoaded(): Worker | null {
    let best: Worker | null = null;
    let fewest = Infinity;
    for (const slot of this.slots) {
      const worker = slot.worker;
      if (!worker || worker.closed) continue;
      const routers = this.routerCounts.get(worker) ?? 0;
      if (routers < fewest) {
        best = worker;
        fewest = routers;
      }
    }
    return best;
  }

  /** Running workers. */
  running(): Worker[] {
    return this.slots.flatMap((s) => (s.worker && !s.worker.closed ? [s.worker] : []));
  }

  health(): MediaHealth {
    const workers: WorkerStatus[] = this.slots.map((slot, i) => ({
      slot: i,
      pid: slot.worker?.pid ?? null,
      state: this.closing ? 'closed' : slot.worker ? 'running' : 'restarting',
      restarts: slot.restarts,
    }));
    const running = workers.filter((w) => w.state === 'running').length;
    const up = !this.closing && running === workers.length;
    const detail = this.closing ? 'closed' : `${running} of ${workers.length} workers running`;
    return { up, detail, workers };
  }

  /** Closes every worker and resolves once their processes have exited (or after the timeout). */
  async close(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    const exits: Promise<void>[] = [];
    for (const slot of this.slots) {
      if (slot.timer) clearTimeout(slot.timer);
      const worker = slot.worker;
      slot.worker = null;
      if (!worker) continue;
      if (!worker.subprocessClosed) exits.push(new Promise((resolve) => worker.once('subprocessclose', () => resolve())));
      worker.close();
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(exits), timeout]);
    clearTimeout(timer);
  }
}
