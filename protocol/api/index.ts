/**
 * The web contract of the appliance, imported by device/ (its routes validate and serialise with these
 * schemas, and the OpenAPI document at /api/docs is generated from them) and by web/ (its pages type and
 * parse what they receive with them).
 */
export * from './common.js';
export * from './accounts.js';
export * from './signalling.js';
export * from './routing.js';
export * from './operations.js';
export * from './metrics.js';
export * from './qa.js';
export * from './knowledge.js';
export * from './sync.js';
