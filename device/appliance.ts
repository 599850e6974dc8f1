import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { importLegacyOutbox, MqttLink, Outbox, startEmbeddedBroker, type EmbeddedBroker } from './sync/index.js';
import { Accounts } from './accounts/index.js';
import { Calls } from './calls/index.js';
import { EventBus, type FactJournal } from './bus.js';
import type { Config } from './config.js';
import { MediaWorkers, pruneRecordings } from './media/index.js';
import { gatherFacts, loadCoachingTexts, QualityInspection } from './qa/index.js';
import { CallAnalysis, EmotionSensing, loadRules, TextSentiment } from './sense/index.js';
import { FolderConnector, Ingestion, Knowledge, KnowledgeTickets, readSourcesFile, scheduleKnowledge, seedKnowledge, Synonyms } from './knowledge/index.js';
import { Customers, CLARIFY_OPTION_FLOOR, EscalationLexicon, labelRenames, loadIntentModel, Presence, Router, scheduleIntentRetrain, type IntentArtifact } from './routing/index.js';
import { applyLabelRenames } from './label-renames.js';
import { installedModelDir, startCloudSync, type CloudSync } from './cloud.js';
import { Baseline, Metrics } from './metrics/index.js';
import { createFirstStartAccounts, type FirstStartCredential } from './first-start.js';
import { buildServer } from './server/index.js';
import { openJournal, legacyImporter, retentionRules } from './journals.js';
import { Store } from './store/index.js';
import { Retention } from './store/retention.js';

export interface Appliance {
  app: FastifyInstance;
  bus: EventBus;
  store: Store;
  journal: FactJournal;
  media: MediaWorkers;
  mqtt: MqttLink;
  accounts: Accounts;
  calls: Calls;
  router: Router;
  customers: Customers;
  knowledge: Knowledge;
  tickets: KnowledgeTickets;
  ingestion: Ingestion;
  sensing: EmotionSensing;
  quality: QualityInspection;
  cloud: CloudSync;
  metrics: Metrics;
  /** Accounts created at this start, with their one-time passwords; empty on every later start. */
  firstStartCredentials: FirstStartCredential[];
  close(): Promise<void>;
}

const LEXICON_FILE = new URL('../models/intent/escalation.json', import.meta.url);
const SYNONYMS_FILE = new URL('./knowledge/synonyms.json', import.meta.url);
const SENSE_LEXICON_FILE = new URL('../models/sense/lexicon.json', import.meta.url);
const SENSE_RULES_FILE = new URL('../models/sense/rules.json', import.meta.url);
const COACHING_FILE = new URL('../models/qa/coaching.json', import.meta.url);

