import { openSync, writeSync, closeSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSession } from '../helpers/http.js';
import { freePort } from '../helpers/net.js';
import { firstStartPassword, loopbackEnv, spawnAppliance, waitServing, type ApplianceProcess } from '../helpers/process.js';
import { Tmpfs } from '../helpers/tmpfs.js';
import { WsClient } from '../helpers/ws-client.js';

// A real appliance process on a data dir of its own small tmpfs, so the disk can really fill up or turn
// read-only under it while a call runs.
let disk: Tmpfs;
let proc: ApplianceProcess;
let base: string;
let ws: string;
let admin: HttpSession;
let agentCookie: string;
let kioskToken: string;

beforeAll(async () => {
  disk = Tmpfs.mount(64);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  ws = `ws://127.0.0.1:${port}/ws`;
  proc = spawnAppliance(loopbackEnv(disk.dir, port, { BRANCHLINE_CALL_RECONNECT_SECONDS: '1' }));
  await waitServing(port, proc, 60_000);
  admin = new HttpSession(base);
  expect(await admin.login('admin', firstStartPassword(proc.output(), 'admin')!)).toBe(200);
  kioskToken = (await admin.request('POST', '/api/admin/kiosks', { name: 'Fault kiosk' })).body.token as string;
  expect((await admin.request('POST', '/api/admin/users', { username: 'fault.agent', displayName: 'Fault Agent', language: 'en', password: 'fault agent password', skillGroups: ['general'] })).status).toBe(201);
  const agent = new HttpSession(base);
  expect(await agent.login('fault.agent', 'fault agent password')).toBe(200);
  expect((await agent.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
  agentCookie = agent.cookie!;
}, 90_000);

afterAll(async () => {
  if (proc && proc.child.exitCode === null) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  disk?.unmount();
});

/** A kiosk and the agent in a call with each other, by signalling alone. */
async function callInProgress(): Promise<{ kiosk: WsClient; agent: WsClient; callId: string }> {
  const agentHttp = new HttpSession(base);
  agentHttp.cookie = agentCookie;
  expect((await agentHttp.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
  const agent = await WsClient.open(ws, { cookie: agentCookie });
  await agent.next((f) => f.type === 'ready');
  const kiosk = await WsClient.open(ws);
  kiosk.send({ type: 'auth', kioskToken });
  await kiosk.next((f) => f.type === 'ready');
  const asked = await kiosk.request('requestAgent', { lang: 'en' });
  expect(asked.type).toBe('response');
  const started = await agent.next((f) => f.type === 'callStarted', 15_000);
  await kiosk.next((f) => f.type === 'callStarted', 15_000);
  return { kiosk, agent, callId: started.callId as string };
}

async function health(session?: HttpSession): Promise<{ status: number; body: Record<string, unknown> }> {
  return (session ?? new HttpSession(base)).request('GET', '/healthz');
}

function storeDetail(body: Record<string, unknown>): string {
  return JSON.stringify((body.subsystems as Record<string, unknown>).store);
}

/** Fills the tmpfs to the last byte; returns the file to delete to free it again. */
function fillDisk(): string {
  const file = join(disk.dir, 'filler.bin');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(1 << 20);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  // Small writes may still fit in the last partial block: fill that too.
  const tail = openSync(file, 'a');
  try {
    for (;;) writeSync(tail, Buffer.alloc(512));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(tail);
  }
  return file;
}

describe('a store that cannot be written while a call is running', () => {
  for (const fault of ['read-only', 'disk full'] as const) {
    it(`${fault}: the call ends for the agent, the error is logged, the process stays up, healthz says why, and it recovers`, async () => {
      const { kiosk, agent } = await callInProgress();
      let filler: string | null = null;
      if (fault === 'read-only') disk.readOnly(true);
      else filler = fillDisk();
      try {
        // The customer's link drops; after the reconnect grace the call must end with a write that fails.
        kiosk.socket.terminate();
        const ended = await agent.next((f) => f.type === 'callEnded', 15_000);
        expect(ended.reason).toBe('customer-lost');
        await expect.poll(() => proc.output(), { timeout: 10_000 }).toMatch(/could not end a call whose side did not come back/);
        expect(proc.child.exitCode).toBeNull();

        const anonymous = await health();
        expect(anonymous.status).toBe(503);
        expect((anonymous.body.subsystems as Record<string, { status: string }>).store!.status).toBe('down');
        const staff = await health(admin);
        expect(staff.status).toBe(503);
        expect(storeDetail(staff.body)).toMatch(fault === 'read-only' ? /EROFS|read-only/i : /ENOSPC|no space/i);
        // A request that must write is refused with an error, not a crash.
        expect((await admin.request('POST', '/api/admin/kiosks', { name: 'Refused kiosk' })).status).toBeGreaterThanOrEqual(500);
        expect(proc.child.exitCode).toBeNull();
      } finally {
        if (fault === 'read-only') disk.readOnly(false);
        if (filler) unlinkSync(filler);
      }
      // Space is back: the next write succeeds and health comes back up.
      expect((await admin.request('POST', '/api/admin/kiosks', { name: `After ${fault}` })).status).toBe(201);
      expect((await health()).status).toBe(200);
      // The agent is not left busy by the failed end: it is in wrap-up and can take the next call.
      const agentHttp = new HttpSession(base);
      agentHttp.cookie = agentCookie;
      expect((await agentHttp.request('GET', '/api/agent/presence')).body.state).toBe('wrap-up');
      agent.close();
    }, 60_000);
  }

  it('closes calls a crash left open as interrupted at the next start', async () => {
    const { kiosk, agent, callId } = await callInProgress();
    proc.child.kill('SIGKILL');
    await proc.exited;
    kiosk.close();
    agent.close();
    const port = Number(new URL(base).port);
    proc = spawnAppliance(loopbackEnv(disk.dir, port));
    await waitServing(port, proc, 60_000);
    const session = new HttpSession(base);
    session.cookie = admin.cookie;
    const record = (await session.request('GET', `/api/calls/${callId}`)).body.call as { endedAt: string | null; endReason: string | null; answeredAt: string };
    expect(record.endReason).toBe('interrupted');
    expect(record.endedAt).not.toBeNull();
    expect(Date.parse(record.endedAt!)).toBeGreaterThanOrEqual(Date.parse(record.answeredAt));
  }, 90_000);
});
