// Gives the admin account a new random password and prints it once. For the day the first-start
// password is lost. Refuses to run while the appliance holds the store.
import { join } from 'node:path';
import { Accounts } from '../device/accounts/index.js';
import { EventBus } from '../device/bus.js';
import { ConfigError, loadConfig } from '../device/config.js';
import { Store } from '../device/store/index.js';

try {
  const config = loadConfig();
  const store = await Store.open(join(config.dataDir, 'branchline.json'));
  try {
    const accounts = new Accounts(store, new EventBus(), config);
    const admin = accounts.findByUsername('admin');
    if (!admin) throw new Error('there is no admin account yet: start the appliance once to create it');
    const password = await accounts.resetPassword(admin.id);
    process.stdout.write(`New password for admin: ${password}\nIt is shown only now; every admin session was ended.\n`);
  } finally {
    await store.close();
  }
} catch (err) {
  process.stderr.write(`reset-admin-password: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exitCode = 1;
}
