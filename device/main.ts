import { ConfigError, loadConfig, redactedConfig } from './config.js';
import { startAppliance } from './appliance.js';
import type { FirstStartCredential } from './first-start.js';
import { guardProcess } from './faults.js';
import { createLogger } from './log.js';

function printFirstStartBanner(credentials: FirstStartCredential[], port: number): void {
  // Written straight to stdout, never through the logger: these passwords must not reach log files.
  const rows = credentials.map((c) => `    ${c.role.padEnd(14)} username: ${c.username.padEnd(12)} password: ${c.password}`);
  process.stdout.write(
    [
      '',
      '================================================================================',
      '  Branchline first start: these accounts were created.',
      ...rows,
      '  The passwords are shown only now and are stored only as scrypt hashes.',
      `  Log in at http://localhost:${port}/admin and change what you need.`,
      '================================================================================',
      '',
    ].join('\n') + '\n',
  );
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`branchline: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  guardProcess(log);
  log.info({ config: redactedConfig(config) }, 'starting Branchline');
  const appliance = await startAppliance(config, log);
  if (appliance.firstStartCredentials.length > 0) printFirstStartBanner(appliance.firstStartCredentials, config.port);
  await appliance.app.listen({ port: config.port, host: config.host });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    appliance.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`branchline: failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
