import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface LoadOptions {
  url: string;
  devices: { id: string; password: string }[];
  recordsPerDevice: number;
  batch: number;
  window: number;
  resendMs: number;
  heartbeatMs: number;
}

export interface LoadProcess {
  child: ChildProcess;
  /** Records the hub has confirmed so far. */
  confirmed(): number;
  connected: Promise<void>;
  done: Promise<{ latencies: number[]; resent: number }>;
  output(): string;
}

/** Starts scripts/fleet-sim/devices.ts: `options.devices` simulated appliances in one process. */
export function spawnLoad(options: LoadOptions): LoadProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'fleet-sim', 'devices.ts'), JSON.stringify(options)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let confirmed = 0;
  let text = '';
  let pending = '';
  let onConnected!: () => void;
  let onDone!: (value: { latencies: number[]; resent: number }) => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const done = new Promise<{ latencies: number[]; resent: number }>((resolve, reject) => {
    onDone = resolve;
    child.once('exit', (code) => reject(new Error(`load process exited (${code}) before it finished:\n${text.slice(-3000)}`)));
  });
  done.catch(() => undefined);
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const message = JSON.parse(line) as { progress?: { confirmed: number }; connected?: number; done?: { latencies: number[]; resent: number } };
      if (message.progress) confirmed = message.progress.confirmed;
      if (message.connected !== undefined) onConnected();
      if (message.done) onDone(message.done);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, confirmed: () => confirmed, connected, done, output: () => text };
}
