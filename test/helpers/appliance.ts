import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startAppliance, type Appliance } from '../../device/appliance.js';
import { loadConfig } from '../../device/config.js';

export interface TestAppliance extends Appliance {
  dataDir: string;
  adminPassword: string;
  /** Closes the appliance; keeps the data directory unless asked. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** A real appliance in this process: real store on disk, real mediasoup workers, real MQTT. */
export async function startTestAppliance(env: Record<string, string> = {}, dataDir?: string): Promise<TestAppliance> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'branchline-test-'));
  const config = loadConfig({
    BRANCHLINE_DATA_DIR: dir,
    BRANCHLINE_EMBEDDED_MQTT_PORT: '0',
    BRANCHLINE_EMBEDDED_HUB_PORT: '0',
    BRANCHLINE_MEDIA_WORKERS: '1',
    BRANCHLINE_LOG_LEVEL: 'silent',
    BRANCHLINE_DEVICE_ID: `test-${process.pid}-${Math.floor(Math.random() * 1e6)}`,
    ...env,
  });
  const appliance = await startAppliance(config, pino({ level: config.logLevel }));
  const admin = appliance.firstStartCredentials.find((c) => c.role === 'admin');
  return Object.assign(appliance, {
    dataDir: dir,
    adminPassword: admin?.password ?? '',
    async stop(options: { keepData?: boolean } = {}) {
      await appliance.close();
      if (!options.keepData) rmSync(dir, { recursive: true, force: true });
    },
  });
}

export interface HttpResult {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | number | undefined>;
}

/** A small client over Fastify's inject: keeps the session cookie like a browser would. */
export class TestClient {
  cookie: string | null = null;

  constructor(
    private readonly appliance: Appliance,
    readonly address = '203.0.113.10',
  ) {}

  /** A string body is sent as raw JSON text (to test malformed input); anything else is serialised. */
  async request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const allHeaders: Record<string, string> = { ...(this.cookie ? { cookie: this.cookie } : {}), ...headers };
    if (typeof body === 'string') allHeaders['content-type'] ??= 'application/json';
    const response = await this.appliance.app.inject({
      method: method as 'GET',
      url,
      remoteAddress: this.address,
      headers: allHeaders,
      ...(body === undefined ? {} : { payload: body as string | object }),
    });
    const setCookie = response.cookies.find((c) => c.name === 'bl_session');
    if (setCookie) this.cookie = setCookie.value ? `bl_session=${setCookie.value}` : null;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
    } catch {
      parsed = { raw: response.body };
    }
    return { status: response.statusCode, body: parsed, headers: response.headers };
  }

  async login(username: string, password: string): Promise<HttpResult> {
    return this.request('POST', '/api/auth/login', { username, password });
  }
}
