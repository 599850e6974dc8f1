import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitForPort } from './net.js';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface ApplianceProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The settings of an appliance process on loopback with its own data: one worker, ports of its own. */
export function loopbackEnv(dataDir: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BRANCHLINE_DATA_DIR: dataDir,
    BRANCHLINE_PORT: String(port),
    BRANCHLINE_HOST: '127.0.0.1',
    BRANCHLINE_EMBEDDED_MQTT_PORT: '0',
    BRANCHLINE_EMBEDDED_HUB_PORT: '0',
    BRANCHLINE_MEDIA_WORKERS: '1',
    BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1',
    ...extra,
  };
}

/** Runs the appliance as `npm start` runs it (without the set-up step), collecting stdout and stderr. */
export function spawnAppliance(env: Record<string, string>, nodeArgs: string[] = []): ApplianceProcess {
  return spawnScript(join(ROOT, 'device', 'main.ts'), env, nodeArgs);
}

/** Runs one of the project's TypeScript entry points with only the given environment. */
export function spawnScript(entry: string, env: Record<string, string>, nodeArgs: string[] = []): ApplianceProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => text, exited };
}

export async function waitServing(port: number, proc: ApplianceProcess, timeoutMs = 60_000): Promise<void> {
  await Promise.race([
    waitForPort(port, timeoutMs),
    proc.exited.then(({ code }) => {
      throw new Error(`appliance exited with ${code} before serving:\n${proc.output()}`);
    }),
  ]);
}

export function firstStartPassword(output: string, username: string): string | null {
  const match = new RegExp(`username: ${username.replace('.', '\\.')}\\s+password: (\\S+)`).exec(output);
  return match ? match[1]! : null;
}
