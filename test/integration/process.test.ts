import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { firstStartPassword, ROOT, spawnAppliance, spawnScript, waitServing } from '../helpers/process.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function resetAdminPassword(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const proc = spawnScript(join(ROOT, 'scripts', 'reset-admin-password.ts'), env);
  const { code } = await proc.exited;
  return { code, output: proc.output() };
}

async function loginCookie(port: number, password: string): Promise<{ status: number; cookie: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
}

async function login(port: number, password: string): Promise<number> {
  return (await loginCookie(port, password)).status;
}

describe('the appliance process', () => {
  it('prints the admin password once, never logs it, shuts down cleanly on SIGTERM and SIGINT, and can reset it offline', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'branchline-proc-'));
    const port = await freePort();
    const env = { BRANCHLINE_DATA_DIR: dataDir, BRANCHLINE_PORT: String(port), BRANCHLINE_HOST: '127.0.0.1', BRANCHLINE_EMBEDDED_MQTT_PORT: '0', BRANCHLINE_EMBEDDED_HUB_PORT: '0', BRANCHLINE_MEDIA_WORKERS: '2' };

    const first = spawnAppliance(env);
    await waitServing(port, first);
    const password = firstStartPassword(first.output(), 'admin');
    expect(password).toMatch(/^[A-Za-z0-9]{16}$/);
    const admin = await loginCookie(port, password!);
    expect(admin.status).toBe(200);
    // Worker PIDs are detail, shown to staff only.
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { cookie: admin.cookie } })).json()) as { subsystems: { media: { workers: { pid: number }[] } } };
    const workerPids = health.subsystems.media.workers.map((w) => w.pid);
    expect(workerPids).toHaveLength(2);
    expect(workerPids.every(alive)).toBe(true);

    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(workerPids.some(alive)).toBe(false);
    const output = first.output();
    expect(output.split(password!).length - 1).toBe(1);
    expect(output).toMatch(/"msg":"shutting down"/);
    expect(output).toMatch(/"msg":"stopped"/);
    expect(() => JSON.parse(readFileSync(join(dataDir, 'branchline.json'), 'utf8'))).not.toThrow();

    const second = spawnAppliance(env);
    await waitServing(port, second);
    expect(firstStartPassword(second.output(), 'admin')).toBeNull();
    expect(await login(port, password!)).toBe(200);
    // The store belongs to the running appliance: the admin tool must not write beside it.
    const refused = await resetAdminPassword(env);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/is in use by process \d+; stop it first/);
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
    expect(second.output()).not.toContain(password!);

    const reset = await resetAdminPassword(env);
    expect(reset.code).toBe(0);
    const newPassword = /New password for admin: (\S+)/.exec(reset.output)?.[1];
    expect(newPassword).toMatch(/^[A-Za-z0-9]{16}$/);
    const third = spawnAppliance(env);
    await waitServing(port, third);
    expect(await login(port, password!)).toBe(401);
    expect(await login(port, newPassword!)).toBe(200);
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  }, 90_000);

  it('refuses to start with a bad variable, naming it, with exit code 2', async () => {
    const proc = spawnAppliance({ BRANCHLINE_PORT: 'eighty', BRANCHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'branchline-proc-')) });
    expect((await proc.exited).code).toBe(2);
    expect(proc.output()).toMatch(/BRANCHLINE_PORT: must be a whole number from 1 to 65535 \(got "eighty"\)/);
  });
});
