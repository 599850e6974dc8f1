import { execFile, spawnSync } from 'node:child_process';
import { accessSync, appendFileSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePort } from './net.js';

/**
 * A private PostgreSQL cluster for one test file: its own folder under the system temp folder, its own
 * port on 127.0.0.1, trust authentication for the `postgres` role. Callers must call close() in afterAll
 * (stopping it even when a test failed); a process exit handler stops, best effort, any cluster that was
 * never closed.
 */
export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/branchline_test */
  url: string;
  port: number;
  dir: string;
  /** A fresh empty database on the same cluster, returns its URL (for tests that need isolation). */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (pg_ctl stop -m fast, or -m immediate when `immediate`), keeping its files. */
  stopServer(immediate?: boolean): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  startServer(): Promise<void>;
  /** Stops the server and removes the folder. */
  close(): Promise<void>;
}

export interface PostgresOptions {
  /** The server's max_connections; 100 unless told. */
  maxConnections?: number;
}

const DATABASE = 'branchline_test';
/** From pg_ctl start to a query answered on 127.0.0.1, crash recovery after an immediate stop included. */
const READY_TIMEOUT_MS = 60_000;
/** initdb, pg_ctl stop: each is a few seconds at most even on a slow CI box. */
const COMMAND_TIMEOUT_MS = 90_000;

/** The newest Debian-packaged PostgreSQL (/usr/lib/postgresql/<version>/bin), else initdb on the PATH. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return join(root, versions[0]!, 'bin');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error('PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb, no initdb on the PATH): run `node scripts/setup.mjs --test`');
}

function onPath(name: string): string | null {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin', ...(process.env.PATH ?? '').split(delimiter)]) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

const shellQuote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

interface Runner {
  /** The argv that runs `binary args…` as the user owning the cluster. */
  argv(binary: string, args: string[]): [string, string[]];
  /** uid and gid to give the cluster folder, or null when it is ours already. */
  owner: { uid: number; gid: number } | null;
}

let cachedRunner: Runner | null = null;

/** initdb refuses to run as root: as root, the server binaries run as the `postgres` OS user of the Debian package. */
function runner(): Runner {
  if (cachedRunner) return cachedRunner;
  if (process.getuid?.() !== 0) {
    cachedRunner = { argv: (binary, args) => [binary, args], owner: null };
    return cachedRunner;
  }
  const entry = spawnSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' });
  const fields = (entry.stdout ?? '').trim().split(':');
  if (entry.status !== 0 || fields.length < 4) {
    throw new Error('running as root, but there is no `postgres` OS user to run the server as (Debian\'s postgresql package creates it): run `node scripts/setup.mjs --test`');
  }
  const owner = { uid: Number(fields[2]), gid: Number(fields[3]) };
  const runuser = onPath('runuser');
  cachedRunner = runuser
    ? { argv: (binary, args) => [runuser, ['-u', 'postgres', '--', binary, ...args]], owner }
    : { argv: (binary, args) => ['su', ['postgres', '-s', '/bin/sh', '-c', [binary, ...args].map(shellQuote).join(' ')]], owner };
  return cachedRunner;
}

/** The environment without PG* variables, so a developer's PGDATA, PGPORT or PGHOST cannot point a command elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  return { ...env, LC_ALL: 'C' };
}

function logTail(logFile: string, lines = 30): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

/** Clusters started and not yet closed, for the exit handler. */
const live = new Set<{ dir: string; pgCtl: string }>();
let exitHandlersInstalled = false;

/** The postmaster's pid from postmaster.pid, if /proc confirms that process serves this very data folder. */
function ownPostmaster(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 1) return null;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(dataDir) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Synchronous, as 'exit' and signal handlers must be, and quick: vitest kills a worker 500 ms after its
 * SIGTERM. SIGQUIT to the postmaster is PostgreSQL's immediate shutdown, what `pg_ctl stop -m immediate`
 * sends; pg_ctl itself (a process to spawn per cluster) only when /proc cannot confirm the pid. Only our
 * own clusters, each found through its own data folder.
 */
