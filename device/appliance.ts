import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { Cron } from 'croner';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { MqttLink, startEmbeddedBroker, type EmbeddedBroker } from '../cloud-sync/index.js';
import { Accounts } from './accounts/index.js';
import { Calls } from './calls/index.js';
import { EventBus } from './bus.js';
import type { Config } from './config.js';
import { MediaWorkers, pruneRecordings, tapProducer } from './media/index.js';
import { gatherFacts, loadCoachingTexts, QualityInspection } from './qa/index.js';
import { conversationStats, EmotionSensing, FaceAnalyser, FRAME_MS, loadRules, TextSentiment, VoiceAnalyser } from './sense/index.js';
import { answersBundle, FolderConnector, importBundle, Ingestion, Knowledge, KnowledgeTickets, readSeedBundle, readSourcesFile, Synonyms } from './knowledge/index.js';
import { Customers, EscalationLexicon, loadIntentModel, Presence, Router, type NewCustomer } from './routing/index.js';
import { installedModelDir, startCloudSync, type CloudSync } from './cloud.js';
import { Baseline, Metrics } from './metrics/index.js';
import { buildServer } from './server/index.js';
import { Store } from './store/index.js';

export interface FirstStartCredential {
  username: string;
  role: string;
  password: string;
}

export interface Appliance {
  app: FastifyInstance;
  bus: EventBus;
  store: Store;
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

const DEMO_AGENTS = [
  { username: 'agent.chen', displayName: '陳雅婷 Chen Ya-ting', language: 'zh-Hant', skillGroups: ['accounts', 'cards', 'loans', 'insurance', 'investment', 'fraud', 'general', 'vip'] },
  { username: 'agent.lee', displayName: 'Daniel Lee', language: 'en', skillGroups: ['orders', 'logistics', 'aftersales', 'payments', 'education', 'general'] },
] as const;

/** Demo customers for trying identification at the kiosk (listed in the README); numbers are not real. */
const DEMO_CUSTOMERS: NewCustomer[] = [
  { name: '王大明 Wang Da-ming', tier: 'vip', cardNumber: '4000001234567899', phone: '0912345678' },
  { name: 'Alex Chan', tier: 'standard', cardNumber: '4000009876543210', phone: '91234567' },
];

const LEXICON_FILE = new URL('../models/intent/escalation.json', import.meta.url);
const SYNONYMS_FILE = new URL('./knowledge/synonyms.json', import.meta.url);
const SEED_DIR = new URL('./knowledge/seed', import.meta.url);
const SENSE_LEXICON_FILE = new URL('../models/sense/lexicon.json', import.meta.url);
const SENSE_RULES_FILE = new URL('../models/sense/rules.json', import.meta.url);
const COACHING_FILE = new URL('../models/qa/coaching.json', import.meta.url);
/** The voice tap's audio: what pitch tracking needs and little more. */
const VOICE_SAMPLE_RATE = 16_000;
const VOICE_TAP_FRAME_MS = 100;
/** Face analysis frames: the detector works on 256 px anyway; this keeps decoding cheap. */
const FACE_WIDTH = 320;
const FACE_HEIGHT = 240;

/** Wires store, media, MQTT and HTTP together. Does not listen: the caller decides where. */
export async function startAppliance(config: Config, log: Logger): Promise<Appliance> {
  const bus = new EventBus();
  bus.onListenerError((name, err) => log.error({ event: name, err }, 'event listener failed'));
  const store = await Store.open(join(config.dataDir, 'branchline.json'));
  const stopped: (() => Promise<void> | void)[] = [() => store.close()];
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
    const knowledge = new Knowledge(store, bus, new Synonyms(SYNONYMS_FILE.pathname));
    if (knowledge.articleCount === 0) {
      // First start: the demo knowledge base and the bot's answer for every bot-tier intent.
      const seeded = await importBundle(knowledge, await readSeedBundle(SEED_DIR.pathname), 'seed');
      const answers = await importBundle(knowledge, answersBundle([...intentModel.labels.values()]), 'seed');
      log.info({ articles: seeded.added + answers.added }, 'demo knowledge base seeded');
    }
    const tickets = new KnowledgeTickets(store, bus, knowledge, { slaHours: config.ticketSlaHours, warnBeforeHours: config.ticketWarnHours });
    const deadlines = setInterval(() => {
      tickets.checkDeadlines().catch((err: Error) => log.error({ err: err.message }, 'ticket deadline check failed'));
    }, 60_000);
    deadlines.unref();
    stopped.push(() => clearInterval(deadlines));
    bus.on('knowledge.ticket.warning', (w) => log.warn({ ticket: w.number, kind: w.kind, dueAt: w.dueAt }, 'knowledge ticket deadline'));
    // A repeat question settles what the customer was shown before; a daily pass settles the quiet ones.
    const settle = (customerId: string | null, intent: string | null, sessionId: string | null) =>
      knowledge.settleByRepeats(customerId, intent, sessionId).catch((err: Error) => log.error({ err: err.message }, 'settling outcomes failed'));
    bus.on('routing.decided', (e) => (e.customerId ? settle(e.customerId, e.label, e.sessionId) : undefined));
    const quietDays = setInterval(() => settle(null, null, null), 3_600_000);
    quietDays.unref();
    stopped.push(() => clearInterval(quietDays));
    const monthlyReview = new Cron('0 9 1 * *', { protect: true }, () => {
      const due = knowledge.review();
      bus.emit('knowledge.review.ready', { articles: due.length, at: new Date().toISOString() });
      log.info({ articles: due.length }, 'monthly knowledge review ready (Admin -> Knowledge -> Monthly review)');
    });
    stopped.push(() => monthlyReview.stop());
    const inbox = config.knowledgeInboxDir ?? join(config.dataDir, 'knowledge-inbox');
    await mkdir(inbox, { recursive: true });
    const connectors = [new FolderConnector('inbox', inbox), ...(config.knowledgeSourcesFile ? await readSourcesFile(config.knowledgeSourcesFile) : [])];
    const ingestion = new Ingestion(store, bus, knowledge, connectors, log);
    ingestion.schedule(config.knowledgeIngestCron);
    stopped.push(() => ingestion.stop());
    const router = new Router(
      store,
      bus,
      intentModel,
      new EscalationLexicon(LEXICON_FILE.pathname),
      customers,
      { clarifyBelow: config.routingClarifyBelow, clarifyOptionFloor: 0.05, fallbackSkill: config.routingFallbackSkill },
      async ({ intent, text, lang, sessionId, customerId }) => {
        const [best] = await knowledge.recommend({ text, intent, lang, limit: 1, shownTo: { audience: 'bot', sessionId, customerId } });
        return best ? { exposureId: best.exposureId, title: best.title, body: best.body } : null;
      },
    );
    const cloud = await startCloudSync(config, mqtt, broker, { bus, router, knowledge }, log);
    stopped.push(() => cloud.close());
    const presence = new Presence(bus);
    const recordingsDir = join(config.dataDir, 'recordings');
    const calls = new Calls(
      store,
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
    const sensing = new EmotionSensing(store, bus, new TextSentiment(SENSE_LEXICON_FILE.pathname), loadRules(SENSE_RULES_FILE.pathname), analysisEnabled);
    // The customer's voice is analysed on the appliance as it arrives; only scores and events are kept.
    // Loaded at the first call that needs it: the models take a moment and most of a process's life has no call.
    let faces: Promise<FaceAnalyser> | null = null;
    // A tap runs many times a second: its first failure in a call is logged, the rest only counted.
    const tapFailed = (callId: string, analysis: string) => (err: Error, failures: number) => {
      if (failures === 1) log.warn({ callId, analysis, err: err.message }, 'analysis of a frame failed; later failures in this call are not logged');
    };
    stopped.push(async () => (faces ? (await faces.catch(() => null))?.close() : undefined));
    bus.on('call.producer', ({ callId, role, kind }) => {
      const record = calls.record(callId);
      if (role !== 'customer' || kind !== 'video' || config.faceFps === 0 || !record || !analysisEnabled(record.kioskId)) return;
      const source = calls.producerOf(callId, 'customer', 'video');
      if (!source) return;
      const ref = { sessionId: record.sessionId ?? callId, callId, kioskId: record.kioskId };
      faces ??= FaceAnalyser.create();
      // The tap drops frames while the analyser is busy, so the rate falls with the CPU and never lags.
      faces
        .then((face) =>
          tapProducer(source.router, source.producer, { kind: 'video', fps: config.faceFps, width: FACE_WIDTH, height: FACE_HEIGHT }, async (frame) => {
            await sensing.onFace(ref, await face.analyse(frame.data, FACE_WIDTH, FACE_HEIGHT), frame.at);
          }, tapFailed(callId, 'face')),
        )
        .catch((err: Error) => log.warn({ callId, err: err.message }, 'face analysis could not start'));
    });
    // Both sides' voice activity gives the call's talk statistics; the customer's voice is also analysed.
    const voices = new Map<string, Partial<Record<'customer' | 'agent', { analyser: VoiceAnalyser; startedAt: number }>>>();
    bus.on('call.producer', ({ callId, role, kind }) => {
      const record = calls.record(callId);
      if (kind !== 'audio' || !record || !analysisEnabled(record.kioskId)) return;
      const source = calls.producerOf(callId, role, 'audio');
      if (!source) return;
      const voice = { analyser: new VoiceAnalyser(VOICE_SAMPLE_RATE), startedAt: Date.now() };
      voices.set(callId, { ...voices.get(callId), [role]: voice });
      const ref = { sessionId: record.sessionId ?? callId, callId, kioskId: record.kioskId };
      tapProducer(source.router, source.producer, { kind: 'audio', sampleRate: VOICE_SAMPLE_RATE, frameMs: VOICE_TAP_FRAME_MS }, async (frame) => {
        // Time without audio (muted, or frames dropped while the analyser was busy) is silence.
        const utterances = [...voice.analyser.advanceTo(Date.now() - voice.startedAt - VOICE_TAP_FRAME_MS), ...voice.analyser.pushPcm(frame.data)];
        if (role === 'customer') for (const utterance of utterances) await sensing.onUtterance(ref, utterance);
      }, tapFailed(callId, 'voice')).catch((err: Error) => log.warn({ callId, err: err.message }, 'voice analysis could not start'));
    });
    bus.on('call.ended', ({ callId, sessionId, at }) => {
      const sides = voices.get(callId);
      voices.delete(callId);
      if (!sides?.customer || !sides.agent) return;
      // The statistics cover the call from its answer to its end on the wall clock: the taps start a
      // moment after the answer, at different moments, and stop hearing anything when a side mutes.
      const end = Date.parse(at);
      const answeredAt = calls.record(callId)?.answeredAt;
      const start = Math.min(answeredAt ? Date.parse(answeredAt) : Infinity, sides.customer.startedAt, sides.agent.startedAt);
      const align = (side: { analyser: VoiceAnalyser; startedAt: number }) => {
        side.analyser.advanceTo(end - side.startedAt);
        return [...new Array<boolean>(Math.max(0, Math.round((side.startedAt - start) / FRAME_MS))).fill(false), ...side.analyser.speechFlags];
      };
      const stats = conversationStats(align(sides.customer), align(sides.agent));
      sensing.recordCallStats(callId, sessionId, stats).catch((err: Error) => log.error({ err: err.message }, 'could not keep call talk statistics'));
    });

    const quality = new QualityInspection(store, bus, (sessionId) =>
      gatherFacts(
        {
          speech: null,
          session: (id) => router.sessionById(id),
          calls: (id) => calls.callsOfSession(id),
          exposures: (id) => knowledge.exposuresOf(id),
          recommendable: (articleId) => knowledge.recommendable(articleId),
          ticketOpened: (id) => tickets.list().some((t) => t.sessionId === id),
          timeline: (id) => sensing.timeline(id),
          alerts: (id) => sensing.alertsOf(id),
          talk: (callId) => sensing.callStats(callId),
        },
        sessionId,
      ),
      loadCoachingTexts(COACHING_FILE.pathname),
      { unwrappedAfterMs: config.qaUnwrappedMinutes * 60_000, onScoreFailed: (sessionId, err) => log.error({ sessionId, err: err.message }, 'a session could not be scored') },
    );

    const health = { store: () => store.health(), media: () => media.health(), mqtt: () => mqtt.health() };
    const metrics = new Metrics(store, accounts, calls, presence, health);
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
    const retention = setInterval(prune, 3_600_000);
    retention.unref();
    stopped.push(() => clearInterval(retention));

    // Last, so that a start that fails earlier never creates passwords nobody saw.
    const firstStartCredentials = await createFirstStartAccounts(accounts);
    if (firstStartCredentials.length > 0) for (const demo of DEMO_CUSTOMERS) await customers.add(demo);

    return { app, bus, store, media, mqtt, accounts, calls, router, customers, knowledge, tickets, ingestion, sensing, quality, cloud, metrics, firstStartCredentials, close: stopAll };
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

async function createFirstStartAccounts(accounts: Accounts): Promise<FirstStartCredential[]> {
  const admin = await accounts.ensureAdmin();
  if (!admin) return [];
  const credentials: FirstStartCredential[] = [{ ...admin, role: 'admin' }];
  for (const demo of DEMO_AGENTS) {
    const { password } = await accounts.createUser({ ...demo, skillGroups: [...demo.skillGroups], role: 'agent' });
    credentials.push({ username: demo.username, role: 'agent (demo)', password: password! });
  }
  return credentials;
}
