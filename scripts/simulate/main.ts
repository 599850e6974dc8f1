/**
 * npm run simulate -- --scenarios 200 --kiosks 4 --agents 3 [--json] [--report FILE] [--seed N]
 *
 * Starts an appliance (temporary data, loopback, real HTTP and WebSocket), creates the agents and kiosks,
 * and plays the scenario catalogue (scripts/simulate/scenarios.json) round robin: each simulated kiosk
 * runs one visit at a time, each simulated agent takes the calls the appliance gives it, handles them
 * for a few seconds, ends them and wraps up. Media is left out: calls are set up and ended through
 * signalling only. Prints a progress bar on stderr, the KPIs, routing accuracy and the load at which the
 * 30-second response rate falls below 92%, writes an HTML report, and with --json prints one JSON object
 * as the last line of stdout.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { pino } from 'pino';
import { z } from 'zod';
import { startAppliance } from '../../device/appliance.js';
import { loadConfig } from '../../device/config.js';
import type { Kpis } from '../../device/metrics/index.js';
import { Http, Signalling, type Frame } from './actors.js';
import { loadAtServiceLevel } from './erlang.js';
import { reportHtml } from './report.js';

const KINDS = ['bot', 'specialist', 'vip', 'angry', 'unresolved', 'abandon', 'agent-away', 'network-drop'] as const;
const scenarioSchema = z.strictObject({
  kind: z.enum(KINDS),
  lang: z.enum(['zh-Hant', 'zh-Hans', 'en']),
  text: z.string().min(1).max(500),
  expect: z.string().nullable(),
  abandonAfterSeconds: z.number().positive().optional(),
  awaySeconds: z.number().positive().optional(),
});
type Scenario = z.infer<typeof scenarioSchema>;
const catalogue = z.strictObject({ about: z.string(), scenarios: z.array(scenarioSchema).min(1) }).parse(JSON.parse(readFileSync(new URL('./scenarios.json', import.meta.url), 'utf8'))).scenarios;

/** Visits take the kinds in turn (a bot question, a specialist one, a VIP, ...), so even a short run plays every kind. */
function playOrder(scenarios: Scenario[]): Scenario[] {
  const byKind = KINDS.map((kind) => scenarios.filter((s) => s.kind === kind)).filter((list) => list.length > 0);
  const order: Scenario[] = [];
  for (let round = 0; order.length < scenarios.length; round++) {
    for (const list of byKind) if (round < list.length) order.push(list[round]!);
  }
  return order;
}
const ordered = playOrder(catalogue);

const USAGE = 'usage: npm run simulate -- --scenarios N --kiosks K (1-100) --agents M (1-100) [--json] [--report FILE] [--seed N]\n';
function usage(): never {
  process.stderr.write(USAGE);
  process.exit(2);
}
let parsed;
try {
  parsed = parseArgs({
    options: {
      scenarios: { type: 'string', default: '200' },
      kiosks: { type: 'string', default: '4' },
      agents: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
      report: { type: 'string', default: 'simulation-report.html' },
      seed: { type: 'string', default: '7' },
    },
    strict: true,
  });
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  usage();
}
const { values } = parsed;
const count = Number(values.scenarios);
const kioskCount = Number(values.kiosks);
const agentCount = Number(values.agents);
if (![count, kioskCount, agentCount].every((n) => Number.isInteger(n) && n >= 1) || kioskCount > 100 || agentCount > 100) {
  usage();
}

let seed = Number(values.seed) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const between = (lo: number, hi: number) => lo + random() * (hi - lo);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SKILLS = ['accounts', 'cards', 'loans', 'insurance', 'investment', 'fraud', 'orders', 'logistics', 'aftersales', 'payments', 'education', 'general', 'vip'];
const DEMO_VIP_CARD = '4000001234567899';
const RECONNECT_SECONDS = 2;
const VISIT_TIMEOUT_MS = 90_000;

export type Outcome = 'bot' | 'served' | 'abandoned' | 'dropped' | 'failed';
export interface Played {
  kind: Scenario['kind'];
  lang: string;
  expect: string | null;
  routed: string | null;
  decision: string;
  outcome: Outcome;
  error?: string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'branchline-simulation-'));
