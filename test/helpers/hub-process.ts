import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUB_USER, type TestFleet } from './fleet.js';
import { freePort } from './net.js';
import { ROOT } from './process.js';

/** `npm run hub` as a process of its own, on PostgreSQL, so a test can SIGKILL it. */
export interface HubProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves when the process has ended. */
  exited: Promise<unknown>;
}

export function hubEnvironment(fleet: TestFleet, databaseUrl: string, name: string, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    BRANCHLINE_MQTT_URL: fleet.broker.url,
    BRANCHLINE_HUB_MQTT_USERNAME: HUB_USER,
    BRANCHLINE_HUB_MQTT_PASSWORD: fleet.password(HUB_USER),
    BRANCHLINE_FLEET_PUBLIC_KEY_FILE: fleet.publicKeyFile,
    BRANCHLINE_HUB_DATABASE_URL: databaseUrl,
    BRANCHLINE_HUB_DATA_DIR: mkdtempSync(join(tmpdir(), `branchline-hub-${name}-`)),
    BRANCHLINE_HUB_HOST: '127.0.0.1',
    BRANCHLINE_HUB_PORT: String(port),
    BRANCHLINE_HUB_ID: name,
    BRANCHLINE_HEARTBEAT_SECONDS: '1',
    BRANCHLINE_LOG_LEVEL: process.env.TEST_HUB_LOG ?? 'info',
  };
}

/** Starts a hub process and resolves once it says it is ready; `port` keeps its address across restarts. */
export async function spawnHub(fleet: TestFleet, databaseUrl: string, name: string, port?: number): Promise<HubProcess> {
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'hub', 'main.ts')], { cwd: ROOT, env: hubEnvironment(fleet, databaseUrl, name, listenOn), stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (/"msg":"hub ready"/.test(text)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`hub ${name} exited before it was ready:\n${text.slice(-3000)}`)));
  });
  await ready;
  return { name, url: `http://127.0.0.1:${listenOn}`, child, output: () => text, exited };
}

/** Runs `npm run hub -- operator ...` with `input` on standard input; resolves with its exit code and output. */
export function hubCommand(fleet: TestFleet, databaseUrl: string, args: string[], input: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'hub', 'main.ts'), ...args], { cwd: ROOT, env: hubEnvironment(fleet, databaseUrl, 'console', 0), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  child.stdin!.end(input);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}
