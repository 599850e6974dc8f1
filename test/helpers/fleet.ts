import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { mosquittoAcl } from '../../protocol/index.js';
import { CONSOLE_ACTOR, startHub, type RunningHub } from '../../hub/index.js';
import type { OperatorRole } from '../../hub/store/index.js';
import { generateFleetKeys } from '../../protocol/index.js';
import { Mosquitto } from './mosquitto.js';
import { ROOT } from './process.js';

export const HUB_USER = 'hub';

export interface TestFleet {
  broker: Mosquitto;
  keysDir: string;
  privateKeyFile: string;
  publicKeyFile: string;
  publicKeyPem: string;
  /** Password of a device or hub user. */
  password(user: string): string;
}

/** A fleet broker as in production: mosquitto with one user per device plus the hub user, the fleet ACL, and persistence. */
export async function startTestFleet(devices: string[]): Promise<TestFleet> {
  const users: Record<string, string> = { [HUB_USER]: 'hub-secret-pw' };
  for (const d of devices) users[d] = `${d}-secret-pw`;
  const broker = await Mosquitto.start(users, { acl: mosquittoAcl(HUB_USER), persistent: true });
  const keysDir = mkdtempSync(join(tmpdir(), 'branchline-fleet-keys-'));
  const keys = generateFleetKeys();
  writeFileSync(join(keysDir, 'fleet-private.pem'), keys.privateKey, { mode: 0o600 });
  writeFileSync(join(keysDir, 'fleet-public.pem'), keys.publicKey);
  return {
    broker,
    keysDir,
    privateKeyFile: join(keysDir, 'fleet-private.pem'),
    publicKeyFile: join(keysDir, 'fleet-public.pem'),
    publicKeyPem: keys.publicKey,
    password: (user) => users[user]!,
  };
}

export interface TestOperator {
  name: string;
  password: string;
  /** A signed-in session's bearer token. */
  token: string;
}

/** Adds a fleet operator with a random password to a running hub and signs them in. */
export async function testOperator(hub: RunningHub, role: OperatorRole = 'operator', name = `${role}-${randomBytes(3).toString('hex')}`): Promise<TestOperator> {
  const password = randomBytes(12).toString('base64url');
  await hub.operators.add(name, role, password, CONSOLE_ACTOR);
  return { name, password, token: (await hub.operators.signIn(name, password)).token };
}

export async function startTestHub(
  fleet: TestFleet,
  name: string,
  options: { http?: boolean; dataDir?: string; databaseUrl?: string } = {},
): Promise<RunningHub & { dataDir: string; operator: TestOperator; token: string }> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `branchline-hub-${name}-`));
  const hub = await startHub({
    dataDir,
    databaseUrl: options.databaseUrl ?? null,
    maxConnections: 5,
    mqtt: { url: fleet.broker.url, username: HUB_USER, password: fleet.password(HUB_USER), protocolVersion: 5, clientId: `branchline-hub-${name}` },
    shared: true,
    http: options.http ? { host: '127.0.0.1', port: 0 } : null,
    publicKeyPem: fleet.publicKeyPem,
    heartbeatSeconds: 1,
    instance: name,
    log: pino({ level: process.env.TEST_HUB_LOG ?? 'silent' }),
  });
  const operator = await testOperator(hub, 'operator', `tester-${name}`.toLowerCase().replace(/[^a-z0-9._-]/g, '-').slice(0, 40));
  return Object.assign(hub, { dataDir, operator, token: operator.token });
}

export interface SyncDeviceProcess {
  child: ChildProcess;
  /** The highest record number the device reported durable in its outbox. */
  added(): number;
  drained(): boolean;
  output(): string;
  exited: Promise<unknown>;
}

/** Starts test/helpers/sync-device.ts: a device's real outbox and publisher, adding `total` numbered records at `perSecond`. */
export function spawnSyncDevice(fleet: TestFleet, deviceId: string, dataDir: string, total: number, perSecond: number): SyncDeviceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', 'sync-device.ts'), fleet.broker.url, deviceId, fleet.password(deviceId), dataDir, String(total), String(perSecond)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let added = 0;
  let drained = false;
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const m of chunk.toString().matchAll(/added (\d+)/g)) added = Math.max(added, Number(m[1]));
    if (chunk.toString().includes('drained')) drained = true;
  });
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, added: () => added, drained: () => drained, output: () => text, exited };
}
