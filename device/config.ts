import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function wholeNumber(min: number, max: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}
const port = wholeNumber(1, 65535);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { error: 'must be true, false, 1 or 0' }).transform((v) => v === true || v === 'true' || v === '1');

/**
 * Every setting of the appliance. Each key maps to one BRANCHLINE_* variable (see ENV_NAMES); the same
 * keys may be given in a JSON file named by BRANCHLINE_CONFIG_FILE, and the environment wins over it.
 */
const configSchema = z.object({
  port: port.default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  dataDir: z.string().min(1).default('./data'),
  webDir: z.string().min(1).default('./web/build'),
  logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  deviceId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63').default(defaultDeviceId()),
  mediaWorkers: wholeNumber(1, 64).default(availableParallelism()),
  mediaWorkerRespawnMs: wholeNumber(0, 60_000).default(1000),
  mqttUrl: z.url({ protocol: /^mqtts?$/, error: 'must be an mqtt:// or mqtts:// URL' }).optional(),
  mqttUsername: z.string().min(1).max(256).optional(),
  mqttPassword: z.string().min(1).max(256).optional(),
  // 0 lets the system pick a free port (the appliance's own client learns it).
  embeddedMqttPort: wholeNumber(0, 65535).default(1883),
  rtcListenIp: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IP address' }).default('0.0.0.0'),
  rtcAnnouncedAddress: z.string().min(1).max(253).optional(),
  rtcMinPort: wholeNumber(1024, 65535).default(40000),
  rtcMaxPort: wholeNumber(1024, 65535).default(49999),
  callReconnectSeconds: wholeNumber(1, 300).default(30),
  recordingRetentionDays: wholeNumber(1, 3650).default(30),
  // Per-reading emotion data (sense events, alerts, talk statistics) is most of what a busy branch keeps.
  senseRetentionDays: wholeNumber(1, 3650).default(90),
  // Service sessions, calls with their chat, scorecards, exposures, closed tickets; daily KPI rollups stay.
  recordRetentionDays: wholeNumber(1, 3650).default(730),
  sessionTtlHours: wholeNumber(1, 24 * 30).default(12),
  cookieSecure: bool.default(false),
  loginMaxFailuresPerAccount: wholeNumber(1, 1000).default(5),
  loginMaxFailuresPerAddress: wholeNumber(1, 10_000).default(20),
  loginWindowSeconds: wholeNumber(1, 86_400).default(900),
  shutdownTimeoutMs: wholeNumber(1, 120_000).default(10_000),
  intentModelDir: z.string().min(1).default('./models/intent/artifact'),
  // Routing: below this calibrated confidence the kiosk asks which of 2-3 intents was meant.
  routingClarifyBelow: z.coerce.number({ error: 'must be a number from 0 to 1' }).min(0).max(1).default(0.45),
  routingOverflowSeconds: wholeNumber(1, 3600).default(60),
  routingFallbackSkill: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a skill group: lower-case letters, digits and dashes').default('general'),
  ticketSlaHours: wholeNumber(1, 24 * 30).default(48),
  // Frames per second of the customer's camera analysed for face and micro-expressions; 0 turns it off.
  faceFps: wholeNumber(0, 30).default(10),
  // A call its agent never wraps up is inspected this many minutes after it ended.
  qaUnwrappedMinutes: wholeNumber(0, 24 * 60).default(10),
  // Watched folder of article files; defaults to <dataDir>/knowledge-inbox.
  knowledgeInboxDir: z.string().min(1).optional(),
  // JSON list of further sources: [{ "id", "kind": "folder"|"feed"|"catalogue"|"policies", "path" or "url", "intents"? }].
  knowledgeSourcesFile: z.string().min(1).optional(),
  knowledgeIngestCron: z.string().regex(/^(\S+\s+){4,5}\S+$/, 'a cron pattern such as "0 3 * * *"').default('0 3 * * *'),
  ticketWarnHours: wholeNumber(0, 24 * 30).default(8),
  routingVipSkill: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a skill group: lower-case letters, digits and dashes').default('vip'),
  // Fleet: the group a rollout can target, and the key every release must be signed with.
  deviceGroup: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes').default('default'),
  fleetPublicKeyFile: z.string().min(1).optional(),
  heartbeatSeconds: wholeNumber(1, 3600).default(30),
  // The agents' wrap-up labels with the customers' questions go to the hub to retrain the fleet's model.
  syncIntentCorrections: bool.default(true),
  // Retrain the intent model with the agents' wrap-ups on this cron pattern; off when unset.
  intentRetrainCron: z.string().regex(/^(\S+\s+){4,5}\S+$/, 'a cron pattern such as "30 2 * * *"').optional(),
  mqttReconnectMaxMs: wholeNumber(100, 600_000).default(30_000),
  // The embedded hub's fleet page and API, on loopback; 0 picks a free port.
  embeddedHubPort: wholeNumber(0, 65535).default(8090),
});

