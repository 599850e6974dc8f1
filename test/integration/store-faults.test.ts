import { openSync, writeSync, closeSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

function subsystem(body: Record<string, unknown>, name: string): string {
  return JSON.stringify((body.subsystems as Record<string, unknown>)[name]);
}

/** A journal write: the kiosk starts a service session. */
function kioskStartsSession(): Promise<Response> {
  return fetch(`${base}/api/kiosk/sessions`, { method: 'POST', headers: { authorization: `Bearer ${kioskToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ lang: 'en' }) });
}

/** The journal as another process sees it: readable, and whole. */
function journalIsWhole(): void {
  const db = new Database(join(disk.dir, 'branchline.db'), { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
}

describe('a disk that cannot be written while a call is running', () => {
  it('disk full: the call ends for the agent, writes are refused with 503 and the reason, the process stays up, healthz says why, and it recovers whole', async () => {
    const { kiosk, agent, callId } = await callInProgress();
    const filler = fillDisk();
    try {
      // The customer's link drops; after the reconnect grace the call must end with a write that fails.
      kiosk.socket.terminate();
      const ended = await agent.next((f) => f.type === 'callEnded', 15_000);
      expect(ended.reason).toBe('customer-lost');
      await expect.poll(() => proc.output(), { timeout: 10_000 }).toMatch(/could not end a call whose side did not come back/);
      expect(proc.child.exitCode).toBeNull();

      const anonymous = await health();
      expect(anonymous.status).toBe(503);
      expect((anonymous.body.subsystems as Record<string, { status: string }>).journal!.status).toBe('down');
      expect(subsystem((await health(admin)).body, 'journal')).toMatch(/disk is full \(SQLITE_FULL\)/);
      // Writes to the reference store and to the journals are refused with the reason, not a crash.
      const refused = await admin.request('POST', '/api/admin/kiosks', { name: 'Refused kiosk' });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: 'store_unavailable', code: 'store_unavailable', params: { reason: expect.stringMatching(/disk is full/) } });
      expect(String(refused.body.message)).toMatch(/disk is full/);
      expect(subsystem((await health(admin)).body, 'store')).toMatch(/disk is full \(ENOSPC\)/);
      expect((await kioskStartsSession()).status).toBe(503);
      expect(proc.child.exitCode).toBeNull();
    } finally {
      unlinkSync(filler);
    }
    // Space is back: health comes back up without a write, and the next writes succeed.
    await expect.poll(async () => (await health()).status, { timeout: 10_000 }).toBe(200);
    expect((await admin.request('POST', '/api/admin/kiosks', { name: 'After disk full' })).status).toBe(201);
    expect((await kioskStartsSession()).status).toBe(201);
    // The agent is not left busy by the failed end: it is in wrap-up and can take the next call.
    const agentHttp = new HttpSession(base);
    agentHttp.cookie = agentCookie;
    expect((await agentHttp.request('GET', '/api/agent/presence')).body.state).toBe('wrap-up');
    agent.close();
    // What was committed before the disk filled is there, and nothing is torn.
    expect((await admin.request('GET', `/api/calls/${callId}`)).body.call).toMatchObject({ id: callId, answeredAt: expect.any(String) });
    journalIsWhole();
  }, 60_000);

  it('read-only: what opens files by path (the reference store) is refused with 503 and the reason, healthz says why, the process stays up, and it recovers', async () => {
    const { kiosk, agent } = await callInProgress();
    disk.readOnly(true);
    try {
      const refused = await admin.request('POST', '/api/admin/kiosks', { name: 'Refused kiosk' });
      expect(refused.status).toBe(503);
      expect(String(refused.body.message)).toMatch(/read-only \(EROFS\)/);
      const staff = await health(admin);
      expect(staff.status).toBe(503);
      expect(subsystem(staff.body, 'store')).toMatch(/read-only \(EROFS\)/);
      // The journal's files were open before the mount turned read-only, and the disk under it still
      // takes writes: the call's end is kept and both sides are told.
      kiosk.socket.terminate();
      expect((await agent.next((f) => f.type === 'callEnded', 15_000)).reason).toBe('customer-lost');
      expect(proc.child.exitCode).toBeNull();
    } finally {
      disk.readOnly(false);
    }
    expect((await admin.request('POST', '/api/admin/kiosks', { name: 'After read-only' })).status).toBe(201);
    expect((await health()).status).toBe(200);
    agent.close();
    journalIsWhole();
  }, 60_000);

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
