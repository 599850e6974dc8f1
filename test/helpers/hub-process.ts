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
  /** Its BRANCHLINE_HUB_DATA_DIR, for the caller to remove. */
  dataDir: string;
  child: ChildProcess;
  /** The last 64 KB of what it printed. */
  output(): string;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
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
    // "hub ready" is an info line: the start is recognised by it.
    BRANCHLINE_LOG_LEVEL: 'info',
  };
}

/**
 * Starts a hub process and resolves once it says it is ready; `port` keeps its address across restarts,
 * `env` adds to or overrides its settings.
 */
export async function spawnHub(fleet: TestFleet, databaseUrl: string, name: string, options: { port?: number; env?: NodeJS.ProcessEnv } = {}): Promise<HubProcess> {
  const listenOn = options.port ?? (await freePort());
  const env = { ...hubEnvironment(fleet, databaseUrl, name, listenOn), ...options.env };
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'hub', 'main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<void>((resolve, reject) => {
    let seen = false;
    const onData = (chunk: Buffer) => {
      text = (text + chunk.toString()).slice(-64_000);
      if (!seen && /"msg":"hub ready"/.test(text)) {
        seen = true;
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`hub ${name} exited (${code ?? signal}) before it was ready:\n${text.slice(-3000)}`)));
  });
  await ready;
  return { name, url: `http://127.0.0.1:${listenOn}`, dataDir: env.BRANCHLINE_HUB_DATA_DIR!, child, output: () => text, exited };
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
