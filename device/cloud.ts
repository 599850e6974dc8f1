import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { generateFleetKeys } from '../protocol/index.js';
// The one device file that imports the hub: an appliance without a fleet broker runs a hub in its own process.
import { localOperator, startHub, type RunningHub } from '../hub/index.js';
import { DeviceSync, FactsSweep, feedOutbox, Outbox, type EmbeddedBroker, type FeedSources, type MqttLink, type ReleaseHandler, type SessionFactsSource } from './sync/index.js';
import type { FactJournal } from './bus.js';
import { checkRemoteSettings, remoteConfigVersion, type Config } from './config.js';
import { importBundle, type Knowledge, type KnowledgeBundle } from './knowledge/index.js';
import { loadIntentModel, readArtifactTrainedAt, retrainedModelDir, type IntentArtifact } from './routing/index.js';

const APP_VERSION = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version as string;

export interface CloudSync {
  sync: DeviceSync;
  /** Sends each recent session's KPI facts when they change; the appliance schedules it once the KPI sources can be read. */
  factsSweep: FactsSweep;
  /** The embedded hub, when the appliance runs without a fleet broker. */
  hub: RunningHub | null;
  close(): Promise<void>;
}

/**
 * Without a fleet broker the appliance is its own fleet: the fleet key pair and the hub's operator account live in
 * `<dataDir>/fleet`, made at first start, so `npm run fleet` can sign and push releases to this machine.
 */
async function localFleetKeys(dir: string): Promise<string> {
  const publicFile = path.join(dir, 'fleet-public.pem');
  try {
    return await readFile(publicFile, 'utf8');
  } catch {
    // The folder holds the fleet's private key and the hub's token: for the appliance's user only.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keys = generateFleetKeys();
    await writeFile(path.join(dir, 'fleet-private.pem'), keys.privateKey, { mode: 0o600, flag: 'wx' });
    await writeFile(publicFile, keys.publicKey, { flag: 'wx' });
    return keys.publicKey;
  }
}

/**
 * The model in service: of the last fleet release that passed its health check and the last model this
 * appliance retrained with its agents' labels, the one trained later; else the one shipped in models/.
 */
export async function installedModelDir(config: Config): Promise<string> {
  const candidates: string[] = [];
  try {
    const state = JSON.parse(await readFile(path.join(config.dataDir, 'releases', 'model', 'state.json'), 'utf8')) as { current: { id: string } | null };
    if (state.current) candidates.push(path.join(config.dataDir, 'releases', 'model', state.current.id));
  } catch {
    // No release installed yet.
  }
  const retrained = await retrainedModelDir(config.dataDir);
  if (retrained) candidates.push(retrained);
  let newest: { dir: string; at: string } | null = null;
  for (const dir of candidates) {
    const at = await readArtifactTrainedAt(dir);
    if (at && (!newest || at > newest.at)) newest = { dir, at };
  }
  return newest?.dir ?? config.intentModelDir;
}

async function readBundle(dir: string): Promise<KnowledgeBundle> {
  return JSON.parse(await readFile(path.join(dir, 'bundle.json'), 'utf8')) as KnowledgeBundle;
}

/** Puts an intent model in service, with the stored data moved to its renamed labels first. */
export type InstallModel = (model: IntentArtifact) => Promise<void>;

function releaseHandlers(config: Config, installModel: InstallModel, knowledge: Knowledge): Record<'model' | 'knowledge', ReleaseHandler> {
  return {
    model: {
      async apply(dir, manifest) {
        const model = await loadIntentModel(dir);
        if (manifest.probe) {
          const answer = model.classifier.predict(manifest.probe.text, 1).ranked[0]?.label ?? 'out of scope';
          if (answer !== manifest.probe.expect) throw new Error(`the probe "${manifest.probe.text}" gave ${answer}, expected ${manifest.probe.expect}`);
        }
        await installModel(model);
      },
      async revert(dir) {
        await installModel(await loadIntentModel(dir ?? config.intentModelDir));
      },
    },
    knowledge: {
      async apply(dir, manifest) {
        await importBundle(knowledge, await readBundle(dir), `release ${manifest.version}`);
      },
      // Going back re-applies the previous bundle and retires what only the leaving one brought.
      async revert(dir, leaving) {
        const previous: KnowledgeBundle = dir ? await readBundle(dir) : { version: 'seed' };
        const kept = new Set((previous.articles ?? []).map((a) => a.key));
        const added = ((await readBundle(leaving)).articles ?? []).map((a) => a.key).filter((key) => !kept.has(key));
        await importBundle(knowledge, { ...previous, version: `rollback to ${previous.version}`, retire: [...(previous.retire ?? []), ...added.map((key) => ({ key, reason: 'release rolled back' }))] }, 'fleet rollback');
      },
    },
  };
}

/**
 * Feeds the journal's outbox and starts sending it. The feed is in place when this returns to its first
 * await, so call it before anything records the facts it feeds (a fact recorded earlier has no record).
 */
export async function startCloudSync(
  config: Config,
  link: MqttLink,
  broker: EmbeddedBroker | null,
  deps: { journal: FactJournal; sources: FeedSources; kpiFacts: SessionFactsSource; installModel: InstallModel; knowledge: Knowledge },
  log: Logger,
): Promise<CloudSync> {
  const outbox = new Outbox(deps.journal);
  feedOutbox(deps.journal, outbox, deps.sources, { corrections: config.syncIntentCorrections }, log);
  const factsSweep = new FactsSweep(deps.journal, outbox, deps.kpiFacts, log.child({ component: 'facts-sweep' }));
  const fleetDir = path.join(config.dataDir, 'fleet');
  let publicKeyPem: string | null = null;
  if (config.fleetPublicKeyFile) publicKeyPem = await readFile(config.fleetPublicKeyFile, 'utf8');
  else if (broker) publicKeyPem = await localFleetKeys(fleetDir);
  else log.warn('no BRANCHLINE_FLEET_PUBLIC_KEY_FILE: this appliance rejects every fleet release');

  let hub: RunningHub | null = null;
  if (broker && publicKeyPem) {
    hub = await startHub({
      dataDir: path.join(config.dataDir, 'hub'),
      databaseUrl: null,
      maxConnections: 1,
      mqtt: { url: broker.url, username: broker.username, password: broker.password, protocolVersion: broker.protocolVersion, clientId: 'branchline-embedded-hub' },
      // aedes, the embedded broker, has no shared subscriptions; there is one hub anyway.
      shared: false,
      http: { host: '127.0.0.1', port: config.embeddedHubPort },
      publicKeyPem,
      heartbeatSeconds: config.heartbeatSeconds,
      instance: 'embedded',
      log: log.child({ component: 'hub' }),
    });
    const operatorFile = path.join(fleetDir, 'hub-operator.json');
    // The fleet CLI on this machine signs in with the account in this file.
    await localOperator(hub, operatorFile);
    log.info({ url: hub.url, operatorFile }, 'embedded fleet hub started');
  }
  const sync = await DeviceSync.start(
    link,
    outbox,
    {
      deviceId: config.deviceId,
      group: config.deviceGroup,
      appVersion: APP_VERSION,
      dataDir: config.dataDir,
      heartbeatSeconds: config.heartbeatSeconds,
      publicKeyPem,
      handlers: releaseHandlers(config, deps.installModel, deps.knowledge),
      checkSettings: checkRemoteSettings,
      remoteConfigVersion: remoteConfigVersion(config.dataDir),
    },
    log,
  );
  return {
    sync,
    factsSweep,
    hub,
    async close() {
      sync.close();
      await hub?.close();
    },
  };
}
