#!/usr/bin/env node
// Installs whatever running (or, with --test, testing) Branchline needs and is missing, then exits.
// Plain JavaScript with no dependencies: it runs before node_modules exists. Every step checks first,
// so a second run finishes in about a second.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--test');

const MEDIASOUP_VERSION = '3.15.8';
// The worker links these dynamically; the -dev packages pull in the runtime libraries. better-sqlite3
// compiles its addon with node-gyp (make, g++, python3) when no prebuilt binary can be downloaded.
const APT_RUNTIME = [
  'ffmpeg',
  'meson', 'ninja-build', 'pkg-config', 'g++', 'make', 'python3',
  'libuv1-dev', 'libssl-dev', 'libsrtp2-dev', 'libusrsctp-dev', 'libabsl-dev',
  'nlohmann-json3-dev', 'libflatbuffers-dev', 'flatbuffers-compiler',
];
// postgresql: initdb and pg_ctl for the private clusters that test/helpers/postgres.ts starts; the appliance
// itself does not use PostgreSQL.
const APT_TEST = ['chromium', 'mosquitto', 'espeak-ng', 'postgresql'];
// Packages that count as present by a file rather than by their name: any major version's server binaries
// (postgresql-15, -16, …) will do, with or without the "postgresql" metapackage.
const PRESENT_IF = {
  postgresql: () => existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb'))),
};

const started = Date.now();
const say = (msg) => process.stderr.write(`[setup] ${msg}\n`);

function timed(name, fn) {
  const t0 = Date.now();
  const did = fn();
  say(`${name}: ${did} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...options });
  if (result.status !== 0) {
    say(`failed: ${cmd} ${args.join(' ')}`);
    process.exit(result.status ?? 1);
  }
}

function missingDebianPackages(names) {
  const out = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...names], { encoding: 'utf8' });
  const installed = new Set(
    (out.stdout ?? '').split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]),
  );
  return names.filter((n) => !installed.has(n) && !PRESENT_IF[n]?.());
}

function debianPackages() {
  const missing = missingDebianPackages(forTests ? [...APT_RUNTIME, ...APT_TEST] : APT_RUNTIME);
  if (missing.length === 0) return 'all present';
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    say(`these Debian packages are missing: ${missing.join(' ')}`);
    say(`run as root, then start again:\n\n    sudo sh -c '${command}'\n`);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  return `installed ${missing.join(' ')}`;
}

function digestOf(paths) {
  const hash = createHash('sha256');
  for (const p of paths) {
    hash.update(relative(ROOT, p));
    hash.update(readFileSync(p));
  }
  return hash.digest('hex');
}

function npmPackages() {
  const stamp = join(ROOT, 'node_modules', '.branchline-setup');
  const wanted = digestOf([join(ROOT, 'package.json'), join(ROOT, 'package-lock.json')]);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return 'up to date';
  // MEDIASOUP_WORKER_BIN makes mediasoup's postinstall skip its GitHub download; the worker is built below.
  run('npm', ['ci', '--no-audit', '--no-fund'], {
    env: { ...process.env, MEDIASOUP_WORKER_BIN: 'built-by-branchline-setup', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  writeFileSync(stamp, wanted);
  return 'installed with npm ci';
}

function mediasoupWorker() {
  const pkg = join(ROOT, 'node_modules', 'mediasoup');
  const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
  if (version !== MEDIASOUP_VERSION) throw new Error(`mediasoup ${MEDIASOUP_VERSION} expected, found ${version}`);
  const target = join(pkg, 'worker', 'out', 'Release', 'mediasoup-worker');
  // The recipe is part of the key: a changed build script rebuilds instead of reusing an old binary.
  const recipe = createHash('sha256')
    .update(readFileSync(join(ROOT, 'scripts', 'mediasoup-worker', 'build.sh')))
    .update(readFileSync(join(ROOT, 'scripts', 'mediasoup-worker', 'shims.sh')))
    .digest('hex')
    .slice(0, 12);
  const key = `mediasoup-worker-${version}-${process.arch}-${recipe}`;
  const stamp = `${target}.branchline`;
  if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return 'present';
  const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'branchline');
  const cached = join(cacheDir, key);
  let how = 'restored from cache';
  if (!existsSync(cached)) {
    say(`building mediasoup-worker ${version} from source against Debian's libraries (about 7 minutes on 2 cores)`);
    mkdirSync(cacheDir, { recursive: true });
    run('sh', [join(ROOT, 'scripts', 'mediasoup-worker', 'build.sh'), pkg, cached]);
    how = `built and cached in ${cached}`;
  }
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(cached, `${target}.tmp`);
  chmodSync(`${target}.tmp`, 0o755);
  renameSync(`${target}.tmp`, target);
  writeFileSync(stamp, key);
  return how;
}

function filesUnder(dir, skip) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, skip));
    else if (statSync(full).isFile()) out.push(full);
  }
  return out.sort();
}

function webBuild() {
  const web = join(ROOT, 'web');
  const stamp = join(web, 'build', '.branchline-setup');
  const sources = filesUnder(web, new Set(['build', '.svelte-kit', 'node_modules']));
  const wanted = digestOf([...sources, join(ROOT, 'package-lock.json')]);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return 'up to date';
  run('npm', ['run', '-s', 'build:web']);
  writeFileSync(stamp, wanted);
  return 'built';
}

function intentModel() {
  // The trainer decides: up to date (it hashes the taxonomy and its own code), copied from the cache of
  // earlier clones, or trained. Its last line on stdout says which.
  const result = spawnSync('node', ['--import', 'tsx', 'scripts/intent/train.ts', '--if-stale'], {
    cwd: ROOT,
    stdio: ['inherit', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    say('failed: npm run intent:train -- --if-stale');
    process.exit(result.status ?? 1);
  }
  return result.stdout.trim().split('\n').at(-1) || 'ready';
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    say(`Node ${process.versions.node} is too old: Branchline needs Node 20.19 or newer.`);
    process.exit(1);
  }
  return `node ${process.versions.node}`;
}

timed('node', checkNode);
timed('debian packages', debianPackages);
timed('npm packages', npmPackages);
timed('mediasoup worker', mediasoupWorker);
timed('web app', webBuild);
timed('intent model', intentModel);
say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
