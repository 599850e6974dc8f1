import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';

/**
 * Keeps a client subscribed to `filters` across reconnections, and resolves once the first subscription
 * is in place. mosquitto 2.0 restores a persistent session's subscriptions after a restart in a state that
 * delivers nothing, and subscribing over them changes nothing; so when the broker says the session is
 * present, the filters are unsubscribed and subscribed afresh.
 */
export function keepSubscribed(client: MqttClient, filters: string[], log: Logger): Promise<void> {
  const subscribe = async (): Promise<void> => {
    const grants = await client.subscribeAsync(filters, { qos: 1 });
    const refused = grants.filter((g) => g.qos > 2).map((g) => g.topic);
    if (refused.length > 0) throw new Error(`the broker refused the subscription to ${refused.join(', ')} (check this user's ACL)`);
  };
  client.on('connect', (connack) => {
    const fresh = connack.sessionPresent ? client.unsubscribeAsync(filters).then(subscribe) : subscribe();
    fresh.catch((err: Error) => log.error({ filters, err: err.message }, 'could not subscribe'));
  });
  if (client.connected) return subscribe();
  return new Promise((resolve, reject) => {
    client.once('connect', () => subscribe().then(resolve, reject));
  });
}