const config = loadConfig({
  BRANCHLINE_DATA_DIR: dataDir,
  BRANCHLINE_EMBEDDED_MQTT_PORT: '0',
  BRANCHLINE_EMBEDDED_HUB_PORT: '0',
  BRANCHLINE_MEDIA_WORKERS: '1',
  BRANCHLINE_LOG_LEVEL: 'silent',
  BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1',
  BRANCHLINE_CALL_RECONNECT_SECONDS: String(RECONNECT_SECONDS),
  BRANCHLINE_FACE_FPS: '0',
});
const appliance = await startAppliance(config, pino({ level: 'silent' }));
await appliance.app.listen({ port: 0, host: '127.0.0.1' });
const port = (appliance.app.server.address() as AddressInfo).port;
const base = `http://127.0.0.1:${port}`;
const wsUrl = `ws://127.0.0.1:${port}/ws`;
const scenarioOfSession = new Map<string, Scenario>();

async function expectOk<T>(what: string, result: Promise<{ status: number; body: T }>): Promise<T> {
  const { status, body } = await result;
  if (status >= 300) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  return body;
}

class SimAgent {
  busy = false;
  away = false;
  handled = 0;
  private constructor(
    readonly http: Http,
    readonly ws: Signalling,
  ) {
    ws.on((frame) => {
      if (frame.type === 'callStarted' && frame.role === 'agent' && !frame.resumed) void this.handle(frame).catch(() => undefined);
    });
  }

  static async create(admin: Http, i: number): Promise<SimAgent> {
    const username = `sim.agent.${i}`;
    const password = `simulated agent ${i} ${Math.floor(random() * 1e9)}`;
    await expectOk('create agent', admin.call('POST', '/api/admin/users', { username, displayName: `Sim agent ${i}`, role: 'agent', language: 'en', password, skillGroups: SKILLS }));
    const http = new Http(base);
    await expectOk('agent login', http.call('POST', '/api/auth/login', { username, password }));
    const ws = await Signalling.open(wsUrl, { cookie: http.cookieHeader! });
    await ws.next((f) => f.type === 'ready', 5000);
    const agent = new SimAgent(http, ws);
    await agent.presence('available');
    return agent;
  }

  presence(state: string): Promise<unknown> {
    return expectOk('presence', this.http.call('PUT', '/api/agent/presence', { state }));
  }

  private async handle(started: Frame): Promise<void> {
    this.busy = true;
    const callId = started.callId as string;
    const sessionId = started.sessionId as string | null;
    const scenario = sessionId ? scenarioOfSession.get(sessionId) : undefined;
    const ended = this.ws.next((f) => f.type === 'callEnded' && f.callId === callId, 120_000);
    const handleMs = scenario?.kind === 'angry' || scenario?.kind === 'unresolved' ? between(2500, 5000) : between(1000, 3000);
    const first = await Promise.race([ended.then(() => 'ended' as const), sleep(handleMs).then(() => 'done' as const)]);
    if (first === 'done') await this.ws.request('endCall').catch(() => undefined);
    await ended;
    if (sessionId) {
      const routed = (await this.http.call<{ routed: { label: string } | null }>('GET', `/api/routing/sessions/${sessionId}/routed`)).body.routed;
      const label = scenario?.expect ?? routed?.label ?? 'general.chitchat.human_agent';
      await expectOk('wrap-up', this.http.call('POST', `/api/routing/sessions/${sessionId}/wrap-up`, { label, resolved: scenario?.kind !== 'unresolved' }));
    } else {
      await this.presence('available');
    }
    this.handled += 1;
    this.busy = false;
  }

  /** Steps away for a while if free: the customers waiting meanwhile need the other agents. */
  async stepAway(seconds: number): Promise<void> {
    if (this.busy || this.away) return;
    this.away = true;
    await this.presence('away');
    await sleep(seconds * 1000);
    await this.presence('available');
    this.away = false;
  }
}

class SimKiosk {
  private ws!: Signalling;
  /** Where the current visit is, for the message when one does not finish. */
  stage = 'idle';
  private constructor(
    readonly http: Http,
    private readonly token: string,
  ) {}

