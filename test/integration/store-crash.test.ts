import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Store } from '../../device/store/index.js';

const WRITER = join(import.meta.dirname, '..', 'helpers', 'store-writer.ts');

/** Runs the writer until a random moment after it is ready, kills it with SIGKILL, returns what it acknowledged. */
async function writeAndKill(file: string, round: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, `r${round}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: string[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'ready') {
        setTimeout(() => child.kill('SIGKILL'), 150 + Math.random() * 600);
        resolve();
      } else if (line.startsWith('ack ')) acked.push(line.slice(4));
    });
    child.on('exit', () => reject(new Error('writer exited before it was ready')));
  });
  expect(await exited).toBe('SIGKILL');
  lines.close();
  return acked;
}

describe('store under kill -9', () => {
  it('always opens and holds every acknowledged write, round after round', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'branchline-crash-')), 'branchline.json');
    const allAcked: string[] = [];
    for (let round = 0; round < 6; round++) {
      const acked = await writeAndKill(file, round);
      expect(acked.length).toBeGreaterThan(0);
      allAcked.push(...acked);
      const store = await Store.open(file);
      const stored = new Set(store.read((d) => d.customers.map((c) => c.id)));
      await store.close();
      const lost = allAcked.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
    }
    expect(allAcked.length).toBeGreaterThan(50);
  }, 120_000);
});