/** Wires store, media, MQTT and HTTP together. Does not listen: the caller decides where. */
export async function startAppliance(config: Config, log: Logger): Promise<Appliance> {
  const bus = new EventBus();
  bus.onListenerError((name, err) => log.error({ event: name, err }, 'event listener failed'));
  // The journals open first: a v7 store moves its journals into them while it migrates.
  const journal = await openJournal(join(config.dataDir, 'branchline.db'), bus, log);
  const stopped: (() => Promise<void> | void)[] = [() => journal.close()];
  const stopAll = async (): Promise<void> => {
    for (const stop of [...stopped].reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, 'error while shutting down');
      }
    }
  };
  try {
    const store = await Store.open(join(config.dataDir, 'branchline.json'), { importLegacy: legacyImporter(journal, log) });
    stopped.push(() => store.close());
    const accounts = new Accounts(store, bus, config);
    const media = await MediaWorkers.start({ count: config.mediaWorkers, respawnDelayMs: config.mediaWorkerRespawnMs }, log, bus);
    stopped.push(() => media.close());

    let broker: EmbeddedBroker | null = null;
    if (!config.mqttUrl) {
      broker = await startEmbeddedBroker(config.embeddedMqttPort);
      stopped.push(() => broker!.close());
      log.info({ url: broker.url }, 'embedded MQTT broker started');
    }
    const mqtt = new MqttLink(
      {
        url: broker?.url ?? config.mqttUrl!,
        username: broker?.username ?? config.mqttUsername,
        password: broker?.password ?? config.mqttPassword,
        clientId: `branchline-${config.deviceId}`,
        protocolVersion: broker?.protocolVersion ?? 5,
        reconnectMaxMs: config.mqttReconnectMaxMs,
      },
      log,
    );
    stopped.push(() => mqtt.close());
    mqtt.onStatus((connected) => bus.emit('mqtt.status', { connected, at: new Date().toISOString() }));
    if (broker) await mqtt.waitConnected(5000);

    const intentModel = await loadIntentModel(await installedModelDir(config)).catch((err: Error) => {
      log.error({ err: err.message }, 'the installed model release does not load; using the model shipped in models/');
      return loadIntentModel(config.intentModelDir);
    });
    log.info({ labels: intentModel.labels.size, trainedAt: intentModel.manifest.trainedAt }, 'intent model loaded');
    const customers = new Customers(store);
    const knowledge = new Knowledge(journal, store, bus, new Synonyms(SYNONYMS_FILE.pathname));
    await applyLabelRenames(journal, knowledge, labelRenames(intentModel.labels.values()), log);
    await seedKnowledge(knowledge, [...intentModel.labels.values()], log);
    const tickets = new KnowledgeTickets(journal, knowledge, { slaHours: config.ticketSlaHours, warnBeforeHours: config.ticketWarnHours });
    const inbox = config.knowledgeInboxDir ?? join(config.dataDir, 'knowledge-inbox');
    await mkdir(inbox, { recursive: true });
    const connectors = [new FolderConnector('inbox', inbox), ...(config.knowledgeSourcesFile ? await readSourcesFile(config.knowledgeSourcesFile) : [])];
    const ingestion = new Ingestion(journal, knowledge, connectors, log);
    stopped.push(scheduleKnowledge({ journal, bus, knowledge, tickets, ingestion, log, ingestCron: config.knowledgeIngestCron }));
    const router = new Router(
      journal,
      intentModel,
      new EscalationLexicon(LEXICON_FILE.pathname),
      customers,
      { clarifyBelow: config.routingClarifyBelow, clarifyOptionFloor: CLARIFY_OPTION_FLOOR, fallbackSkill: config.routingFallbackSkill },
      (question) => knowledge.botAnswer(question),
    );
    // Before anything adds to the outbox: a v7 device's unsent records keep their sequence numbers.
    const legacyOutbox = await importLegacyOutbox(join(config.dataDir, 'outbox'), new Outbox(journal), journal);
    if (legacyOutbox) log.info({ records: legacyOutbox.records }, 'the v7 outbox was moved into the journal');
    // The feed reads a session's emotion summary only when a call ends; by then sensing exists.
    // A model from the fleet may rename labels: the stored data follows before it routes anything.
    const installModel = async (model: IntentArtifact) => {
      await applyLabelRenames(journal, knowledge, labelRenames(model.labels.values()), log);
      router.useModel(model);
    };
    if (config.intentRetrainCron) {
      stopped.push(scheduleIntentRetrain(config.intentRetrainCron, { examples: router.examples, current: () => router.model, install: installModel, dataDir: config.dataDir, log: log.child({ component: 'intent-retrain' }) }));
    }
    // The facts sweep reads the KPIs only once it is scheduled, after metrics exists (below).
    const kpiFacts = { sessionKpiFacts: (from: number, to: number, now: number) => metrics.reports.sessionKpiFacts(from, to, now) };
    const cloud = await startCloudSync(config, mqtt, broker, { journal, sources: { emotionSummary: (sessionId) => sensing.emotionSummary(sessionId) }, kpiFacts, installModel, knowledge }, log);
    stopped.push(() => cloud.close());
    const presence = new Presence(bus);
    const recordingsDir = join(config.dataDir, 'recordings');
    const calls = new Calls(
      journal,
      bus,
      media,
      presence,
      {
        kiosk: (id) => accounts.getKiosk(id)?.name ?? 'kiosk',
        agent: (id) => accounts.getUser(id)?.displayName ?? 'agent',
        agentSkills: (id) => accounts.getUser(id)?.skillGroups ?? [],
        route: (kioskId, sessionId) => router.queueRoute(kioskId, sessionId),
      },
      {
        reconnectSeconds: config.callReconnectSeconds,
        queue: { overflowAfterMs: config.routingOverflowSeconds * 1000, fallbackSkill: config.routingFallbackSkill, vipSkill: config.routingVipSkill },
        recordingsDir,
        rtc: { listenIp: config.rtcListenIp, announcedAddress: config.rtcAnnouncedAddress ?? defaultAnnouncedAddress(config.rtcListenIp), minPort: config.rtcMinPort, maxPort: config.rtcMaxPort },
      },
      log,
    );

    const analysisEnabled = (kioskId: string) => accounts.getKiosk(kioskId)?.analysisEnabled ?? false;
    const sensing = new EmotionSensing(journal, bus, new TextSentiment(SENSE_LEXICON_FILE.pathname), loadRules(SENSE_RULES_FILE.pathname), analysisEnabled);
    const analysis = new CallAnalysis(bus, sensing, calls, analysisEnabled, { faceFps: config.faceFps }, log);
    stopped.push(() => analysis.close());

    const quality = new QualityInspection(journal, store, bus, (sessionId) =>
      gatherFacts(
        {
          speech: null,
          session: (id) => router.sessionById(id),
          calls: (id) => calls.callsOfSession(id),
          exposures: (id) => knowledge.exposuresOf(id),
          recommendable: (articleId) => knowledge.recommendable(articleId),
          ticketOpened: (id) => tickets.ticketOpenedFor(id),
          emotion: (callId) => sensing.callEmotion(callId),
          alerts: (id) => sensing.alertsOf(id),
          talk: (callId) => sensing.callStats(callId),
        },
        sessionId,
      ),
      loadCoachingTexts(COACHING_FILE.pathname),
      { unwrappedAfterMs: config.qaUnwrappedMinutes * 60_000, onScoreFailed: (sessionId, err) => log.error({ sessionId, err: err.message }, 'a session could not be scored') },
    );

    const health = { store: () => store.health(), journal: () => journal.health(), media: () => media.health(), mqtt: () => mqtt.health() };
    const metrics = new Metrics(
      journal,
      {
        sessionsBetween: (from, to) => router.sessionOutlinesBetween(from, to),
        identifiedSessionsBetween: (from, to) => router.identifiedOutlinesBetween(from, to),
        callsBetween: (from, to) => calls.callsBetween(from, to),
        scorecardsBetween: (from, to) => quality.scorecardsBetween(from, to),
        recentAlerts: (limit, since) => sensing.alerts(limit, since),
      },
      accounts,
      calls,
      presence,
      health,
      { recordRetentionDays: config.recordRetentionDays },
    );
    stopped.push(cloud.factsSweep.schedule());
    for (const fact of ['routing.decided', 'call.answered', 'call.ended', 'routing.wrapped-up', 'qa.scorecard'] as const) stopped.push(bus.on(fact, () => cloud.factsSweep.soon()));
    const baseline = new Baseline(store, (text) => router.classify(text));
    const app = await buildServer({
      log,
      bus,
      deviceId: config.deviceId,
      webDir: config.webDir,
      cookieSecure: config.cookieSecure,
      accounts,
      presence,
      router,
      customers,
      knowledge,
      tickets,
      ingestion,
      sensing,
      quality,
      calls,
      cloud,
      metrics,
      baseline,
      health,
    });
    stopped.push(() => app.close());
    stopped.push(() => calls.closeAll());
    const interrupted = await calls.repairInterrupted();
    if (interrupted > 0) log.warn({ calls: interrupted }, 'calls left open by a crash or a failed write were closed as interrupted');

    const prune = (): void => {
      pruneRecordings(recordingsDir, config.recordingRetentionDays).then(
        (removed) => removed > 0 && log.info({ removed }, 'recordings past their retention removed'),
        (err: Error) => log.error({ err: err.message }, 'recording retention failed'),
      );
    };
    prune();
    const recordings = setInterval(prune, 3_600_000);
    recordings.unref();
    stopped.push(() => clearInterval(recordings));
    const retention = new Retention(journal, retentionRules(journal, config, (before) => metrics.days.rollUpBefore(before)), log);
    stopped.push(retention.schedule(3_600_000));

    // Last, so that a start that fails earlier never creates passwords nobody saw.
    const firstStartCredentials = await createFirstStartAccounts(accounts, customers);

    return { app, bus, store, journal, media, mqtt, accounts, calls, router, customers, knowledge, tickets, ingestion, sensing, quality, cloud, metrics, firstStartCredentials, close: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Browsers must be told an address they can reach. Listening on every interface, the first external
 * IPv4 address is the best guess; a branch with NAT sets BRANCHLINE_RTC_ANNOUNCED_ADDRESS.
 */
function defaultAnnouncedAddress(listenIp: string): string | undefined {
  if (listenIp !== '0.0.0.0' && listenIp !== '::') return undefined;
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  return external?.address ?? '127.0.0.1';
}
