export { MediaWorkers } from './workers.js';
export type { MediaHealth, MediaWorkersOptions, WorkerStatus } from './workers.js';
