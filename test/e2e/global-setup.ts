import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFakeMedia } from '../helpers/media-files.js';
import { firstStartPassword, loopbackEnv, spawnAppliance, waitServing } from '../helpers/process.js';

/** Starts a fresh appliance for the browser tests and hands its one-time admin password to them. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  makeFakeMedia();
  const port = Number(process.env.E2E_PORT ?? 18480);
  const dataDir = mkdtempSync(join(tmpdir(), 'branchline-e2e-'));
  const appliance = spawnAppliance(loopbackEnv(dataDir, port, { BRANCHLINE_CALL_RECONNECT_SECONDS: '30' }));
  await waitServing(port, appliance);
  const password = firstStartPassword(appliance.output(), 'admin');
  if (!password) throw new Error(`no admin password in the first-start output:\n${appliance.output()}`);
  process.env.E2E_ADMIN_PASSWORD = password;
  return async () => {
    appliance.child.kill('SIGTERM');
    await appliance.exited;
    // Kept for reading when a browser test fails.
    mkdirSync('test-results', { recursive: true });
    writeFileSync(join('test-results', 'appliance.log'), appliance.output());
    rmSync(dataDir, { recursive: true, force: true });
  };
}