export type Config = z.infer<typeof configSchema>;
type ConfigKey = keyof Config;

export const ENV_NAMES: Record<ConfigKey, string> = {
  port: 'BRANCHLINE_PORT',
  host: 'BRANCHLINE_HOST',
  dataDir: 'BRANCHLINE_DATA_DIR',
  webDir: 'BRANCHLINE_WEB_DIR',
  logLevel: 'BRANCHLINE_LOG_LEVEL',
  deviceId: 'BRANCHLINE_DEVICE_ID',
  mediaWorkers: 'BRANCHLINE_MEDIA_WORKERS',
  mediaWorkerRespawnMs: 'BRANCHLINE_MEDIA_WORKER_RESPAWN_MS',
  mqttUrl: 'BRANCHLINE_MQTT_URL',
  mqttUsername: 'BRANCHLINE_MQTT_USERNAME',
  mqttPassword: 'BRANCHLINE_MQTT_PASSWORD',
  embeddedMqttPort: 'BRANCHLINE_EMBEDDED_MQTT_PORT',
  rtcListenIp: 'BRANCHLINE_RTC_LISTEN_IP',
  rtcAnnouncedAddress: 'BRANCHLINE_RTC_ANNOUNCED_ADDRESS',
  rtcMinPort: 'BRANCHLINE_RTC_MIN_PORT',
  rtcMaxPort: 'BRANCHLINE_RTC_MAX_PORT',
  callReconnectSeconds: 'BRANCHLINE_CALL_RECONNECT_SECONDS',
  recordingRetentionDays: 'BRANCHLINE_RECORDING_RETENTION_DAYS',
  senseRetentionDays: 'BRANCHLINE_SENSE_RETENTION_DAYS',
  recordRetentionDays: 'BRANCHLINE_RECORD_RETENTION_DAYS',
  sessionTtlHours: 'BRANCHLINE_SESSION_TTL_HOURS',
  cookieSecure: 'BRANCHLINE_COOKIE_SECURE',
  loginMaxFailuresPerAccount: 'BRANCHLINE_LOGIN_MAX_FAILURES_PER_ACCOUNT',
  loginMaxFailuresPerAddress: 'BRANCHLINE_LOGIN_MAX_FAILURES_PER_ADDRESS',
  loginWindowSeconds: 'BRANCHLINE_LOGIN_WINDOW_SECONDS',
  shutdownTimeoutMs: 'BRANCHLINE_SHUTDOWN_TIMEOUT_MS',
  intentModelDir: 'BRANCHLINE_INTENT_MODEL_DIR',
  routingClarifyBelow: 'BRANCHLINE_ROUTING_CLARIFY_BELOW',
  routingOverflowSeconds: 'BRANCHLINE_ROUTING_OVERFLOW_SECONDS',
  routingFallbackSkill: 'BRANCHLINE_ROUTING_FALLBACK_SKILL',
  routingVipSkill: 'BRANCHLINE_ROUTING_VIP_SKILL',
  ticketSlaHours: 'BRANCHLINE_TICKET_SLA_HOURS',
  faceFps: 'BRANCHLINE_FACE_FPS',
  qaUnwrappedMinutes: 'BRANCHLINE_QA_UNWRAPPED_MINUTES',
  knowledgeInboxDir: 'BRANCHLINE_KNOWLEDGE_INBOX_DIR',
  knowledgeSourcesFile: 'BRANCHLINE_KNOWLEDGE_SOURCES_FILE',
  knowledgeIngestCron: 'BRANCHLINE_KNOWLEDGE_INGEST_CRON',
  ticketWarnHours: 'BRANCHLINE_TICKET_WARN_HOURS',
  deviceGroup: 'BRANCHLINE_DEVICE_GROUP',
  fleetPublicKeyFile: 'BRANCHLINE_FLEET_PUBLIC_KEY_FILE',
  heartbeatSeconds: 'BRANCHLINE_HEARTBEAT_SECONDS',
  syncIntentCorrections: 'BRANCHLINE_SYNC_INTENT_CORRECTIONS',
  intentRetrainCron: 'BRANCHLINE_INTENT_RETRAIN_CRON',
  mqttReconnectMaxMs: 'BRANCHLINE_MQTT_RECONNECT_MAX_MS',
  embeddedHubPort: 'BRANCHLINE_EMBEDDED_HUB_PORT',
};

/** Settings the fleet sent (see cloud-sync); below the config file and the environment, which a person set on the spot. */
export const REMOTE_CONFIG_FILE = 'remote-config.json';

