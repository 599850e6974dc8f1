import type { FastifyInstance } from 'fastify';

export interface SubsystemHealth {
  up: boolean;
  detail: string;
}

export type HealthProbe = () => SubsystemHealth;

/** GET /healthz: 200 when every subsystem is up, 503 otherwise; the body says which and why. */
export function healthRoutes(app: FastifyInstance, deviceId: string, probes: Record<string, HealthProbe>): void {
  const startedAt = Date.now();
  app.get('/healthz', async (_request, reply) => {
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
    return reply.status(up ? 200 : 503).send({
      status: up ? 'up' : 'down',
      device: deviceId,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      subsystems,
    });
  });
}
