/**
 * npm run -s bench:sync -- --records 100000
 *
 * Starts Debian's mosquitto (per-device users, the fleet ACL, persistence), one hub, and a device process
 * with the real outbox and publisher (test/helpers/sync-device.ts), then measures:
 *   - sustained: a device adds that many records as fast as it can while the broker is up; records per
 *     second from the first record stored at the hub to the last;
 *   - catch-up: another device builds a backlog of that many records while the broker is down; seconds from
 *     the broker's return until the hub has stored them all.
 * `lost` counts records the hub never stored; `duplicatesAtHub` counts copies it received and dropped.
 * Progress on stderr; the last line of stdout is one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSyncDevice, startTestFleet, startTestHub, type SyncDeviceProcess, type TestFleet } from '../../test/helpers/fleet.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '100000' }, 'timeout-seconds': { type: 'string', default: '600' } }, strict: true });
const records = Number(values.records);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
if (!Number.isInteger(records) || records < 1 || !Number.isFinite(timeoutMs)) {
  process.stderr.write('usage: npm run -s bench:sync -- --records N [--timeout-seconds S]\n');
  process.exit(2);
}

const note = (text: string) => process.stderr.write(`${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UNLIMITED = 1e9;

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function stop(device: SyncDeviceProcess): Promise<void> {
  device.child.kill('SIGTERM');
  await device.exited;
}

const fleet: TestFleet = await startTestFleet(['bench-sustained', 'bench-backlog']);
const hub = await startTestHub(fleet, 'bench');
const stored = (deviceId: string) => hub.hub.store.recordCount(deviceId);
const dirs: string[] = [];
const outboxDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'branchline-bench-outbox-'));
  dirs.push(dir);
  return dir;
};

try {
  note(`sustained: one device sends ${records} records`);
  const sustained = spawnSyncDevice(fleet, 'bench-sustained', outboxDir(), records, UNLIMITED);
  await until('the first record at the hub', async () => (await stored('bench-sustained')) > 0);
  const firstAt = performance.now();
  const firstCount = await stored('bench-sustained');
  await until('all sustained records at the hub', async () => (await stored('bench-sustained')) >= records);
  const sustainedSeconds = (performance.now() - firstAt) / 1000;
  const recordsPerSecond = Math.round((records - firstCount) / sustainedSeconds);
  note(`  ${recordsPerSecond} records/s`);
  await stop(sustained);

  note(`catch-up: a backlog of ${records} records built while the broker is down`);
  await fleet.broker.stop();
  const backlog = spawnSyncDevice(fleet, 'bench-backlog', outboxDir(), records, UNLIMITED);
  await until('the backlog to be durable in the outbox', () => backlog.added() >= records);
  await fleet.broker.resume();
  const backAt = performance.now();
  await until('the backlog at the hub', async () => (await stored('bench-backlog')) >= records);
  const catchUpSeconds = Math.round((performance.now() - backAt) / 10) / 100;
  note(`  caught up in ${catchUpSeconds} s`);
  await until('the backlog device to see every receipt', () => backlog.drained());
  await stop(backlog);

  const sustainedSeqs = await hub.hub.store.recordsOf('bench-sustained', 'scorecard', records + 1);
  const backlogSeqs = await hub.hub.store.recordsOf('bench-backlog', 'scorecard', records + 1);
  const lost = 2 * records - sustainedSeqs.length - backlogSeqs.length;
  console.log(
    JSON.stringify({
      records,
      recordsPerSecond,
      sustainedSeconds: Math.round(sustainedSeconds * 100) / 100,
      catchUpSeconds,
      catchUpRecordsPerSecond: Math.round(records / catchUpSeconds),
      lost,
      duplicatesAtHub: hub.hub.store.duplicates,
      storedAtHub: await hub.hub.store.recordCount(),
      broker: 'mosquitto (Debian), MQTT 5, QoS 1, ACL, persistence',
      batch: 200,
    }),
  );
} finally {
  await hub.close();
  await fleet.broker.stop();
  for (const dir of [...dirs, hub.dataDir]) rmSync(dir, { recursive: true, force: true });
}
