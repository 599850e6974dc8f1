import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { randomPassword } from '../protocol/index.js';
import { CONSOLE_ACTOR, openHubStore, Operators, startHub } from './index.js';

const USAGE = `Branchline fleet hub

  npm run hub                                   Runs one hub instance (see docs/scaling.md for the settings).
  npm run hub -- operator add <name> --role viewer|operator
      Adds a fleet operator. The password is read from standard input, or made up and printed once.
  npm run hub -- operator password <name>       Sets a new password (standard input, or made up); signs them out.
  npm run hub -- operator remove <name>
  npm run hub -- operator list

The database is BRANCHLINE_HUB_DATABASE_URL (PostgreSQL), else an SQLite file in BRANCHLINE_HUB_DATA_DIR.
`;

const databaseEnv = z.object({
  BRANCHLINE_HUB_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  BRANCHLINE_HUB_DATA_DIR: z.string().min(1).default('./hub-data'),
  BRANCHLINE_HUB_DB_MAX_CONNECTIONS: z.coerce.number().int().min(2).max(200).default(10),
  BRANCHLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
const serveEnv = databaseEnv.extend({
  BRANCHLINE_MQTT_URL: z.url({ protocol: /^mqtts?$/, error: 'must be an mqtt:// or mqtts:// URL of the fleet broker' }),
  BRANCHLINE_HUB_MQTT_USERNAME: z.string().min(1).max(256),
  BRANCHLINE_HUB_MQTT_PASSWORD: z.string().min(1).max(256),
  BRANCHLINE_FLEET_PUBLIC_KEY_FILE: z.string().min(1),
  BRANCHLINE_HUB_HOST: z.string().min(1).default('0.0.0.0'),
  BRANCHLINE_HUB_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  BRANCHLINE_HUB_ID: z.string().regex(/^[A-Za-z0-9-]{1,40}$/).default(`${hostname().replace(/[^A-Za-z0-9-]/g, '-').slice(0, 30)}-${process.pid}`),
  BRANCHLINE_HUB_SHARED: z.enum(['true', 'false']).default('true'),
  BRANCHLINE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
});

class UsageError extends Error {}

function readEnv<S extends z.ZodType>(schema: S): z.output<S> {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) throw new UsageError(`invalid configuration:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  return parsed.data;
}

/** The password piped to standard input, or a new one shown once when it is a terminal. */
async function passwordFromInput(): Promise<{ password: string; made: boolean }> {
  if (process.stdin.isTTY) return { password: randomPassword(20), made: true };
  for await (const line of createInterface({ input: process.stdin })) return { password: line, made: false };
  throw new UsageError('no password on standard input');
}

async function operatorCommand(args: string[], log: Logger): Promise<void> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { role: { type: 'string' } } });
  const [verb, name] = positionals;
  const env = readEnv(databaseEnv);
  const store = await openHubStore({ databaseUrl: env.BRANCHLINE_HUB_DATABASE_URL ?? null, dataDir: path.resolve(env.BRANCHLINE_HUB_DATA_DIR), maxConnections: 2, log });
  const operators = new Operators(store);
  try {
    if (verb === 'list') {
      for (const o of await store.operators()) console.log(`${o.name}\t${o.role}\t${o.createdAt}`);
      return;
    }
    if (!name) throw new UsageError('name the operator');
    if (verb === 'add') {
      if (values.role !== 'viewer' && values.role !== 'operator') throw new UsageError('--role must be viewer or operator');
      Operators.check(name, null);
      const { password, made } = await passwordFromInput();
      await operators.add(name, values.role, password, CONSOLE_ACTOR);
      console.log(made ? `operator ${name} (${values.role}) added; password (shown once): ${password}` : `operator ${name} (${values.role}) added`);
    } else if (verb === 'password') {
      const { password, made } = await passwordFromInput();
      await operators.setPassword(name, password, CONSOLE_ACTOR);
      console.log(made ? `new password of ${name} (shown once): ${password}` : `password of ${name} changed`);
    } else if (verb === 'remove') {
      await operators.remove(name, CONSOLE_ACTOR);
      console.log(`operator ${name} removed`);
    } else throw new UsageError(`unknown operator command ${verb ?? ''}`);
  } finally {
    await store.close();
  }
}

async function serve(log: Logger): Promise<void> {
  const env = readEnv(serveEnv);
  const running = await startHub({
    dataDir: path.resolve(env.BRANCHLINE_HUB_DATA_DIR),
    databaseUrl: env.BRANCHLINE_HUB_DATABASE_URL ?? null,
    maxConnections: env.BRANCHLINE_HUB_DB_MAX_CONNECTIONS,
    mqtt: { url: env.BRANCHLINE_MQTT_URL, username: env.BRANCHLINE_HUB_MQTT_USERNAME, password: env.BRANCHLINE_HUB_MQTT_PASSWORD, protocolVersion: 5, clientId: `branchline-hub-${env.BRANCHLINE_HUB_ID}` },
    shared: env.BRANCHLINE_HUB_SHARED === 'true',
    http: { host: env.BRANCHLINE_HUB_HOST, port: env.BRANCHLINE_HUB_PORT },
    publicKeyPem: readFileSync(env.BRANCHLINE_FLEET_PUBLIC_KEY_FILE, 'utf8'),
    heartbeatSeconds: env.BRANCHLINE_HEARTBEAT_SECONDS,
    instance: env.BRANCHLINE_HUB_ID,
    log,
  });
  if ((await running.hub.store.operators()).length === 0) log.warn('no fleet operator yet: add one with `npm run hub -- operator add <name> --role operator`');
  log.info({ url: running.url, hub: env.BRANCHLINE_HUB_ID, database: running.hub.store.engine }, 'hub ready');
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const log = pino({ level: process.env.BRANCHLINE_LOG_LEVEL ?? 'info' });
  try {
    if (args[0] === 'operator') await operatorCommand(args.slice(1), log);
    else if (args.length === 0) await serve(log);
    else throw new UsageError(USAGE);
  } catch (err) {
    console.error(err instanceof UsageError ? err.message : `hub: ${(err as Error).message}`);
    process.exit(1);
  }
}

void main();
