// Entry of the fit worker thread (parallel.ts). Node 20 does not apply the parent's `--import tsx` to a
// worker, whatever its execArgv say, so tsx is registered here before the TypeScript is loaded.
import { register } from 'tsx/esm/api';

register();
await import('./fit-worker.ts');
