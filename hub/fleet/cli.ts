import { createReadStream } from 'node:fs';
import { access, cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { RELEASE_KINDS, REMOTE_SETTINGS, type ReleaseKind, type ReleaseManifest } from '../../protocol/index.js';
import { buildManifest, generateFleetKeys, ReleaseError, signManifest, verifyManifest } from '../../protocol/index.js';
import { trainFleetModel } from './intent-model.js';

const USAGE = `Branchline fleet manager

  npm run fleet -- keygen --out <dir>
      Creates the fleet's ed25519 key pair (fleet-private.pem, fleet-public.pem).
  npm run fleet -- create --kind model|knowledge --from <folder> --version <v> --key <fleet-private.pem> --out <dir>
                          [--probe-text <question> --probe-expect <label>]   (required for a model)
      Makes a signed release: a manifest with the sha256 of every file in <folder>, and a copy of the files.
  npm run fleet -- intent-release --version <v> --key <fleet-private.pem> --out <dir> [--to all|group:<name>|canary:<percent>]
                                  [--taxonomy <dir> --held-out <dir>]   (default: the repository's models/intent)
      Trains one intent model on the taxonomy and every device's agent-labelled questions (from the hub),
      reports it on the held-out set, makes a signed model release of it and, with --to, pushes it.
  npm run fleet -- verify --release <release dir> --key <fleet-public.pem>
      Checks a release's signature, as a device will.
  npm run fleet -- push --release <release dir> --to all|group:<name>|canary:<percent>
      Uploads the release to the hub and rolls it out.
  npm run fleet -- status [<rollout id>]      Rollouts, or one rollout device by device.
  npm run fleet -- rollback <rollout id>      Sends the devices of a rollout back to their previous release.
  npm run fleet -- devices                    Devices, their versions, last heartbeat and outbox backlog.
  npm run fleet -- config --set <name>=<value> [--set ...] --to all|group:<name>|canary:<percent>
      Settings: ${REMOTE_SETTINGS.join(', ')}.

The hub is BRANCHLINE_HUB_URL (default http://127.0.0.1:8090) or --hub. Each command signs in as a fleet operator:
BRANCHLINE_FLEET_OPERATOR or --operator, with the password in BRANCHLINE_FLEET_PASSWORD or the first line of --password-file
(\`npm run hub -- operator add\` makes accounts; viewers may only read).
`;

class UsageError extends Error {}

const options = {
  out: { type: 'string' },
  kind: { type: 'string' },
  from: { type: 'string' },
  version: { type: 'string' },
  key: { type: 'string' },
  'probe-text': { type: 'string' },
  'probe-expect': { type: 'string' },
  taxonomy: { type: 'string' },
  'held-out': { type: 'string' },
  release: { type: 'string' },
  to: { type: 'string' },
  hub: { type: 'string' },
  operator: { type: 'string' },
  'password-file': { type: 'string' },
  set: { type: 'string', multiple: true },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function need(values: Values, name: keyof Values): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function parseTarget(to: string): { all: true } | { group: string } | { percent: number } {
  if (to === 'all') return { all: true };
  if (to.startsWith('group:') && to.length > 6) return { group: to.slice(6) };
  const canary = /^canary:(\d{1,3})%?$/.exec(to);
  if (canary && Number(canary[1]) >= 1 && Number(canary[1]) <= 100) return { percent: Number(canary[1]) };
  throw new UsageError(`--to must be all, group:<name> or canary:<1-100>, not ${JSON.stringify(to)}`);
}

/** Signs in as the operator named by --operator or BRANCHLINE_FLEET_OPERATOR, with the password in --password-file or BRANCHLINE_FLEET_PASSWORD. */
async function signIn(base: string, values: Values): Promise<string> {
  const name = values.operator ?? process.env.BRANCHLINE_FLEET_OPERATOR;
  const password = values['password-file'] ? (await readFile(values['password-file'], 'utf8')).split('\n')[0] : process.env.BRANCHLINE_FLEET_PASSWORD;
  if (!name || !password) throw new UsageError('sign in: set BRANCHLINE_FLEET_OPERATOR and BRANCHLINE_FLEET_PASSWORD, or pass --operator and --password-file');
  let response: Response;
  try {
    response = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  } catch (err) {
    throw new Error(`cannot reach the hub at ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
  }
  const answer = (await response.json().catch(() => ({}))) as { token?: string; message?: string };
  if (!response.ok || !answer.token) throw new Error(`the hub refused the sign-in (${response.status}): ${answer.message ?? response.statusText}`);
  return answer.token;
}

async function hubClient(values: Values) {
  const base = (values.hub ?? process.env.BRANCHLINE_HUB_URL ?? 'http://127.0.0.1:8090').replace(/\/$/, '');
  const token = await signIn(base, values);
  return async (method: string, route: string, body?: unknown, file?: string): Promise<unknown> => {
    const init: RequestInit & { duplex?: 'half' } = { method, headers: { authorization: `Bearer ${token}` } };
    if (file) {
      init.headers = { ...init.headers, 'content-type': 'application/octet-stream', 'content-length': String((await stat(file)).size) };
      init.body = Readable.toWeb(createReadStream(file)) as ReadableStream;
      init.duplex = 'half';
    } else if (body !== undefined) {
      init.headers = { ...init.headers, 'content-type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(`${base}${route}`, init);
    } catch (err) {
      throw new Error(`cannot reach the hub at ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    const answer = (await response.json().catch(() => ({}))) as { message?: string };
    if (!response.ok) throw new Error(`hub answered ${response.status}: ${answer.message ?? response.statusText}`);
    return answer;
  };
}

async function checkSource(kind: ReleaseKind, folder: string): Promise<void> {
  const required = kind === 'model' ? ['model.json', 'weights.bin'] : ['bundle.json'];
  for (const name of required) {
    await access(path.join(folder, name)).catch(() => {
      throw new UsageError(`a ${kind} release folder must hold ${required.join(' and ')}; ${name} is missing in ${folder}`);
    });
  }
  if (kind === 'knowledge') {
    try {
      JSON.parse(await readFile(path.join(folder, 'bundle.json'), 'utf8'));
    } catch (err) {
      throw new UsageError(`bundle.json is not JSON: ${(err as Error).message}`);
    }
  }
}

async function create(values: Values): Promise<void> {
  const kind = need(values, 'kind');
  if (!(RELEASE_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind must be ${RELEASE_KINDS.join(' or ')}`);
  const from = need(values, 'from');
  const probeText = values['probe-text'];
  const probeExpect = values['probe-expect'];
  if (kind === 'model' && (!probeText || !probeExpect)) throw new UsageError('a model release needs --probe-text and --probe-expect: the device checks the model answers it before using it');
  await checkSource(kind as ReleaseKind, from);
  const dir = await makeRelease(values, kind as ReleaseKind, from, probeText && probeExpect ? { text: probeText, expect: probeExpect } : null);
  console.log(dir);
}

/** Signs a release of `from` into `<--out>/<id>`; returns that folder. */
async function makeRelease(values: Values, kind: ReleaseKind, from: string, probe: ReleaseManifest['probe']): Promise<string> {
  const privateKey = await readFile(need(values, 'key'), 'utf8');
  const manifest = await buildManifest(from, kind, need(values, 'version'), probe);
  const manifestText = JSON.stringify(manifest, null, 2);
  const signature = signManifest(manifestText, privateKey);
  const dir = path.join(need(values, 'out'), manifest.id);
  await mkdir(dir, { recursive: true });
  await cp(from, path.join(dir, 'files'), { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), manifestText);
  await writeFile(path.join(dir, 'manifest.sig'), signature);
  console.log(`release ${manifest.id}: ${manifest.kind} ${manifest.version}, ${manifest.files.length} files, ${manifest.files.reduce((n, f) => n + f.size, 0)} bytes`);
  return dir;
}

async function intentRelease(values: Values): Promise<void> {
  need(values, 'version');
  need(values, 'key');
  const out = need(values, 'out');
  const hub = await hubClient(values);
  const { corrections } = (await hub('GET', '/api/corrections')) as { corrections: { text: string; label: string; deviceId: string }[] };
  console.log(`${corrections.length} labelled question(s) from ${new Set(corrections.map((c) => c.deviceId)).size} device(s)`);
  const built = await trainFleetModel(corrections, path.join(out, 'intent-model'), { taxonomyDir: values.taxonomy, heldOutDir: values['held-out'] });
  console.log(`held-out accuracy ${(built.heldOutAccuracy * 100).toFixed(1)}% on ${built.heldOut} questions; ${built.examples} training examples`);
  const dir = await makeRelease(values, 'model', built.dir, built.probe);
  if (values.to) await push({ ...values, release: dir });
}

async function readRelease(dir: string): Promise<{ manifest: ReleaseManifest; manifestText: string; signature: string }> {
  const manifestText = await readFile(path.join(dir, 'manifest.json'), 'utf8');
  const signature = (await readFile(path.join(dir, 'manifest.sig'), 'utf8')).trim();
  const manifest = JSON.parse(manifestText) as ReleaseManifest;
  return { manifest, manifestText, signature };
}

async function push(values: Values): Promise<void> {
  const dir = need(values, 'release');
  const target = parseTarget(need(values, 'to'));
  const hub = await hubClient(values);
  const { manifest, manifestText, signature } = await readRelease(dir);
  for (const file of manifest.files) {
    await hub('PUT', `/api/releases/${manifest.id}/files/${file.path.split('/').map(encodeURIComponent).join('/')}`, undefined, path.join(dir, 'files', file.path));
  }
  await hub('PUT', `/api/releases/${manifest.id}`, { manifest: manifestText, signature });
  const rollout = (await hub('POST', '/api/rollouts', { releaseId: manifest.id, target })) as { id: string; devices: string[] };
  console.log(`rollout ${rollout.id}: ${manifest.kind} ${manifest.version} to ${rollout.devices.length} device(s): ${rollout.devices.join(', ')}`);
}

interface StatusAnswer {
  rollout: { id: string; kind: string; version: string; createdAt: string; rolledBackAt: string | null };
  devices: { deviceId: string; state: string; reason: string | null; at: string }[];
  counts: Record<string, number>;
}

async function status(values: Values, id: string | undefined): Promise<void> {
  const hub = await hubClient(values);
  if (!id) {
    const { rollouts } = (await hub('GET', '/api/rollouts')) as { rollouts: StatusAnswer['rollout'][] };
    for (const r of rollouts) {
      const s = (await hub('GET', `/api/rollouts/${r.id}`)) as StatusAnswer;
      console.log(`${r.id}  ${r.createdAt}  ${r.kind} ${r.version}  ${Object.entries(s.counts).map(([k, n]) => `${k} ${n}`).join(', ')}${r.rolledBackAt ? '  (rolled back)' : ''}`);
    }
    if (rollouts.length === 0) console.log('no rollouts yet');
    return;
  }
  const s = (await hub('GET', `/api/rollouts/${id}`)) as StatusAnswer;
  console.log(`rollout ${s.rollout.id}: ${s.rollout.kind} ${s.rollout.version}${s.rollout.rolledBackAt ? `, rolled back ${s.rollout.rolledBackAt}` : ''}`);
  for (const d of s.devices) console.log(`  ${d.deviceId.padEnd(24)} ${d.state.padEnd(12)} ${d.at}${d.reason ? `  ${d.reason}` : ''}`);
  console.log(JSON.stringify(s.counts));
}

async function devices(values: Values): Promise<void> {
  const hub = await hubClient(values);
  const fleet = (await hub('GET', '/api/fleet')) as { devices: { deviceId: string; group: string; online: boolean; lastSeen: string; versions: Record<string, string | null>; outboxBacklog: number }[] };
  for (const d of fleet.devices) {
    console.log(`${d.deviceId.padEnd(24)} ${d.group.padEnd(12)} ${d.online ? 'online ' : 'offline'} ${d.lastSeen}  model ${d.versions.model ?? 'built-in'}  knowledge ${d.versions.knowledge ?? 'seed'}  backlog ${d.outboxBacklog}`);
  }
  if (fleet.devices.length === 0) console.log('no device has reported yet');
}

async function configure(values: Values): Promise<void> {
  const settings: Record<string, string | number> = {};
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--set takes name=value, not ${JSON.stringify(pair)}`);
    const name = pair.slice(0, eq);
    if (!(REMOTE_SETTINGS as readonly string[]).includes(name)) throw new UsageError(`${name} cannot be set remotely; these can: ${REMOTE_SETTINGS.join(', ')}`);
    const raw = pair.slice(eq + 1);
    settings[name] = raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  if (Object.keys(settings).length === 0) throw new UsageError('give at least one --set name=value');
  const hub = await hubClient(values);
  const answer = (await hub('POST', '/api/config', { settings, target: parseTarget(need(values, 'to')) })) as { version: string; devices: string[] };
  console.log(`configuration ${answer.version} sent to ${answer.devices.length} device(s); it takes effect at their next start`);
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, arg] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  switch (command) {
    case 'keygen': {
      const out = need(values, 'out');
      await mkdir(out, { recursive: true });
      const keys = generateFleetKeys();
      await writeFile(path.join(out, 'fleet-private.pem'), keys.privateKey, { mode: 0o600, flag: 'wx' });
      await writeFile(path.join(out, 'fleet-public.pem'), keys.publicKey, { flag: 'wx' });
      console.log(`wrote ${path.join(out, 'fleet-private.pem')} (keep it secret) and ${path.join(out, 'fleet-public.pem')} (give it to every appliance and hub)`);
      return;
    }
    case 'create':
      return create(values);
    case 'verify': {
      const release = await readRelease(need(values, 'release'));
      verifyManifest(release.manifestText, release.signature, await readFile(need(values, 'key'), 'utf8'));
      console.log(`release ${release.manifest.id}: signature good`);
      return;
    }
    case 'push':
      return push(values);
    case 'intent-release':
      return intentRelease(values);
    case 'status':
      return status(values, arg);
    case 'rollback': {
      if (!arg) throw new UsageError('rollback needs a rollout id (see: npm run fleet -- status)');
      const hub = await hubClient(values);
      const rollout = (await hub('POST', `/api/rollouts/${encodeURIComponent(arg)}/rollback`)) as { devices: string[] };
      console.log(`rollback sent to ${rollout.devices.length} device(s); follow it with: npm run fleet -- status ${arg}`);
      return;
    }
    case 'devices':
      return devices(values);
    case 'config':
      return configure(values);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(`fleet: ${err.message}`);
  if (err instanceof UsageError) console.error('run npm run fleet -- --help for the commands');
  process.exitCode = err instanceof UsageError || err instanceof ReleaseError ? 2 : 1;
});