  static async create(admin: Http, i: number): Promise<SimKiosk> {
    const { token } = await expectOk<{ token: string }>('register kiosk', admin.call('POST', '/api/admin/kiosks', { name: `Sim kiosk ${i}` }));
    const kiosk = new SimKiosk(new Http(base, token), token);
    await kiosk.connect();
    return kiosk;
  }

  private async connect(): Promise<void> {
    this.ws = await Signalling.open(wsUrl);
    this.ws.send({ type: 'auth', kioskToken: this.token });
    await this.ws.next((f) => f.type === 'ready', 5000);
  }

  async play(scenario: Scenario, agents: SimAgent[]): Promise<Played> {
    const played: Played = { kind: scenario.kind, lang: scenario.lang, expect: scenario.expect, routed: null, decision: 'none', outcome: 'failed' };
    this.ws.forget();
    const { session } = await expectOk<{ session: { id: string } }>('start session', this.http.call('POST', '/api/kiosk/sessions', { lang: scenario.lang }));
    scenarioOfSession.set(session.id, scenario);
    if (scenario.kind === 'vip') await expectOk('identify', this.http.call('POST', `/api/kiosk/sessions/${session.id}/identify`, { method: 'card', value: DEMO_VIP_CARD }));
    type Reply = { decision: { kind: string; label: string | null; candidates?: { label: string }[] } };
    let reply = await expectOk<Reply>('ask', this.http.call('POST', `/api/kiosk/sessions/${session.id}/questions`, { text: scenario.text }));
    played.routed = reply.decision.label;
    if (reply.decision.kind === 'clarify') {
      // The customer picks the option that matches what they meant, else the first one.
      const options = (reply.decision.candidates ?? []).map((c) => c.label);
      const pick = scenario.expect && options.includes(scenario.expect) ? scenario.expect : options[0];
      if (pick) {
        reply = await expectOk<Reply>('choose', this.http.call('POST', `/api/kiosk/sessions/${session.id}/choice`, { label: pick }));
        played.routed = reply.decision.label;
      }
    }
    played.decision = reply.decision.kind;
    if (scenario.kind === 'bot' && reply.decision.kind === 'bot') {
      played.outcome = 'bot';
      await this.survey(session.id, scenario);
      return played;
    }
    if (scenario.kind === 'agent-away') {
      const free = agents.find((a) => !a.busy && !a.away);
      if (free) void free.stepAway(scenario.awaySeconds ?? 3).catch(() => undefined);
    }
    this.stage = 'requesting';
    const started = this.ws.next((f) => f.type === 'callStarted', 120_000);
    const requested = await this.ws.request('requestAgent', { lang: scenario.lang, sessionId: session.id });
    if (requested.type !== 'response') throw new Error(`requestAgent: ${JSON.stringify(requested)}`);
    if (scenario.kind === 'abandon') {
      const answered = await Promise.race([started.then(() => true), sleep((scenario.abandonAfterSeconds ?? 1) * 1000).then(() => false)]);
      if (!answered) {
        await this.ws.request('cancelRequest');
        played.outcome = 'abandoned';
        return played;
      }
    }
    this.stage = 'waiting for an agent';
    const call = await started;
    this.stage = 'in call';
    if (scenario.kind === 'network-drop') {
      await sleep(800);
      this.ws.cut();
      await sleep((RECONNECT_SECONDS + 1) * 1000);
      await this.connect();
      played.outcome = 'dropped';
      return played;
    }
    await this.ws.next((f) => f.type === 'callEnded' && f.callId === call.callId, 120_000);
    this.stage = 'survey';
    played.outcome = 'served';
    await this.survey(session.id, scenario);
    return played;
  }

  private async survey(sessionId: string, scenario: Scenario): Promise<void> {
    const unhappy = scenario.kind === 'angry' || scenario.kind === 'unresolved';
    const stars = unhappy ? Math.round(between(1, 3)) : Math.round(between(3.6, 5));
    const recommend = unhappy ? Math.round(between(0, 6)) : Math.round(between(7, 10));
    await expectOk('survey', this.http.call('POST', `/api/kiosk/sessions/${sessionId}/survey`, { stars, recommend }));
  }
}

