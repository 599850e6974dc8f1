export { Calls, CallError } from './calls.js';
export type { CallsOptions } from './calls.js';
export type { CallEvent, CallNotifier, Party } from './messages.js';
export { partyKey } from './messages.js';
