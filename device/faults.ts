import type { Logger } from 'pino';

const counts = { unhandledRejections: 0, uncaughtExceptions: 0 };

/**
 * The last line of defence: an error nobody caught is logged with what is known of it and counted in
 * `/metrics`, and the appliance keeps serving. Calls in progress matter more than a clean restart, and
 * every owner of async work is meant to catch its own errors; a rise of these counters is a bug to fix.
 */
export function guardProcess(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    counts.unhandledRejections += 1;
    log.error({ err: reason, count: counts.unhandledRejections }, 'unhandled promise rejection; the appliance keeps running');
  });
  process.on('uncaughtException', (err, origin) => {
    counts.uncaughtExceptions += 1;
    log.error({ err, origin, count: counts.uncaughtExceptions }, 'uncaught exception; the appliance keeps running');
  });
}

export function faultCounts(): Readonly<typeof counts> {
  return counts;
}
