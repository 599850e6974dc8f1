export { startEmbeddedBroker } from './embedded-broker.js';
export type { EmbeddedBroker } from './embedded-broker.js';
export { MqttLink } from './connection.js';
export type { MqttHealth, MqttLinkOptions } from './connection.js';
