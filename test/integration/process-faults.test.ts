import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { loopbackEnv, ROOT, spawnAppliance, waitServing } from '../helpers/process.js';

async function unhandled(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^branchline_unhandled_errors_total\{kind="(\w+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

describe('errors nobody caught', () => {
  it('are logged with context and counted in /metrics, and the appliance keeps serving', async () => {
    const port = await freePort();
    const proc = spawnAppliance(
      loopbackEnv(mkdtempSync(join(tmpdir(), 'branchline-faults-')), port),
      ['--import', join(ROOT, 'test', 'fixtures', 'faults-on-signal.mjs')],
    );
    try {
      await waitServing(port, proc, 60_000);
      expect(await unhandled(port)).toEqual({ rejection: 0, exception: 0 });
      proc.child.kill('SIGUSR2');
      await expect.poll(() => unhandled(port), { timeout: 10_000 }).toEqual({ rejection: 1, exception: 1 });
      // The counters rise before the log lines leave the process's buffered stream, so the test waits
      // for the lines themselves.
      await expect.poll(() => proc.output(), { timeout: 10_000 }).toMatch(/"msg":"unhandled promise rejection; the appliance keeps running".*probe: a rejection nobody handles|probe: a rejection nobody handles.*"msg":"unhandled promise rejection; the appliance keeps running"/);
      await expect.poll(() => proc.output(), { timeout: 10_000 }).toMatch(/"msg":"uncaught exception; the appliance keeps running".*probe: an exception nobody catches|probe: an exception nobody catches.*"msg":"uncaught exception; the appliance keeps running"/);
      expect(proc.child.exitCode).toBeNull();
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  }, 90_000);
});