function stopLeftovers(): void {
  for (const cluster of live) {
    const dataDir = join(cluster.dir, 'db');
    try {
      const pid = ownPostmaster(dataDir);
      if (pid !== null) {
        process.kill(pid, 'SIGQUIT');
      } else if (existsSync(join(dataDir, 'postmaster.pid'))) {
        const [cmd, args] = runner().argv(cluster.pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10']);
        spawnSync(cmd, args, { cwd: cluster.dir, env: cleanEnv(), stdio: 'ignore', timeout: 15_000 });
      }
      rmSync(cluster.dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Best effort while the process ends.
    }
  }
  live.clear();
}

/**
 * Stops clusters that close() never stopped when the process ends: normally, by an uncaught error, or by a
 * signal. Vitest ends its fork workers with SIGTERM (SIGKILL 500 ms later), which runs no 'exit' handler,
 * and Ctrl-C sends SIGINT to the workers but not to the postmasters, which pg_ctl starts in a session of
 * their own. After stopping, a signal is raised again unless someone else handles it, so the process still
 * ends as it would have.
 */
function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.on('exit', stopLeftovers);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopLeftovers();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

class Cluster implements TestPostgres {
  readonly url: string;
  private running = false;
  private closed = false;
  private readonly dataDir: string;
  private readonly logFile: string;
  private readonly entry: { dir: string; pgCtl: string };

  constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {
    this.url = this.urlOf(DATABASE);
    this.dataDir = join(dir, 'db');
    this.logFile = join(dir, 'log');
    this.entry = { dir, pgCtl: join(bin, 'pg_ctl') };
  }

  urlOf(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Runs one of the server binaries as the cluster's owner; rejects with its output on failure. */
  run(binary: string, args: string[]): Promise<string> {
    const [cmd, argv] = runner().argv(join(this.bin, binary), args);
    return new Promise((resolve, reject) => {
      execFile(cmd, argv, { cwd: this.dir, env: cleanEnv(), timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
        // error.message has the command line and stderr already.
        if (error) reject(new Error(`${binary} failed: ${error.message.trimEnd()}\n${stdout}`.trimEnd()));
        else resolve(stdout + stderr);
      });
    });
  }

  async init(maxConnections: number): Promise<void> {
    // --no-sync only skips flushing the files initdb writes; the server itself keeps fsync on.
    await this.run('initdb', ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const settings = {
      port: String(this.port),
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${this.dir}'`,
      max_connections: String(maxConnections),
      // Small for a 2-core CI box that runs two test files at once; plenty for test data.
      shared_buffers: "'16MB'",
      work_mem: "'4MB'",
      max_wal_size: "'256MB'",
      logging_collector: 'off',
    };
    appendFileSync(
      join(this.dataDir, 'postgresql.conf'),
      '\n# branchline test cluster\n' + Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n',
    );
  }

  async startServer(): Promise<void> {
    if (this.closed) throw new Error('this PostgreSQL cluster is closed');
    if (this.running && this.pidFileExists()) return;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    live.add(this.entry);
    try {
      // -w: pg_ctl returns once the postmaster says it is ready, or fails at once if it died (port taken, bad setting).
      await this.run('pg_ctl', ['start', '-D', this.dataDir, '-l', this.logFile, '-w', '-t', String(READY_TIMEOUT_MS / 1000)]);
    } catch (error) {
      throw new Error(`PostgreSQL did not start on port ${this.port}: ${(error as Error).message}\n--- server log (tail) ---\n${logTail(this.logFile)}`);
    }
    this.running = true;
    await this.waitReady(deadline);
  }

  /** Until a query is answered over TCP on 127.0.0.1, as the tests will connect. */
  private async waitReady(deadline: number): Promise<void> {
    let last: unknown = null;
    for (;;) {
      const client = new pg.Client({ connectionString: this.urlOf('postgres'), connectionTimeoutMillis: 2000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        last = error;
      } finally {
        await client.end().catch(() => {});
      }
      if (Date.now() > deadline) {
        throw new Error(
          `PostgreSQL on port ${this.port} accepted no query within ${READY_TIMEOUT_MS} ms (last error: ${(last as Error)?.message})\n--- server log (tail) ---\n${logTail(this.logFile)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stopServer(immediate = false): Promise<void> {
    // By postmaster.pid rather than by what we did: a start that timed out may have left a postmaster that
    // never said it was ready, and a server that crashed on its own has nothing left to stop.
    if (!this.pidFileExists()) {
      this.running = false;
      live.delete(this.entry);
      return;
    }
    await this.run('pg_ctl', ['stop', '-D', this.dataDir, '-m', immediate ? 'immediate' : 'fast', '-w', '-t', '60']);
    this.running = false;
    live.delete(this.entry);
  }

  private pidFileExists(): boolean {
    return existsSync(join(this.dataDir, 'postmaster.pid'));
  }

  async createDatabase(name: string): Promise<string> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${JSON.stringify(name)}`);
    const client = new pg.Client({ connectionString: this.urlOf('postgres') });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end().catch(() => {});
    }
    return this.urlOf(name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.stopServer(false);
    } catch {
      // Not stopping in time: no more waiting for a clean shutdown. When this fails too, the files stay
      // for the exit handler, which needs postmaster.pid to find the server.
      await this.stopServer(true);
    }
    live.delete(this.entry);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** How many times a first start may find its free port taken by someone else in the meantime. */
const PORT_ATTEMPTS = 3;

/**
 * Starts a private cluster (initdb, pg_ctl start) with an empty `branchline_test` database and waits until
 * it answers queries. About a second or two; call close() in afterAll.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  const bin = binDir();
  const { owner } = runner();
  installExitHandlers();
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'branchline-postgres-'));
    if (owner) chownSync(dir, owner.uid, owner.gid);
    const cluster = new Cluster(dir, await freePort(), bin);
    try {
      await cluster.init(options.maxConnections ?? 100);
      await cluster.startServer();
      await cluster.createDatabase(DATABASE);
      return cluster;
    } catch (error) {
      const portTaken = /Address already in use|could not create any TCP\/IP sockets/.test((error as Error).message);
      await cluster.close().catch(() => {});
      if (!portTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}
