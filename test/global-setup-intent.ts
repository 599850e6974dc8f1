/**
 * Trains the held-out intent model (test/helpers/intent-model.ts) before the test files start, when the
 * cache does not have it yet. Done here it has both cores to itself instead of slowing, and being slowed
 * by, the integration files that run beside it, and no file waits on it at the end of the run.
 */
import { ensureHeldOutModel } from './helpers/intent-model.js';

export default async function setup(): Promise<void> {
  const started = performance.now();
  if (await ensureHeldOutModel()) {
    process.stderr.write(`[global setup] held-out intent model trained and cached in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
}
