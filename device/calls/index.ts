import type { TableOwner } from '../store/index.js';

export { Calls } from './calls.js';
export type { CallsOptions } from './calls.js';
export { CallError } from './errors.js';
export type { Directory } from './directory.js';
export { CallRepository } from './call-repository.js';
export type { CallEvent, CallNotifier, Party } from './messages.js';
export { partyKey } from './messages.js';

/** The calls' tables in the journal: call records and their chat. */
export const callsTables: TableOwner = { owner: 'calls', dir: new URL('./sql/', import.meta.url) };