function readRemoteConfig(dataDir: string): { version: string | null; settings: Record<string, unknown> } {
  try {
    const parsed = JSON.parse(readFileSync(resolve(dataDir, REMOTE_CONFIG_FILE), 'utf8')) as { version?: unknown; settings?: unknown };
    const settings = typeof parsed.settings === 'object' && parsed.settings !== null ? (parsed.settings as Record<string, unknown>) : {};
    const known = Object.fromEntries(Object.entries(settings).filter(([k]) => k in ENV_NAMES && k !== 'dataDir'));
    return { version: typeof parsed.version === 'string' ? parsed.version : null, settings: known };
  } catch {
    return { version: null, settings: {} };
  }
}

/** The version of the settings the fleet last sent, for heartbeats; null when it sent none. */
export function remoteConfigVersion(dataDir: string): string | null {
  return readRemoteConfig(dataDir).version;
}

/** Checks settings sent by the fleet against the same rules as local ones; returns the first problem or null. */
export function checkRemoteSettings(settings: Record<string, unknown>): string | null {
  const unknownKeys = Object.keys(settings).filter((k) => !(k in ENV_NAMES));
  if (unknownKeys.length > 0) return `unknown setting ${unknownKeys[0]}`;
  const result = configSchema.partial().safeParse(settings);
  if (result.success) return null;
  const issue = result.error.issues[0]!;
  return `${String(issue.path[0])}: ${issue.message}`;
}

export const CONFIG_FILE_ENV = 'BRANCHLINE_CONFIG_FILE';
const MAX_CONFIG_FILE_BYTES = 64 * 1024;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function defaultDeviceId(): string {
  const id = hostname().toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+/, '').slice(0, 63);
  return id || 'branchline';
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${CONFIG_FILE_ENV}: cannot read ${path}: ${(err as Error).message}`]);
  }
  if (Buffer.byteLength(text) > MAX_CONFIG_FILE_BYTES) {
    throw new ConfigError([`${CONFIG_FILE_ENV}: ${path} is larger than ${MAX_CONFIG_FILE_BYTES} bytes`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${CONFIG_FILE_ENV}: ${path} is not valid JSON: ${(err as Error).message}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${CONFIG_FILE_ENV}: ${path} must hold a JSON object`]);
  }
  const unknownKeys = Object.keys(parsed).filter((k) => !(k in ENV_NAMES));
  if (unknownKeys.length > 0) {
    throw new ConfigError(unknownKeys.map((k) => `${CONFIG_FILE_ENV}: ${path}: unknown setting "${k}"`));
  }
  return parsed as Record<string, unknown>;
}

/** Reads the configuration from the environment (and the optional file); throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const filePath = env[CONFIG_FILE_ENV];
  const fromFile = filePath ? readConfigFile(filePath) : {};
  const source = new Map<string, string>();
  const dataDir = env[ENV_NAMES.dataDir] || (typeof fromFile.dataDir === 'string' ? fromFile.dataDir : './data');
  const remote = readRemoteConfig(dataDir);
  for (const key of Object.keys(remote.settings)) source.set(key, `${REMOTE_CONFIG_FILE} (sent by the fleet): "${key}"`);
  const raw: Record<string, unknown> = { ...remote.settings, ...fromFile };
  for (const key of Object.keys(fromFile)) source.set(key, `${filePath}: "${key}"`);
  const unknownVars = Object.keys(env).filter(
    (name) => name.startsWith('BRANCHLINE_') && name !== CONFIG_FILE_ENV && !Object.values(ENV_NAMES).includes(name),
  );
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] = value;
    source.set(key, name);
  }
  const result = configSchema.safeParse(raw);
  const problems = unknownVars.map((name) => `${name}: not a Branchline setting (check the spelling)`);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0]);
      const where = source.get(key) ?? ENV_NAMES[key as ConfigKey] ?? key;
      const given = key in raw ? ` (got ${JSON.stringify(key === 'mqttPassword' ? '***' : raw[key])})` : '';
      problems.push(`${where}: ${issue.message}${given}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = result.data!;
  if (config.rtcMinPort > config.rtcMaxPort) {
    throw new ConfigError([`${ENV_NAMES.rtcMinPort}: ${config.rtcMinPort} is above ${ENV_NAMES.rtcMaxPort} (${config.rtcMaxPort})`]);
  }
  if ((config.mqttUsername === undefined) !== (config.mqttPassword === undefined)) {
    throw new ConfigError([`${ENV_NAMES.mqttPassword}: BRANCHLINE_MQTT_USERNAME and BRANCHLINE_MQTT_PASSWORD go together`]);
  }
  return { ...config, dataDir: resolve(config.dataDir), webDir: resolve(config.webDir) };
}

/** The configuration as safe to log or show: secrets replaced. */
export function redactedConfig(config: Config): Record<string, unknown> {
  return { ...config, mqttPassword: config.mqttPassword === undefined ? undefined : '***' };
}
