/**
 * The contract between appliances and the fleet hub, imported by both sides and importing neither:
 * topics and payload schemas, release signing and verification, the KPI definitions, and small helpers
 * both need (secrets, input checks, MQTT subscriptions). The web contract of the appliance (HTTP and
 * WebSocket schemas, shared with web/) is ./api, imported through its own index.
 */
export * from './messages.js';
export { buildManifest, checkContent, checkFile, generateFleetKeys, ReleaseError, signManifest, verifyManifest } from './release.js';
export { mosquittoAcl } from './broker-acl.js';
export { randomPassword, randomSecret, sameSecret, scryptHash, scryptMatches, sha256 } from './secrets.js';
export { InputError, parseInput } from './input.js';
export { keepSubscribed } from './mqtt.js';
export * from './kpi.js';
