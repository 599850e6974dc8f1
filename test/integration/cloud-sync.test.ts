import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunningHub } from '../../hub/index.js';
import { topics } from '../../protocol/index.js';
import { spawnSyncDevice, startTestFleet, startTestHub, type SyncDeviceProcess, type TestFleet } from '../helpers/fleet.js';

let fleet: TestFleet | null = null;
const hubs: RunningHub[] = [];
const devices: SyncDeviceProcess[] = [];

afterEach(async () => {
  for (const d of devices.splice(0)) {
    if (d.child.exitCode === null && d.child.signalCode === null) {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  }
  for (const h of hubs.splice(0)) await h.close();
  await fleet?.broker.stop();
  fleet = null;
});

async function seqsAt(hub: RunningHub, deviceId: string): Promise<number[]> {
  return (await hub.hub.store.recordsOf(deviceId, 'scorecard', 100_000)).map((r) => r.seq);
}

describe('cloud sync through Debian mosquitto', () => {
  it('lets a device use only its own topics, and the hub refuses malformed records without storing anything', async () => {
    fleet = await startTestFleet(['dev-a', 'dev-b']);
    const hub = await startTestHub(fleet, 'acl');
    hubs.push(hub);
    let clients = 0;
    const connect = (user: string, password = fleet!.password(user)) =>
      mqtt.connectAsync(fleet!.broker.url, { protocolVersion: 5, username: user, password, clientId: `probe-${user}-${++clients}`, reconnectPeriod: 0 });
    const a = await connect('dev-a');
    const b = await connect('dev-b');
    try {
      // Writing into another device's stream is refused by the broker and never reaches the hub.
      const forged = JSON.stringify({ v: 1, records: [{ id: '6f1c1a52-8f5e-4a43-9a43-1f1d1e1a1b1c', seq: 1, at: new Date().toISOString(), data: { scorecardId: 'x', sessionId: 'y', agentId: null, total: 1, formVersion: 1 } }] });
      // (The refusal also ends that connection, so it gets a client of its own.)
      const forger = await connect('dev-a');
      await expect(forger.publishAsync(topics.up('dev-b', 'scorecard'), forged, { qos: 1 })).rejects.toThrow(/Not authorized/);
      await forger.endAsync(true);

      // Reading another device's releases: the subscription is accepted but nothing is delivered.
      const seenByA: string[] = [];
      const seenByB: string[] = [];
      const a2 = await connect('dev-a');
      a2.on('message', (t) => seenByA.push(t));
      b.on('message', (t) => seenByB.push(t));
      await a2.subscribeAsync(topics.deviceFilter('dev-b'), { qos: 1 });
      await a2.subscribeAsync(topics.deviceFilter('dev-a'), { qos: 1 });
      await b.subscribeAsync(topics.deviceFilter('dev-b'), { qos: 1 });
      const hubSide = await connect('hub');
      await hubSide.publishAsync(topics.down('dev-b', 'config'), JSON.stringify({ v: 1, version: '1', settings: { faceFps: 5 } }), { qos: 1 });
      // A barrier: a message dev-a may read, published after the one it may not. The broker routes one
      // publisher's messages in order down one connection, so once this one has reached dev-a, a leaked
      // copy of the first would have reached it before.
      await hubSide.publishAsync(topics.down('dev-a', 'config'), JSON.stringify({ v: 1, version: '1', settings: { faceFps: 5 } }), { qos: 1 });
      await vi.waitFor(() => expect(seenByB).toEqual([topics.down('dev-b', 'config')]), { timeout: 5000 });
      await vi.waitFor(() => expect(seenByA).toContain(topics.down('dev-a', 'config')), { timeout: 5000 });
      expect(seenByA).toEqual([topics.down('dev-a', 'config')]);
      // A device cannot pose as the hub and push a release to another device either.
      await expect(a2.publishAsync(topics.down('dev-b', 'release'), '{}', { qos: 1 })).rejects.toThrow(/Not authorized/);
      await a2.endAsync(true);
      await hubSide.endAsync();

      // Wrong credentials get no connection at all.
      await expect(connect('dev-a', 'wrong-password')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);

      // On its own topic, malformed JSON, a wrong shape and an oversized batch are rejected and stored nowhere.
      const before = hub.hub.stats.rejected;
      await a.publishAsync(topics.up('dev-a', 'scorecard'), '{not json', { qos: 1 });
      await a.publishAsync(topics.up('dev-a', 'scorecard'), JSON.stringify({ v: 1, records: [{ id: 'not-a-uuid', seq: 0 }] }), { qos: 1 });
      await a.publishAsync(topics.up('dev-a', 'scorecard'), JSON.stringify({ v: 1, records: [{ id: '6f1c1a52-8f5e-4a43-9a43-1f1d1e1a1b1d', seq: 1, at: new Date().toISOString(), data: { scorecardId: 'x', sessionId: 'y', agentId: null, total: 'high', formVersion: 1 } }] }), { qos: 1 });
      await a.publishAsync(topics.up('dev-a', 'scorecard'), Buffer.alloc(1024 * 1024 + 10, 0x20), { qos: 1 });
      await vi.waitFor(() => expect(hub.hub.stats.rejected - before).toBe(4), { timeout: 5000 });
      expect(await hub.hub.store.recordCount()).toBe(0);
      expect(hub.hub.stats.lastRejection).toMatch(/exceeds/);
    } finally {
      await a.endAsync(true);
      await b.endAsync(true);
    }
  });

  it('delivers 10,000 records exactly once and in order while the broker restarts twice and the device is killed with SIGKILL', async () => {
    fleet = await startTestFleet(['dev-kiosk-1']);
    const hub = await startTestHub(fleet, 'solo');
    hubs.push(hub);
    const dataDir = mkdtempSync(join(tmpdir(), 'branchline-outbox-'));
    const total = 10_000;
    let device = spawnSyncDevice(fleet, 'dev-kiosk-1', dataDir, total, 1000);
    devices.push(device);

    await vi.waitFor(() => expect(device.added()).toBeGreaterThan(1500), { timeout: 20_000 });
    await fleet.broker.stop();
    const duringOutage = device.added();
    await vi.waitFor(() => expect(device.added()).toBeGreaterThan(duringOutage + 1000), { timeout: 20_000 });
    await fleet.broker.resume();

    await vi.waitFor(() => expect(device.added()).toBeGreaterThan(5000), { timeout: 20_000 });
    device.child.kill('SIGKILL');
    await device.exited;
    const atKill = device.added();
    device = spawnSyncDevice(fleet, 'dev-kiosk-1', dataDir, total, 1000);
    devices.push(device);

    await vi.waitFor(() => expect(device.added()).toBeGreaterThan(atKill + 1000), { timeout: 20_000 });
    await fleet.broker.stop();
    // As in the first outage: the broker stays away until the device has made records it cannot send, so
    // they wait in its outbox (and its link keeps failing to reconnect) until the broker is back.
    const atSecondOutage = device.added();
    await vi.waitFor(() => expect(device.added()).toBeGreaterThanOrEqual(Math.min(total, atSecondOutage + 1000)), { timeout: 20_000 });
    await fleet.broker.resume();

    await vi.waitFor(() => expect(device.drained(), `device output:\n${device.output().slice(-4000)}`).toBe(true), { timeout: 60_000, interval: 200 });
    await vi.waitFor(async () => expect((await seqsAt(hub, 'dev-kiosk-1')).length).toBe(total), { timeout: 30_000, interval: 200 });
    const seqs = await seqsAt(hub, 'dev-kiosk-1');
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const records = await hub.hub.store.recordsOf('dev-kiosk-1', 'scorecard', 100_000);
    // Every record is the one the device made under that number, and no id was stored twice.
    expect(records.every((r) => (r.data as { scorecardId: string }).scorecardId === `sc-${r.seq}`)).toBe(true);
    expect(new Set(records.map((r) => r.id)).size).toBe(total);
    expect(await hub.hub.store.recordCount()).toBe(total);
    expect((await hub.hub.store.figures()).fleet.activity.scorecards).toBe(total);
  }, 180_000);

  it('splits the load between two hub instances through a shared subscription, losing nothing and storing nothing twice', async () => {
    fleet = await startTestFleet(['dev-kiosk-2']);
    const first = await startTestHub(fleet, 'first');
    const second = await startTestHub(fleet, 'second');
    hubs.push(first, second);
    const total = 4000;
    const device = spawnSyncDevice(fleet, 'dev-kiosk-2', mkdtempSync(join(tmpdir(), 'branchline-outbox-')), total, 2000);
    devices.push(device);
    await vi.waitFor(() => expect(device.drained()).toBe(true), { timeout: 60_000, interval: 200 });
    await vi.waitFor(async () => expect((await seqsAt(first, 'dev-kiosk-2')).length + (await seqsAt(second, 'dev-kiosk-2')).length).toBe(total), { timeout: 20_000, interval: 200 });
    const a = await seqsAt(first, 'dev-kiosk-2');
    const b = await seqsAt(second, 'dev-kiosk-2');
    expect(a.length).toBeGreaterThan(total / 10);
    expect(b.length).toBeGreaterThan(total / 10);
    expect(a.filter((s) => b.includes(s))).toEqual([]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  }, 120_000);
});
