import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHUNK_BYTES, topics } from '../../protocol/index.js';
import { buildManifest, generateFleetKeys, signManifest } from '../../protocol/index.js';
import { loadIntentModel } from '../../device/routing/index.js';
import { startTestAppliance, type TestAppliance } from '../helpers/appliance.js';
import { HUB_USER, startTestFleet, startTestHub, type TestFleet } from '../helpers/fleet.js';
import { smallIntentModel, smallTaxonomy } from '../helpers/intent-model.js';
import { ROOT } from '../helpers/process.js';

const DEVICE = 'branch-north-1';

/**
 * The model the appliance ships with here, and the one the model releases carry: a real model of the
 * product's classifier trained on a few areas of the taxonomy. The full artifact (~170 MB) takes over a
 * minute per push in 256 KiB chunks over MQTT, and the tests below push a model three times.
 */
let modelDir: string;

let fleet: TestFleet;
let hub: Awaited<ReturnType<typeof startTestHub>>;
let appliance: TestAppliance;
const work = mkdtempSync(join(tmpdir(), 'branchline-releases-'));

function fleetCli(...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'hub', 'fleet', 'cli.ts'), ...args], {
    cwd: ROOT,
    // No public data for `intent-release`: the small taxonomy below trains in seconds without it.
    env: { PATH: process.env.PATH ?? '', BRANCHLINE_HUB_URL: hub.url!, BRANCHLINE_FLEET_OPERATOR: hub.operator.name, BRANCHLINE_FLEET_PASSWORD: hub.operator.password, BRANCHLINE_PUBLIC_INTENT_DATA: join(work, 'no-public-data') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

const localized = (s: string) => ({ 'zh-Hant': s, 'zh-Hans': s, en: s });
function article(key: string, title: string, products: string[] = []) {
  return { key, intents: ['finance.cards.lost_stolen_card'], products, policies: [], title: localized(title), body: localized(`${title}: the steps.`), keywords: { 'zh-Hant': [], 'zh-Hans': [], en: [] }, validFrom: '2026-01-01', validUntil: null };
}

function knowledgeFolder(name: string, bundle: unknown): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle));
  return dir;
}

async function createRelease(...args: string[]): Promise<string> {
  const result = await fleetCli('create', '--key', fleet.privateKeyFile, '--out', join(work, 'releases'), ...args);
  expect(result.code, result.out).toBe(0);
  return result.out.trim().split('\n').at(-1)!;
}

async function pushed(releaseDir: string): Promise<string> {
  const result = await fleetCli('push', '--release', releaseDir, '--to', 'group:north');
  expect(result.code, result.out).toBe(0);
  return /rollout (\S+):/.exec(result.out)![1]!;
}

async function deviceState(rolloutId: string): Promise<{ state: string; reason: string | null }> {
  const status = await hub.hub.status(rolloutId);
  return status.devices.find((d) => d.deviceId === DEVICE)!;
}

async function settled(rolloutId: string, state: string, timeout = 60_000): Promise<{ state: string; reason: string | null }> {
  await vi.waitFor(async () => expect((await deviceState(rolloutId)).state).toBe(state), { timeout, interval: 200 });
  return deviceState(rolloutId);
}

