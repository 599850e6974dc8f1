import { syncApi } from '../../../protocol/api/index.js';
import type { Accounts } from '../../accounts/index.js';
import type { CloudSync } from '../../cloud.js';
import type { App } from '../app.js';
import { requireUser } from '../auth.js';

/** Cloud sync as the admin page shows it: this device's outbox and link, and the embedded hub's view of the fleet. */
export function syncRoutes(app: App, accounts: Accounts, cloud: CloudSync): void {
  app.get('/api/admin/sync', { preHandler: requireUser(accounts, ['admin', 'supervisor']), schema: syncApi.status }, async () => {
    const hub = cloud.hub;
    let fleet = null;
    if (hub) {
      const rollouts = await Promise.all((await hub.hub.store.rollouts()).slice(0, 10).map(async (r) => ({ ...r, counts: (await hub.hub.status(r.id)).counts })));
      fleet = {
        url: hub.url,
        records: await hub.hub.store.recordCount(),
        duplicates: hub.hub.store.duplicates,
        rejected: hub.hub.stats.rejected,
        devices: await hub.hub.store.devices(),
        ...(await hub.hub.store.figures()).fleet,
        rollouts,
      };
    }
    return { device: await cloud.sync.status(), hub: fleet };
  });
}