const startedAt = new Date();
const played: Played[] = [];
let exitCode = 0;
try {
  const admin = new Http(base);
  const adminPassword = appliance.firstStartCredentials.find((c) => c.role === 'admin')!.password;
  await expectOk('admin login', admin.call('POST', '/api/auth/login', { username: 'admin', password: adminPassword }));
  const agents = await Promise.all(Array.from({ length: agentCount }, (_, i) => SimAgent.create(admin, i + 1)));
  const kiosks = await Promise.all(Array.from({ length: kioskCount }, (_, i) => SimKiosk.create(admin, i + 1)));

  const bar = new SingleBar({ format: 'simulating [{bar}] {value}/{total} visits | {eta_formatted} left', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 });
  bar.start(count, 0);
  let next = 0;
  await Promise.all(
    kiosks.map(async (kiosk) => {
      for (let i = next++; i < count; i = next++) {
        const scenario = ordered[i % ordered.length]!;
        try {
          played.push(await Promise.race([kiosk.play(scenario, agents), sleep(VISIT_TIMEOUT_MS).then(() => Promise.reject(new Error(`a ${scenario.kind} visit did not finish within ${VISIT_TIMEOUT_MS / 1000} s (${kiosk.stage})`)))]));
        } catch (err) {
          played.push({ kind: scenario.kind, lang: scenario.lang, expect: scenario.expect, routed: null, decision: 'none', outcome: 'failed', error: (err as Error).message });
        }
        bar.increment();
      }
    }),
  );
  bar.stop();
  // Let the last wrap-ups land before reading the figures.
  for (let i = 0; i < 100 && agents.some((a) => a.busy); i++) await sleep(100);

  const to = new Date(Date.now() + 1000).toISOString();
  const kpis = (await expectOk<{ overall: Kpis }>('kpis', admin.call('GET', `/api/metrics/kpis?from=${encodeURIComponent(startedAt.toISOString())}&to=${encodeURIComponent(to)}`))).overall;
  const byAgent = (await expectOk<{ groups: { key: string; kpis: Kpis }[]; labels: Record<string, string> }>('kpis by agent', admin.call('GET', `/api/metrics/kpis?group=agent&from=${encodeURIComponent(startedAt.toISOString())}&to=${encodeURIComponent(to)}`)));
  const judged = played.filter((p) => p.expect);
  const routingAccuracy = judged.length ? judged.filter((p) => p.routed === p.expect).length / judged.length : null;
  const durationSeconds = (Date.now() - startedAt.getTime()) / 1000;
  const agentRequests = played.filter((p) => p.outcome !== 'bot').length;
  const handleSeconds = kpis.averageHandleSeconds ?? 1;
  const summary = {
    scenarios: count,
    kiosks: kioskCount,
    agents: agentCount,
    durationSeconds: Math.round(durationSeconds * 10) / 10,
    failed: played.filter((p) => p.outcome === 'failed').length,
    outcomes: Object.fromEntries((['bot', 'served', 'abandoned', 'dropped', 'failed'] as const).map((o) => [o, played.filter((p) => p.outcome === o).length])),
    byKind: Object.fromEntries(KINDS.map((k) => [k, played.filter((p) => p.kind === k).length])),
    kpis,
    routingAccuracy,
    routingJudged: judged.length,
    offeredAgentRequestsPerHour: Math.round((agentRequests / durationSeconds) * 3600),
    // Extends the measured handle time with Erlang C to the load the run did not reach.
    loadAt92PercentResponse: {
      customersPerHourAskingForAnAgent: loadAtServiceLevel(agentCount, handleSeconds, 30, 0.92),
      agents: agentCount,
      averageHandleSeconds: Math.round(handleSeconds * 10) / 10,
      method: 'Erlang C with the measured average handle time; the 30-second rate falls below 92% above this load',
    },
    report: resolve(values.report!),
  };
  writeFileSync(summary.report, reportHtml(summary, played, byAgent));
  process.stderr.write(`report: ${summary.report}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (summary.failed > 0) {
    process.stderr.write(`${summary.failed} visits failed; first: ${played.find((p) => p.outcome === 'failed')?.error}\n`);
    exitCode = 1;
  }
} finally {
  await appliance.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