/** Uploads and seals a release through the hub API, then lets `damage` change the hub's stored copy before the rollout. */
async function pushDamaged(releaseDir: string, damage: (bytes: Buffer) => Buffer): Promise<string> {
  const manifestText = readFileSync(join(releaseDir, 'manifest.json'), 'utf8');
  const { id } = JSON.parse(manifestText) as { id: string };
  const auth = { authorization: `Bearer ${hub.token}` };
  const body = readFileSync(join(releaseDir, 'files', 'bundle.json'));
  const upload = await fetch(`${hub.url}/api/releases/${id}/files/bundle.json`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body });
  expect(upload.status).toBe(200);
  const seal = await fetch(`${hub.url}/api/releases/${id}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ manifest: manifestText, signature: readFileSync(join(releaseDir, 'manifest.sig'), 'utf8') }) });
  expect(seal.status).toBe(200);
  // bundle.json is one chunk: the whole file is that row.
  const [stored] = await hub.hub.store.db.query<{ data: Buffer }>("SELECT data FROM hub_release_chunks WHERE release_id = $1 AND path = 'bundle.json' AND idx = 0", [id]);
  await hub.hub.store.db.query("UPDATE hub_release_chunks SET data = $1 WHERE release_id = $2 AND path = 'bundle.json' AND idx = 0", [damage(Buffer.from(stored!.data)), id]);
  const rollout = await fetch(`${hub.url}/api/rollouts`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ releaseId: id, target: { group: 'north' } }) });
  expect(rollout.status).toBe(201);
  return ((await rollout.json()) as { id: string }).id;
}

beforeAll(async () => {
  modelDir = await smallIntentModel();
  fleet = await startTestFleet([DEVICE]);
  hub = await startTestHub(fleet, 'releases', { http: true });
  appliance = await startTestAppliance(applianceEnv());
  await vi.waitFor(async () => expect((await hub.hub.store.devices()).map((d) => d.deviceId)).toContain(DEVICE), { timeout: 10_000 });
}, 120_000);

function applianceEnv(): Record<string, string> {
  return {
    BRANCHLINE_DEVICE_ID: DEVICE,
    BRANCHLINE_DEVICE_GROUP: 'north',
    BRANCHLINE_MQTT_URL: fleet.broker.url,
    BRANCHLINE_MQTT_USERNAME: DEVICE,
    BRANCHLINE_MQTT_PASSWORD: fleet.password(DEVICE),
    BRANCHLINE_FLEET_PUBLIC_KEY_FILE: fleet.publicKeyFile,
    BRANCHLINE_HEARTBEAT_SECONDS: '1',
    // Shipped and released model are the same, as before with the full artifact: a fleet rollback goes back to this one.
    BRANCHLINE_INTENT_MODEL_DIR: modelDir,
    ...(process.env.TEST_DEVICE_LOG ? { BRANCHLINE_LOG_LEVEL: process.env.TEST_DEVICE_LOG } : {}),
  };
}

afterAll(async () => {
  await appliance?.stop();
  await hub?.close();
  await fleet?.broker.stop();
});

describe('fleet releases to an appliance through mosquitto', () => {
  it('installs a signed knowledge release, and rolls back by itself one whose bundle fails to import', async () => {
    const good = await createRelease('--kind', 'knowledge', '--from', knowledgeFolder('kb-1', { version: 'kb-2026.11', articles: [article('fleet-card-courier', 'Courier a replacement card overnight')] }), '--version', 'kb-2026.11');
    const rollout = await pushed(good);
    expect(await settled(rollout, 'active')).toMatchObject({ reason: null });
    expect(appliance.knowledge.indexes.search('courier replacement card overnight', 'en').map((r) => r.key)).toContain('fleet-card-courier');
    await vi.waitFor(async () => expect((await hub.hub.store.devices()).find((d) => d.deviceId === DEVICE)?.versions.knowledge).toBe('kb-2026.11'), { timeout: 10_000 });

    // An article naming a product nobody has: the bundle does not import, so the device stays on kb-2026.11.
    const broken = await createRelease('--kind', 'knowledge', '--from', knowledgeFolder('kb-2', { version: 'kb-2026.12', articles: [article('fleet-card-drone', 'Drone delivery of cards', ['prd-does-not-exist'])] }), '--version', 'kb-2026.12');
    const failing = await pushed(broken);
    const outcome = await settled(failing, 'rolled-back');
    expect(outcome.reason).toMatch(/health check failed: .*prd-does-not-exist/);
    expect(appliance.knowledge.indexes.search('drone delivery of cards', 'en').map((r) => r.key)).not.toContain('fleet-card-drone');
    expect((await appliance.cloud.sync.status()).versions.knowledge).toBe('kb-2026.11');

    const status = await fleetCli('status', failing);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(new RegExp(`${DEVICE}\\s+rolled-back`));
  }, 120_000);

  it('rejects and reports a tampered release and a truncated one, and one signed with another key', async () => {
    const bundle = { version: 'kb-t', articles: [article('fleet-tampered', 'Tampered article')] };
    const tampered = await pushDamaged(await createRelease('--kind', 'knowledge', '--from', knowledgeFolder('kb-t', bundle), '--version', 'kb-t'), (bytes) => Buffer.from(bytes.toString('utf8').replace('Tampered article', 'Tampared article')));
    expect((await settled(tampered, 'rejected')).reason).toMatch(/bundle\.json does not match its sha256/);

    const truncated = await pushDamaged(await createRelease('--kind', 'knowledge', '--from', knowledgeFolder('kb-u', { ...bundle, version: 'kb-u' }), '--version', 'kb-u'), (bytes) => bytes.subarray(0, 40));
    expect((await settled(truncated, 'rejected')).reason).toMatch(/bundle\.json is truncated: 40 of \d+ bytes/);

    const longer = await pushDamaged(await createRelease('--kind', 'knowledge', '--from', knowledgeFolder('kb-v', { ...bundle, version: 'kb-v' }), '--version', 'kb-v'), (bytes) => Buffer.concat([bytes, Buffer.from(' ')]));
    expect((await settled(longer, 'rejected')).reason).toMatch(/longer than the manifest/);
    expect(appliance.knowledge.indexes.search('tampered article', 'en').map((r) => r.key)).not.toContain('fleet-tampered');

    // A manifest signed with a key that is not the fleet's: the hub will not take it...
    const stranger = generateFleetKeys();
    const strangerKey = join(work, 'stranger.pem');
    writeFileSync(strangerKey, stranger.privateKey);
    const forgedDir = (await fleetCli('create', '--kind', 'knowledge', '--from', knowledgeFolder('kb-f', bundle), '--version', 'kb-f', '--key', strangerKey, '--out', join(work, 'releases'))).out.trim().split('\n').at(-1)!;
    const refused = await fleetCli('push', '--release', forgedDir, '--to', 'all');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/hub answered 400: the manifest signature does not verify/);
    // ...and a device given one directly (as by a compromised hub) rejects it and says so.
    const manifest = await buildManifest(knowledgeFolder('kb-g', bundle), 'knowledge', 'kb-g', null);
    const manifestText = JSON.stringify(manifest);
    const hubClient = await mqtt.connectAsync(fleet.broker.url, { protocolVersion: 5, username: HUB_USER, password: fleet.password(HUB_USER), clientId: 'forger' });
    await hubClient.publishAsync(topics.down(DEVICE, 'release'), JSON.stringify({ v: 1, manifest: manifestText, signature: signManifest(manifestText, stranger.privateKey) }), { qos: 1 });
    await hubClient.endAsync();
    await vi.waitFor(async () => {
      const reports = await hub.hub.store.recordsOf(DEVICE, 'rollout');
      expect(reports.map((r) => r.data)).toContainEqual({ releaseId: manifest.id, kind: 'knowledge', version: 'kb-g', state: 'rejected', reason: 'the manifest signature does not verify with the fleet key' });
    }, { timeout: 15_000 });
  }, 120_000);

  it('installs a model release after its probe answers, rolls back one whose probe fails, and rolls back on the fleet manager\'s command', async () => {
    const shipped = await loadIntentModel(modelDir);
    const probe = 'I lost my credit card yesterday, please block it';
    const expected = shipped.classifier.predict(probe, 1).ranked[0]!.label;

    const wrong = await createRelease('--kind', 'model', '--from', modelDir, '--version', 'intent-bad', '--probe-text', probe, '--probe-expect', 'general.chitchat.greeting');
    const failing = await pushed(wrong);
    expect((await settled(failing, 'rolled-back', 120_000)).reason).toMatch(new RegExp(`health check failed: the probe .* gave ${expected.replace(/\./g, '\\.')}, expected general\\.chitchat\\.greeting`));
    expect((await appliance.cloud.sync.status()).versions.model).toBeNull();

    const good = await createRelease('--kind', 'model', '--from', modelDir, '--version', 'intent-2026.11', '--probe-text', probe, '--probe-expect', expected);
    const rollout = await pushed(good);
    await settled(rollout, 'active', 120_000);
    expect((await appliance.cloud.sync.status()).versions.model).toBe('intent-2026.11');

    const back = await fleetCli('rollback', rollout);
    expect(back.code, back.out).toBe(0);
    await settled(rollout, 'rolled-back');
    expect((await appliance.cloud.sync.status()).versions.model).toBeNull();
    const again = await fleetCli('rollback', rollout);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already rolled back/);
  }, 400_000);

  it('trains one model from the devices\' labelled questions and installs it through the signed release path', async () => {
    // An agent corrects a routing at wrap-up: the question and the agent's label travel as the correction stream.
    const question = 'the blorptastic widget machine at the door ate it';
    const agentLabel = 'general.facilities.kiosk_not_working';
    expect(appliance.router.model.classifier.predict(question, 1).ranked[0]?.label).not.toBe(agentLabel);
    const session = await appliance.router.start('kiosk-1', 'en');
    await appliance.router.ask('kiosk-1', session.id, question);
    await appliance.router.wrapUp(session.id, 'agent-1', agentLabel, true);
    await vi.waitFor(async () => expect((await hub.hub.store.corrections()).map((c) => [c.deviceId, c.text, c.label])).toContainEqual([DEVICE, question, agentLabel]), { timeout: 20_000 });

    const { taxonomyDir, heldOutDir } = await smallTaxonomy(join(work, 'intent-small-taxonomy'));
    const result = await fleetCli('intent-release', '--version', 'intent-fleet-1', '--key', fleet.privateKeyFile, '--out', join(work, 'releases'), '--to', 'group:north', '--taxonomy', taxonomyDir, '--held-out', heldOutDir);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toMatch(/1 labelled question\(s\) from 1 device\(s\)/);
    expect(result.out).toMatch(/held-out accuracy \d+\.\d% on \d+ questions/);
    const rollout = /rollout (\S+):/.exec(result.out)![1]!;
    await settled(rollout, 'active', 120_000);
    expect((await appliance.cloud.sync.status()).versions.model).toBe('intent-fleet-1');
    expect(appliance.router.model.classifier.predict(question, 1).ranked[0]?.label).toBe(agentLabel);
    // Back to the shipped model, for the tests after this one.
    expect((await fleetCli('rollback', rollout)).code).toBe(0);
    await settled(rollout, 'rolled-back');
  }, 300_000);

  it('resumes a large download where it stopped after the appliance restarts', async () => {
    const shipped = await loadIntentModel(modelDir);
    const probe = 'what are your opening hours on saturday';
    const release = await createRelease('--kind', 'model', '--from', modelDir, '--version', 'intent-resume', '--probe-text', probe, '--probe-expect', shipped.classifier.predict(probe, 1).ranked[0]!.label);
    const manifest = JSON.parse(readFileSync(join(release, 'manifest.json'), 'utf8')) as { id: string; files: { size: number }[] };
    const chunksNeeded = manifest.files.reduce((n, f) => n + Math.max(1, Math.ceil(f.size / CHUNK_BYTES)), 0);
    // The stop must land well inside the download: with few chunks it could finish while the appliance closes.
    expect(chunksNeeded).toBeGreaterThanOrEqual(40);
    const servedBefore = hub.hub.stats.chunksServed;
    const rollout = await pushed(release);
    // Stop the appliance a third of the way through the download, then start it again on the same data.
    await vi.waitFor(() => expect(hub.hub.stats.chunksServed - servedBefore).toBeGreaterThan(chunksNeeded / 3), { timeout: 60_000, interval: 100 });
    await appliance.stop({ keepData: true });
    const servedAtStop = hub.hub.stats.chunksServed - servedBefore;
    appliance = await startTestAppliance(applianceEnv(), appliance.dataDir);
    await settled(rollout, 'active', 120_000);
    expect((await appliance.cloud.sync.status()).versions.model).toBe('intent-resume');
    // Only what was not yet on disk was fetched again (a chunk or two in flight at the stop may repeat).
    expect(hub.hub.stats.chunksServed - servedBefore).toBeLessThanOrEqual(chunksNeeded + 4);
    expect(servedAtStop).toBeLessThan(chunksNeeded);
  }, 300_000);
});
