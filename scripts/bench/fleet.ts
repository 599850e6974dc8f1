/**
 * npm run -s bench:fleet -- --devices 1000 --records-per-device 100 --hubs 3 [--load-processes 4] [--batch 100] [--window 4]
 *
 * A fleet's ingest end to end: a private PostgreSQL, Debian's mosquitto with one user per device, the
 * fleet ACL and persistence, and `--hubs` hub processes (`npm run hub`, each with a pool of
 * --db-connections) on the one database, all started at once. Load processes (scripts/fleet-sim) then
 * run `--devices` simulated appliances, each its own MQTT client with its own credentials, sending
 * numbered records (half session facts, half scorecards) in batches until the hubs' receipts confirm
 * them all. The load processes start sending as soon as their clients connect, so throughput is taken at
 * the database: records stored from the first poll that saw any to the moment the last was stored
 * (`SELECT count(*)` every 100 ms), and wall time from starting the load to the last receipt. Afterwards
 * the database is checked: every device has each seq 1..n of both streams, exactly once.
 *
 * `steadyRecordsPerSecond` leaves out the ramp-up and the tail (10 % to 90 % stored).
 *
 * `ingestMsP50/P99` are per batch, from its first publish to the hub's receipt, which the hub sends only
 * after the batch committed; every device sends at once, so they are mostly the backlog's queueing.
 * `cpuSeconds` is CPU (user + system) each part used while the load ran; `otherCpuSeconds` is what the
 * rest of the machine used meanwhile (other work on a shared box disturbs the figures; a note says so).
 * Progress on stderr; the last line of stdout is one JSON object.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { perStream } from '../fleet-sim/records.js';
import { spawnLoad, type LoadProcess } from '../fleet-sim/spawn.js';
import { startTestFleet, type TestFleet } from '../../test/helpers/fleet.js';
import { spawnHub, type HubProcess } from '../../test/helpers/hub-process.js';
import { startPostgres, type TestPostgres } from '../../test/helpers/postgres.js';

const USAGE =
  'usage: npm run -s bench:fleet -- --devices N --records-per-device N --hubs H [--load-processes P] [--batch B] [--window W]\n' +
  '         [--db-connections C] [--heartbeat-ms MS] [--resend-ms MS] [--timeout-seconds S]\n';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    'records-per-device': { type: 'string', default: '100' },
    hubs: { type: 'string', default: '1' },
    'load-processes': { type: 'string', default: '4' },
    batch: { type: 'string', default: '100' },
    window: { type: 'string', default: '4' },
    'db-connections': { type: 'string', default: '10' },
    // A real appliance beats every 30 s (BRANCHLINE_HEARTBEAT_SECONDS); each beat is a message the hub stores.
    'heartbeat-ms': { type: 'string', default: '30000' },
    // As the device publisher's first receipt timeout.
    'resend-ms': { type: 'string', default: '10000' },
    'timeout-seconds': { type: 'string', default: '600' },
  },
  strict: true,
});

function whole(name: keyof typeof values, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`--${name} must be a whole number from ${min} to ${max}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

const devices = whole('devices', 1, 100_000);
const recordsPerDevice = whole('records-per-device', 1, 1_000_000);
const hubCount = whole('hubs', 1, 16);
const loadProcesses = Math.min(whole('load-processes', 1, 64), devices);
const batch = whole('batch', 1, 1000);
const window = whole('window', 1, 1000);
const dbConnections = whole('db-connections', 2, 200);
const heartbeatMs = whole('heartbeat-ms', 100, 3_600_000);
const resendMs = whole('resend-ms', 100, 3_600_000);
const timeoutMs = whole('timeout-seconds', 10, 86_400) * 1000;

const note = (text: string): void => void process.stderr.write(`[bench:fleet] ${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const CLOCK_TICKS = 100;

const deviceIds = Array.from({ length: devices }, (_, i) => `bench-dev-${String(i + 1).padStart(Math.max(4, String(devices).length), '0')}`);
const counts = perStream(recordsPerDevice);
const expected = devices * recordsPerDevice;

async function startHubProcess(fleet: TestFleet, databaseUrl: string, name: string): Promise<HubProcess> {
  const hub = await spawnHub(fleet, databaseUrl, name, { env: { BRANCHLINE_HUB_DB_MAX_CONNECTIONS: String(dbConnections) } });
  hubs.push(hub);
  return hub;
}

// ---------------------------------------------------------------------------------------------------
// CPU accounting from /proc, for where the time goes.

function procCpu(pid: number, children = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime, stime; cutime, cstime (children that ended and were waited for) at 13, 14.
    const own = Number(fields[11]) + Number(fields[12]);
    return (children ? own + Number(fields[13]) + Number(fields[14]) : own) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The postmaster, its exited children (reaped into its cutime) and its live children: all of PostgreSQL. */
