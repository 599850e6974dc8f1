import { healthApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { App } from '../app.js';
import { optionalUser } from '../auth.js';

// A type, not an interface: the answer's schema lets each probe's own details through as an open record.
export type SubsystemHealth = {
  up: boolean;
  detail: string;
};

export type HealthProbe = () => SubsystemHealth;

/**
 * GET /healthz: 200 when every subsystem is up, 503 otherwise. Anyone (a load balancer, a monitor) learns
 * which subsystem is up or down; why, and the paths, process ids and ports the details name, only staff
 * who are logged in: they help whoever probes the appliance as much as whoever runs it.
 */
export function healthRoutes(app: App, deviceId: string, probes: Record<string, HealthProbe>, accounts: Accounts): void {
  const startedAt = Date.now();
  app.get('/healthz', { schema: healthApi.healthz }, async (request, reply) => {
    const subsystems: Record<string, SubsystemHealth & { status: 'up' | 'down' }> = {};
    for (const [name, probe] of Object.entries(probes)) {
      let health: SubsystemHealth;
      try {
        health = probe();
      } catch (err) {
        health = { up: false, detail: `health probe failed: ${(err as Error).message}` };
      }
      subsystems[name] = { status: health.up ? 'up' : 'down', ...health };
    }
    const up = Object.values(subsystems).every((s) => s.up);
    const status = up ? 'up' : 'down';
    // The answer depends on who asks and changes by the second: no cache may keep it.
    reply.status(up ? 200 : 503).header('cache-control', 'no-store');
    if (!optionalUser(accounts, request)) {
      // The device id is no secret (it names the appliance's MQTT topics) and tells a monitor which one answered.
      const summary = Object.fromEntries(Object.entries(subsystems).map(([name, s]) => [name, { status: s.status }]));
      return reply.send({ status, device: deviceId, subsystems: summary });
    }
    return reply.send({ status, device: deviceId, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), subsystems });
  });
}
