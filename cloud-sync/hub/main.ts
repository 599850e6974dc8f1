import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { hubToken, startHub } from './index.js';

/** `npm run hub`: one hub instance. Start several with the same broker and they share the devices' load. */
const envSchema = z.object({
  BRANCHLINE_MQTT_URL: z.url({ protocol: /^mqtts?$/, error: 'must be an mqtt:// or mqtts:// URL of the fleet broker' }),
  BRANCHLINE_HUB_MQTT_USERNAME: z.string().min(1).max(256),
  BRANCHLINE_HUB_MQTT_PASSWORD: z.string().min(1).max(256),
  BRANCHLINE_FLEET_PUBLIC_KEY_FILE: z.string().min(1),
  BRANCHLINE_HUB_DATA_DIR: z.string().min(1).default('./hub-data'),
  BRANCHLINE_HUB_HOST: z.string().min(1).default('0.0.0.0'),
  BRANCHLINE_HUB_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  BRANCHLINE_HUB_ID: z.string().regex(/^[A-Za-z0-9-]{1,40}$/).default(`${hostname().replace(/[^A-Za-z0-9-]/g, '-').slice(0, 30)}-${process.pid}`),
  BRANCHLINE_HUB_SHARED: z.enum(['true', 'false']).default('true'),
  BRANCHLINE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  BRANCHLINE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    console.error(`hub: invalid configuration:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
    process.exit(1);
  }
  const env = parsed.data;
  const log = pino({ level: env.BRANCHLINE_LOG_LEVEL });
  const dataDir = path.resolve(env.BRANCHLINE_HUB_DATA_DIR);
  const token = await hubToken(dataDir);
  if (token.created) console.log(`hub API token (shown once, also in ${token.file}): ${token.token}`);
  const running = await startHub({
    dataDir,
    mqtt: { url: env.BRANCHLINE_MQTT_URL, username: env.BRANCHLINE_HUB_MQTT_USERNAME, password: env.BRANCHLINE_HUB_MQTT_PASSWORD, protocolVersion: 5, clientId: `branchline-hub-${env.BRANCHLINE_HUB_ID}` },
    shared: env.BRANCHLINE_HUB_SHARED === 'true',
    http: { host: env.BRANCHLINE_HUB_HOST, port: env.BRANCHLINE_HUB_PORT },
    token: token.token,
    publicKeyPem: readFileSync(env.BRANCHLINE_FLEET_PUBLIC_KEY_FILE, 'utf8'),
    heartbeatSeconds: env.BRANCHLINE_HEARTBEAT_SECONDS,
    log,
  });
  log.info({ url: running.url, hub: env.BRANCHLINE_HUB_ID }, 'hub ready');
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