function postgresCpu(database: TestPostgres): number {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(join(database.dir, 'db', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return 0;
  }
  let total = procCpu(postmaster, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === postmaster) total += procCpu(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The broker's child process; Mosquitto keeps it (and its folder) private, read here only for measurement and clean-up. */
const brokerInternals = (fleet: TestFleet) => fleet.broker as unknown as { process: ChildProcess | null; configFile: string };

interface CpuSample {
  hubs: number[];
  load: number[];
  mosquitto: number;
  postgres: number;
  bench: number;
}

function sampleCpu(fleet: TestFleet, database: TestPostgres, loads: LoadProcess[]): CpuSample {
  const brokerPid = brokerInternals(fleet).process?.pid;
  return {
    hubs: hubs.map((h) => procCpu(h.child.pid!)),
    load: loads.map((l) => procCpu(l.child.pid!)),
    mosquitto: brokerPid ? procCpu(brokerPid) : 0,
    postgres: postgresCpu(database),
    bench: procCpu(process.pid),
  };
}

function cpuDelta(a: CpuSample, b: CpuSample) {
  return {
    hubs: b.hubs.map((v, i) => round(v - (a.hubs[i] ?? 0), 1)),
    load: round(b.load.reduce((s, v, i) => s + v - (a.load[i] ?? 0), 0), 1),
    mosquitto: round(b.mosquitto - a.mosquitto, 1),
    postgres: round(b.postgres - a.postgres, 1),
    bench: round(b.bench - a.bench, 1),
  };
}

/** All cores' busy and total time so far, from /proc/stat (user nice system idle iowait irq softirq steal). */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: (total - fields[3]! - fields[4]!) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

// ---------------------------------------------------------------------------------------------------

/** How busy the whole machine was while the load ran, and how much of that was not this bench (other work on the box). */
function machineShare(ours: ReturnType<typeof cpuDelta>, before: { busy: number; total: number }, after: { busy: number; total: number }) {
  const busy = after.busy - before.busy;
  const mine = ours.hubs.reduce((a, b) => a + b, 0) + ours.load + ours.mosquitto + ours.postgres + ours.bench;
  return { machineBusy: round(busy / (after.total - before.total), 2), otherCpuSeconds: round(Math.max(0, busy - mine), 1) };
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function versionOf(command: string, args: string[], pattern: RegExp): string | null {
  const run = spawnSync(command, args, { encoding: 'utf8', timeout: 5000 });
  return pattern.exec(`${run.stdout ?? ''}${run.stderr ?? ''}`)?.[1] ?? null;
}

let database: TestPostgres | null = null;
let fleet: TestFleet | null = null;
const hubs: HubProcess[] = [];
const loads: LoadProcess[] = [];
let sql: pg.Pool | null = null;
let cleaning: Promise<void> | null = null;
/** The latest progress line, for the timeout's message. */
let progressNow = 'nothing sent yet';

/** Everything started, stopped whatever happened; each step on its own so one failure does not skip the rest. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    const step = async (what: string, work: () => unknown) => {
      try {
        await work();
      } catch (err) {
        note(`clean-up: ${what}: ${(err as Error).message}`);
      }
    };
    for (const load of loads) await step('load process', () => load.child.exitCode === null && load.child.signalCode === null && load.child.kill('SIGKILL'));
    for (const hub of hubs) await step(`hub ${hub.name}`, () => hub.child.exitCode === null && hub.child.signalCode === null && hub.child.kill('SIGTERM'));
    await step('hubs', () =>
      Promise.all(
        hubs.map((h) =>
          Promise.race([
            h.exited,
            sleep(10_000).then(() => {
              note(`hub ${h.name} did not stop within 10 s of SIGTERM; SIGKILL`);
              h.child.kill('SIGKILL');
              return h.exited;
            }),
          ]),
        ),
      ),
    );
    await step('database pool', () => sql?.end());
    if (fleet) {
      const brokerDir = dirname(brokerInternals(fleet).configFile);
      await step('broker', () => fleet!.broker.stop());
      await step('broker folder', () => rmSync(brokerDir, { recursive: true, force: true }));
      await step('fleet keys', () => rmSync(fleet!.keysDir, { recursive: true, force: true }));
    }
    for (const hub of hubs) await step(`hub ${hub.name} folder`, () => rmSync(hub.dataDir, { recursive: true, force: true }));
    await step('database', () => database?.close());
  })();
  return cleaning;
}

/**
 * Ctrl-C or a SIGTERM: everything goes down with the bench, synchronously (the PostgreSQL helper stops
 * its own cluster on exit), so no process or folder is left behind.
 */
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    note(`${signal}: stopping`);
    for (const load of loads) load.child.kill('SIGKILL');
    for (const hub of hubs) hub.child.kill('SIGKILL');
    const dirs = hubs.map((h) => h.dataDir);
    if (fleet) {
      brokerInternals(fleet).process?.kill('SIGKILL');
      dirs.push(fleet.keysDir, dirname(brokerInternals(fleet).configFile));
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}

async function storedCount(): Promise<number> {
  const { rows } = await sql!.query<{ n: string }>('SELECT count(*) AS n FROM hub_records');
  return Number(rows[0]!.n);
}

async function run(): Promise<Record<string, unknown>> {
  const openFilesLimit = versionOf('sh', ['-c', 'ulimit -n'], /(\S+)/);
  if (openFilesLimit !== 'unlimited' && Number(openFilesLimit) < devices + 200) {
    throw new Error(`ulimit -n is ${openFilesLimit}: mosquitto needs a descriptor per device (${devices}) and more; raise it (ulimit -n ${devices + 1000})`);
  }
  const maxConnections = hubCount * dbConnections + 10;
  note(`PostgreSQL (max_connections ${maxConnections}), mosquitto with ${devices} device users, ${hubCount} hub(s) with ${dbConnections} connections each`);
  database = await startPostgres({ maxConnections });
  fleet = await startTestFleet(deviceIds);
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
  sql.on('error', () => undefined);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: hubCount }, (_, i) => startHubProcess(fleet!, database!.url, `bench-hub-${String.fromCharCode(97 + i)}`)));
  note(`hubs ready in ${round((performance.now() - t0) / 1000)} s`);
  const hubDied = Promise.race(hubs.map((h) => h.exited.then(({ code, signal }) => Promise.reject(new Error(`hub ${h.name} exited (${code ?? signal}) during the run:\n${h.output().slice(-3000)}`)))));
  hubDied.catch(() => undefined);

  const pgVersion = (await sql.query<{ version: string }>('SELECT version()')).rows[0]!.version;
  const brokerVersion = versionOf('/usr/sbin/mosquitto', ['-h'], /mosquitto version (\S+)/);

  note(`load: ${devices} devices × ${recordsPerDevice} records = ${expected} in ${loadProcesses} process(es), batch ${batch}, window ${window} per stream`);
  const cpuBefore = sampleCpu(fleet, database, []);
  const machineBefore = machineCpu();
  const loadStart = performance.now();
  for (let p = 0; p < loadProcesses; p++) {
    const share = deviceIds.filter((_, i) => i % loadProcesses === p).map((id) => ({ id, password: fleet!.password(id) }));
    loads.push(spawnLoad({ url: fleet.broker.url, devices: share, recordsPerDevice, batch, window, resendMs, heartbeatMs }));
  }

  // The database's view: the first poll that sees records, and when the count reaches the total. The
  // load processes' CPU is read on every poll too: they exit right after their last line.
  const seen = { firstAt: null as number | null, firstCount: 0, lastAt: null as number | null, count: 0 };
  const samples: { at: number; n: number }[] = [];
  const loadCpu = loads.map(() => 0);
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const n = await storedCount();
      const at = performance.now();
      if (n > 0 && seen.firstAt === null) Object.assign(seen, { firstAt: at, firstCount: n });
      if (n >= expected && seen.lastAt === null) seen.lastAt = at;
      seen.count = n;
      samples.push({ at, n });
      loads.forEach((l, i) => (loadCpu[i] = Math.max(loadCpu[i]!, procCpu(l.child.pid!))));
      await sleep(100);
    }
  })();
  poller.catch(() => undefined);

  const confirmed = () => loads.reduce((n, l) => n + l.confirmed(), 0);
  const progress = setInterval(() => {
    progressNow = `${confirmed()} of ${expected} confirmed, ${seen.count} stored`;
    note(`  ${progressNow}`);
  }, 2000);
  try {
    const loadFailed = Promise.race(loads.map((l) => l.done));
    await Promise.race([Promise.all(loads.map((l) => l.connected)), hubDied, loadFailed.then(() => undefined)]);
    const connectedAt = performance.now();
    const storedWhenConnected = seen.count;
    note(`all ${devices} clients connected ${round((connectedAt - loadStart) / 1000)} s after the load started (${seen.count} records already stored)`);
    const results = await Promise.race([Promise.all(loads.map((l) => l.done)), hubDied]);
    const doneAt = performance.now();
    const cpuAfter = sampleCpu(fleet, database, loads);
    const machineAfter = machineCpu();
    cpuAfter.load = cpuAfter.load.map((v, i) => Math.max(v, loadCpu[i]!));
    while (seen.lastAt === null && performance.now() - doneAt < 10_000) await sleep(20);
    polling = false;
    await poller;

    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const resent = results.reduce((n, r) => n + r.resent, 0);
    const storeSeconds = seen.firstAt !== null && seen.lastAt !== null ? (seen.lastAt - seen.firstAt) / 1000 : null;
    const storedInSpan = expected - seen.firstCount;
    // Past the ramp-up (clients still connecting) and the tail (the last few devices): 10 % to 90 % stored.
    const crossing = (share: number) => {
      const goal = share * expected;
      const i = samples.findIndex((x) => x.n >= goal);
      if (i <= 0) return null;
      const [a, b] = [samples[i - 1]!, samples[i]!];
      return a.at + ((goal - a.n) / (b.n - a.n)) * (b.at - a.at);
    };
    const [at10, at90] = [crossing(0.1), crossing(0.9)];
    const steadyRecordsPerSecond = at10 !== null && at90 !== null && at90 > at10 ? Math.round((0.8 * expected) / ((at90 - at10) / 1000)) : null;

    note('verifying in the database');
    const totals = (
      await sql.query<{ n: number; distinct_keys: number; distinct_ids: number }>(
        'SELECT count(*)::int AS n, count(DISTINCT (device_id, stream, seq))::int AS distinct_keys, count(DISTINCT id)::int AS distinct_ids FROM hub_records',
      )
    ).rows[0]!;
    const inRange = (
      await sql.query<{ n: number }>(
        `SELECT count(DISTINCT (device_id, stream, seq))::int AS n FROM hub_records
         WHERE device_id = ANY($1) AND ((stream = 'session' AND seq BETWEEN 1 AND $2) OR (stream = 'scorecard' AND seq BETWEEN 1 AND $3))`,
        [deviceIds, counts.session, counts.scorecard],
      )
    ).rows[0]!.n;
    const perDevice = await sql.query<{ device_id: string; stream: string; n: number; distinct_seqs: number; lo: number; hi: number }>(
      'SELECT device_id, stream, count(*)::int AS n, count(DISTINCT seq)::int AS distinct_seqs, min(seq)::int AS lo, max(seq)::int AS hi FROM hub_records GROUP BY device_id, stream',
    );
    const byStream = new Map(perDevice.rows.map((r) => [`${r.device_id}/${r.stream}`, r]));
    const incomplete: string[] = [];
    for (const id of deviceIds) {
      for (const stream of ['session', 'scorecard'] as const) {
        const want = counts[stream];
        if (want === 0) continue;
        const row = byStream.get(`${id}/${stream}`);
        if (!row || row.distinct_seqs !== want || row.lo !== 1 || row.hi !== want || row.n !== want) incomplete.push(`${id}/${stream}: ${row ? `${row.distinct_seqs} of ${want} (seq ${row.lo}..${row.hi}, ${row.n} rows)` : 'none'}`);
      }
    }
    const facts = (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM hub_session_facts')).rows[0]!.n;
    const span = (
      await sql.query<{ first: string; last: string }>('SELECT min(received_at) AS first, max(received_at) AS last FROM hub_records')
    ).rows[0]!;
    const receivedSeconds = (Date.parse(span.last) - Date.parse(span.first)) / 1000;

    const lost = expected - inRange;
    const duplicates = totals.n - totals.distinct_keys;
    if (incomplete.length > 0) note(`INCOMPLETE streams (${incomplete.length}): ${incomplete.slice(0, 5).join('; ')}${incomplete.length > 5 ? '; …' : ''}`);
    if (facts !== devices * counts.session) note(`hub_session_facts has ${facts} rows, expected ${devices * counts.session}`);
    const wallSeconds = (doneAt - loadStart) / 1000;
    const share = machineShare(cpuDelta(cpuBefore, cpuAfter), machineBefore, machineAfter);
    if (share.otherCpuSeconds > 1) note(`other work on this machine used ${share.otherCpuSeconds} CPU seconds while the load ran: these figures are disturbed`);
    note(`stored ${totals.n} in ${storeSeconds === null ? '?' : round(storeSeconds)} s; wall ${round(wallSeconds)} s; lost ${lost}, duplicates ${duplicates}`);

    return {
      devices,
      hubs: hubCount,
      loadProcesses,
      records: expected,
      stored: totals.n,
      recordsPerSecond: storeSeconds ? Math.round(storedInSpan / storeSeconds) : null,
      steadyRecordsPerSecond,
      storeSeconds: storeSeconds === null ? null : round(storeSeconds),
      // The hubs' own stamps (received_at, taken before each batch's transaction): a cross-check of the polled span.
      receivedSpanSeconds: round(receivedSeconds),
      wallSeconds: round(wallSeconds),
      connectSeconds: round((connectedAt - loadStart) / 1000),
      storedWhenConnected,
      ingestMsP50: percentile(latencies, 50),
      ingestMsP99: percentile(latencies, 99),
      ingestMsMax: latencies.at(-1) ?? null,
      batches: latencies.length,
      lost,
      duplicates,
      unexpectedRows: totals.n - inRange - duplicates,
      incompleteStreams: incomplete.length,
      sessionFacts: facts,
      resent,
      batch,
      window,
      // With few records a device, `batch` and `window` may change nothing: this is what each device sent.
      messagesPerDevice: Math.ceil(counts.session / batch) + Math.ceil(counts.scorecard / batch),
      heartbeatMs,
      resendMs,
      dbConnectionsPerHub: dbConnections,
      cpuSeconds: cpuDelta(cpuBefore, cpuAfter),
      ...share,
      cores: availableParallelism(),
      openFilesLimit,
      database: `PostgreSQL ${/PostgreSQL (\S+)/.exec(pgVersion)?.[1] ?? pgVersion}`,
      broker: brokerVersion ? `mosquitto ${brokerVersion}` : 'mosquitto',
    };
  } finally {
    clearInterval(progress);
    polling = false;
  }
}

let exitCode = 0;
let timer: NodeJS.Timeout | undefined;
try {
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench:fleet timed out after ${timeoutMs / 1000} s (--timeout-seconds); by then ${progressNow}`)), timeoutMs);
  });
  const summary = await Promise.race([run(), timeout]);
  console.log(JSON.stringify(summary));
  if (summary.lost !== 0 || summary.duplicates !== 0 || summary.incompleteStreams !== 0) exitCode = 1;
} catch (err) {
  note(`FAILED: ${(err as Error).message}`);
  for (const hub of hubs) if (hub.output()) note(`--- ${hub.name} output (tail) ---\n${hub.output().slice(-1500)}`);
  for (const [i, load] of loads.entries()) if (load.output()) note(`--- load ${i} stderr (tail) ---\n${load.output().slice(-1500)}`);
  exitCode = 1;
} finally {
  clearTimeout(timer);
  await Promise.race([cleanUp(), sleep(60_000).then(() => note('clean-up did not finish within 60 s'))]);
}
process.exit(exitCode);
