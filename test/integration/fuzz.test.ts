import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { symbols as pinoSymbols, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RULE_KINDS } from '../../device/qa/index.js';
import type { FactJournal } from '../../device/bus.js';
import type { Store } from '../../device/store/index.js';
import { startTestAppliance, TestClient, type HttpResult, type TestAppliance } from '../helpers/appliance.js';
import {
  ALIEN_KEYS,
  changedKeys,
  deepJsonText,
  encode,
  excerpt,
  FrameSocket,
  incompatible,
  junkValue,
  malformedJson,
  NASTY_NUMBERS,
  NASTY_STRINGS,
  nastyString,
  parseRouteTree,
  Rng,
  tableRows,
  withProtoKey,
  type Answer,
  type RegisteredRoute,
} from '../helpers/fuzz.js';
import { WsClient } from '../helpers/ws-client.js';

/**
 * Issue 14, "kept as tests": thousands of hostile HTTP requests and WebSocket frames against a real
 * appliance. Every input that could write is made invalid by construction (a wrong identity, id, query
 * or body, chosen so the product must refuse it), so the assertions are exact: never a 5xx, a 4xx for
 * every invalid write, not one write to the store (lowdb) or the journal (every SQLite table), no crash;
 * a valid GET of every route writes nothing either; and valid writes around the fuzz still change them.
 * The run is deterministic: BRANCHLINE_FUZZ_SEED, _HTTP and _WS change the seed and the counts.
 */
const SEED = Number(process.env.BRANCHLINE_FUZZ_SEED ?? 0x14f022);
const HTTP_REQUESTS = count(process.env.BRANCHLINE_FUZZ_HTTP, 2_000);
const WS_FRAMES = count(process.env.BRANCHLINE_FUZZ_WS, 3_000);
const UNAUTHENTICATED_SOCKETS = 60;
const BODY_LIMIT = 64 * 1024;
const FRAME_LIMIT = 64 * 1024;
const REPORT_MAX = 25;
/** Unanswered frames after which the WebSocket fuzz stops and reports (a silent server would make every frame wait). */
const MAX_SILENCES = 3;

function count(value: string | undefined, fallback: number): number {
  const n = Number(value ?? fallback);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 100_000) : fallback;
}

// ---------------------------------------------------------------------------------------------------
// Who asks, and what each route accepts.

const ROLES = ['anonymous', 'kiosk', 'agent', 'supervisor', 'admin'] as const;
type Role = (typeof ROLES)[number];
/** Real identities and broken ones: forged, revoked, in the wrong header, from another origin. */
const IDENTITIES = [...ROLES, 'revoked-kiosk', 'forged-bearer', 'forged-cookie', 'kiosk-token-as-cookie', 'session-as-bearer', 'cross-origin-admin', 'garbage-auth'] as const;
type Who = (typeof IDENTITIES)[number];

type IdKind = 'user' | 'kiosk' | 'customer' | 'session' | 'ticket' | 'article' | 'baseline' | 'exposure' | 'scorecard' | 'call';
type Ids = Record<IdKind, string[]>;

interface RouteSpec {
  /** Identities its authentication lets through. */
  roles: readonly Role[];
  /** Valid input changes the store (default: every method but GET and HEAD). */
  writes?: boolean;
  /** A valid JSON body. */
  body?: (ids: Ids, rng: Rng) => Record<string, unknown>;
  /** The body is a CSV or JSON file read as text (the baseline import). */
  file?: true;
  bodyLimit?: number;
  /** The kind of id its `:id` names. */
  id?: IdKind;
  /** A valid query; values starting with @ name an id kind. */
  query?: Record<string, string>;
  /** Queries that make an otherwise valid request invalid. */
  badQueries?: Record<string, string>[];
  /** Answers 2xx without writing to callers its authentication refuses (logout). */
  noopForOthers?: true;
}

const ANY = ROLES;
const STAFF: readonly Role[] = ['agent', 'supervisor', 'admin'];
const SUPERVISORS: readonly Role[] = ['supervisor', 'admin'];
const ADMIN: readonly Role[] = ['admin'];
const KIOSK: readonly Role[] = ['kiosk'];

const localized = (text: string) => ({ 'zh-Hant': `${text} 繁`, 'zh-Hans': `${text} 简`, en: text });
const article = () => ({ key: 'fuzz.article', title: localized('Fuzz article'), body: localized('Fuzz body'), keywords: { 'zh-Hant': [], 'zh-Hans': [], en: ['fuzz'] }, validFrom: '2026-01-01', validUntil: null, intents: [], products: [], policies: [], supersedes: [], source: null });
/** An intent label of the taxonomy (models/intent/taxonomy/general.json). */
const LABEL = 'general.location.directions';
const VALID_CSV = 'date,channel,text,outcome\n2026-03-01,phone,my card was stolen,resolved\n2026-03-02,web,the app keeps crashing,unresolved\n';

/** Every route of device/server/routes and the signalling; routes added later get the generic fuzz. */
const SPECS: Record<string, RouteSpec> = {
  'GET /healthz': { roles: ANY },
  'GET /metrics': { roles: ANY },
  'GET /ws': { roles: ANY },
  'POST /api/auth/login': { roles: ANY, body: () => ({ username: 'admin', password: 'not the admin password' }) },
  'POST /api/auth/logout': { roles: STAFF, noopForOthers: true },
  'GET /api/auth/me': { roles: STAFF },
  'GET /api/admin/users': { roles: ADMIN },
  'GET /api/docs': { roles: ADMIN },
  'GET /api/docs/': { roles: ADMIN },
  'GET /api/docs/json': { roles: ADMIN },
  'GET /api/docs/yaml': { roles: ADMIN },
  'GET /api/docs/static/index.html': { roles: ADMIN },
  'GET /api/docs/static/swagger-initializer.js': { roles: ADMIN },
  'GET /api/docs/*': { roles: ADMIN },
  'POST /api/admin/users': { roles: ADMIN, body: () => ({ username: 'fuzz.created', displayName: 'Fuzz Created', language: 'en', skillGroups: ['general'], role: 'agent', password: 'a long enough password' }) },
  'PATCH /api/admin/users/:id': { roles: ADMIN, id: 'user', body: () => ({ displayName: 'Renamed', disabled: true, role: 'agent', language: 'en', skillGroups: ['general'] }) },
  'DELETE /api/admin/users/:id': { roles: ADMIN, id: 'user' },
  'POST /api/admin/users/:id/password': { roles: ADMIN, id: 'user' },
  'GET /api/admin/kiosks': { roles: ADMIN },
  'POST /api/admin/kiosks': { roles: ADMIN, body: () => ({ name: 'Fuzz kiosk 2', location: 'Hall', language: 'en' }) },
  'DELETE /api/admin/kiosks/:id': { roles: ADMIN, id: 'kiosk' },
  'PUT /api/admin/kiosks/:id/analysis': { roles: ADMIN, id: 'kiosk', body: () => ({ enabled: false }) },
  'GET /api/agent/presence': { roles: ['agent', 'supervisor'] },
  // Presence lives in memory, but the agent must stay available for the call at the end.
  'PUT /api/agent/presence': { roles: ['agent', 'supervisor'], writes: true, body: () => ({ state: 'away' }) },
  'GET /api/kiosk/me': { roles: KIOSK },
  'POST /api/kiosk/sessions': { roles: KIOSK, body: () => ({ lang: 'en' }) },
  'POST /api/kiosk/sessions/:id/questions': { roles: KIOSK, id: 'session', body: () => ({ text: 'I lost my credit card' }) },
  'POST /api/kiosk/sessions/:id/survey': { roles: KIOSK, id: 'session', body: () => ({ stars: 5, recommend: 10 }) },
  'POST /api/kiosk/sessions/:id/choice': { roles: KIOSK, id: 'session', body: () => ({ label: LABEL }) },
  'POST /api/kiosk/sessions/:id/identify': { roles: KIOSK, id: 'session', body: () => ({ method: 'phone', value: '0911222333' }) },
  'POST /api/kiosk/sessions/:id/feedback': { roles: KIOSK, id: 'session', body: (_ids, rng) => ({ exposureId: rng.uuid(), helpful: true }) },
  'GET /api/calls': { roles: SUPERVISORS, query: { limit: '10' } },
  'GET /api/calls/:id': { roles: SUPERVISORS, id: 'call' },
  'GET /api/calls/:id/media': { roles: SUPERVISORS, id: 'call' },
  'GET /api/routing/labels': { roles: STAFF, query: { lang: 'en' } },
  'GET /api/routing/sessions/:id/routed': { roles: STAFF, id: 'session' },
  'POST /api/routing/sessions/:id/wrap-up': { roles: STAFF, id: 'session', body: () => ({ label: LABEL, resolved: true }) },
  'GET /api/routing/sessions': { roles: SUPERVISORS, query: { limit: '5' } },
  'GET /api/routing/measures': { roles: SUPERVISORS },
  'GET /api/admin/customers': { roles: ADMIN },
  'POST /api/admin/customers': { roles: ADMIN, body: () => ({ name: 'Fuzzed Customer', tier: 'standard', phone: '0922333444' }) },
  'DELETE /api/admin/customers/:id': { roles: ADMIN, id: 'customer' },
  // Looking at recommendations writes nothing; the agent's page records what it shows with the POST.
  'GET /api/knowledge/recommendations': { roles: STAFF, query: { sessionId: '@session', lang: 'en' }, badQueries: [{ sessionId: 'not-a-uuid' }, { sessionId: '@random' }, { lang: 'xx' }, { sessionId: '' }] },
  'POST /api/knowledge/exposures': { roles: STAFF, body: (ids) => ({ sessionId: ids.session[0] ?? '', articles: [{ articleId: ids.article[0] ?? '', version: 1 }] }) },
  'POST /api/knowledge/exposures/:id/outcome': { roles: STAFF, id: 'exposure', body: () => ({ success: true }) },
  'GET /api/knowledge/search': { roles: SUPERVISORS, query: { q: 'card', lang: 'en', limit: '5' } },
  'GET /api/knowledge/articles/:id': { roles: SUPERVISORS, id: 'article' },
  'PUT /api/knowledge/articles': { roles: SUPERVISORS, body: article },
  'POST /api/knowledge/articles/:id/retire': { roles: SUPERVISORS, id: 'article', body: () => ({ reason: 'fuzz' }) },
  'GET /api/knowledge/tickets': { roles: STAFF, query: { status: 'open' } },
  'POST /api/knowledge/tickets': { roles: SUPERVISORS, body: () => ({ question: 'Fuzz question', intent: null, lang: 'en' }) },
  'POST /api/knowledge/tickets/:id/assign': { roles: SUPERVISORS, id: 'ticket', body: () => ({ assignee: 'fuzz.super' }) },
  'POST /api/knowledge/tickets/:id/comments': { roles: STAFF, id: 'ticket', body: () => ({ text: 'a comment' }) },
  'POST /api/knowledge/tickets/:id/resolve': { roles: SUPERVISORS, id: 'ticket', body: (ids) => ({ articleId: ids.article[0] ?? '' }) },
  'GET /api/knowledge/review': { roles: SUPERVISORS },
  'GET /api/knowledge/ingest': { roles: SUPERVISORS },
  'POST /api/knowledge/ingest/run': { roles: ADMIN },
  'POST /api/knowledge/releases': { roles: ADMIN, bodyLimit: 16 * 1024 * 1024, body: () => ({ version: 'fuzz-1', products: [], policies: [], articles: [article()], retire: [] }) },
  'GET /api/sense/sessions/:id/timeline': { roles: STAFF, id: 'session' },
  'GET /api/sense/calls/:id/stats': { roles: SUPERVISORS, id: 'call' },
  'GET /api/sense/alerts': { roles: SUPERVISORS, query: { limit: '5' } },
  'GET /api/qa/form': { roles: STAFF },
  'PUT /api/qa/form': {
    roles: SUPERVISORS,
    body: () => ({ name: 'Fuzz form', sections: [{ id: 'fuzz', title: 'Fuzz', questions: [{ id: 'fuzz-q', title: 'Fuzz?', weight: 1, rule: RULE_KINDS[0], params: {} }] }] }),
  },
  'GET /api/qa/scorecards': { roles: STAFF, query: { limit: '5', agentId: '@user' } },
  'GET /api/qa/coaching': { roles: STAFF, query: { agentId: '@user', days: '7', lang: 'en' } },
  'GET /api/qa/handbook': { roles: SUPERVISORS },
  'GET /api/qa/handbook.md': { roles: SUPERVISORS },
  'GET /api/qa/scorecards/:id': { roles: STAFF, id: 'scorecard' },
  'POST /api/qa/scorecards/:id/override': { roles: SUPERVISORS, id: 'scorecard', body: () => ({ questionId: 'greeting', score: 0.5, reason: 'fuzz' }) },
  'POST /api/qa/scorecards/:id/dispute': { roles: STAFF, id: 'scorecard', body: () => ({ questionId: 'greeting', reason: 'fuzz' }) },
  'GET /api/admin/sync': { roles: SUPERVISORS },
  'GET /api/metrics/kpis': { roles: SUPERVISORS, query: { from: '2026-01-01', to: '2026-01-31', group: 'skill' } },
  'GET /api/metrics/wallboard': { roles: SUPERVISORS },
  'POST /api/admin/baseline': { roles: SUPERVISORS, file: true, bodyLimit: 10 * 1024 * 1024, query: { name: 'fuzz' }, badQueries: [{ name: '' }, { name: 'x'.repeat(101) }, { extra: '1' }] },
  'GET /api/admin/baseline': { roles: SUPERVISORS },
  'GET /api/admin/baseline/:id': { roles: SUPERVISORS, id: 'baseline' },
  'GET /api/admin/baseline/:id/report.html': { roles: SUPERVISORS, id: 'baseline' },
};

/** For routes nobody described here yet: refused before any handler runs, whoever may call them. */
const GENERIC: RouteSpec = { roles: [] };

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON'];
const UNSUPPORTED_TYPES = ['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=fuzz', 'text/html', 'application/octet-stream', 'image/png', 'application/vnd.api+json'];
const FILE_TYPES = ['text/csv', 'text/plain', 'text/csv; charset=utf-8'];
const CROSS_ORIGINS = ['http://evil.example', 'null', 'file://', 'http://localhost:8080', 'https://localhost', 'chrome-extension://abcdef'];

// ---------------------------------------------------------------------------------------------------
// State shared by the phases.

let appliance: TestAppliance;
let wsUrl: string;
const ids: Ids = { user: [], kiosk: [], customer: [], session: [], ticket: [], article: [], baseline: [], exposure: [], scorecard: [], call: [] };
const tokens = { kiosk: '', revokedKiosk: '', agent: '', supervisor: '', admin: '' };
/** A real token with its last character changed: always another character, so never the real token again. */
const tampered = (token: string): string => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
let agentHttp: TestClient;
let errorLog: string[] = [];
const processErrors: string[] = [];
const onRejection = (reason: unknown) => processErrors.push(`unhandledRejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
const onException = (err: Error) => processErrors.push(`uncaughtException: ${err.stack ?? err.message}`);

interface Snapshot {
  /** Each collection of the store (camelCase) and each table of the journal (snake_case), as JSON text. */
  contents: Record<string, string>;
  file: string;
}

function snapshot(): Snapshot {
  const collections = appliance.store.read((d) => Object.fromEntries(Object.entries(d).map(([key, value]) => [key, JSON.stringify(value)])));
  return { contents: { ...collections, ...tableRows(appliance.journal.db) }, file: readFileSync(appliance.store.file, 'utf8') };
}

function expectUnchanged(before: Snapshot, writes: string[], what = 'invalid input'): void {
  const after = snapshot();
  expect(writes, `store or journal writes (by the request in flight):\n${writes.slice(0, REPORT_MAX).join('\n')}`).toEqual([]);
  expect(changedKeys(before.contents, after.contents), `store collections or journal tables changed by ${what}`).toEqual([]);
  expect(after.file === before.file, `${appliance.store.file} changed on disk`).toBe(true);
}

/** Counts the store updates and journal writes that went through, each with the label the phase had set for its input in flight. */
function spyOnWrites(): { label: string; writes: string[]; restore(): void } {
  const { store, journal } = appliance;
  const spy = {
    label: 'outside any request',
    writes: [] as string[],
    restore: () => {
      Reflect.deleteProperty(store, 'update');
      Reflect.deleteProperty(journal, 'write');
    },
  };
  const update = store.update.bind(store);
  store.update = ((fn) => {
    const label = spy.label;
    return update((data) => {
      const result = fn(data);
      spy.writes.push(`store: ${label}`);
      return result;
    });
  }) satisfies Store['update'];
  const write = journal.write.bind(journal);
  journal.write = ((fn) => {
    const label = spy.label;
    return write((tx) => {
      const result = fn(tx);
      spy.writes.push(`journal: ${label}`);
      return result;
    });
  }) satisfies FactJournal['write'];
  return spy;
}


/** Error-level log lines (with their stacks) of the appliance's HTTP server, which the tests otherwise silence. */
function captureErrorLog(app: FastifyInstance): string[] {
  const lines: string[] = [];
  const log = app.log as unknown as Logger;
  log.level = 'error';
  Reflect.set(log, pinoSymbols.streamSym, { write: (line: string) => void (lines.length < 10_000 && lines.push(line)) });
  return lines;
}

function logSince(mark: number): string {
  return errorLog
    .slice(mark)
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; err?: { stack?: string; message?: string } };
        return `    log: ${entry.msg ?? ''} ${entry.err?.stack ?? entry.err?.message ?? ''}`.replace(/\n/g, '\n         ');
      } catch {
        return `    log: ${line}`;
      }
    })
    .join('\n');
}

function report(kind: string, findings: string[]): string {
  return `${findings.length} ${kind} (seed ${SEED}); the first ${Math.min(REPORT_MAX, findings.length)}:\n${findings.slice(0, REPORT_MAX).join('\n')}`;
}

function expectNoProcessErrors(): void {
  expect(processErrors, 'unhandled rejections or uncaught exceptions in the test process').toEqual([]);
  expect(Object.prototype, 'Object.prototype was polluted').not.toHaveProperty('polluted');
}

async function expectHealthy(): Promise<void> {
  const health = await appliance.app.inject({ method: 'GET', url: '/healthz' });
  expect(health.statusCode, `healthz: ${health.body}`).toBe(200);
}

async function validWrite(what: string, changes: string[], send: () => Promise<HttpResult>): Promise<HttpResult> {
  const before = snapshot();
  const res = await send();
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(200);
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  expect(changedKeys(before.contents, snapshot().contents), `${what} changes the store or the journal`).toEqual(expect.arrayContaining(changes));
  return res;
}

const tokenOf = (client: TestClient) => client.cookie!.replace(/^bl_session=/, '');

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  appliance = await startTestAppliance({ BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1' });
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  wsUrl = `ws://127.0.0.1:${(appliance.app.server.address() as AddressInfo).port}/ws`;
  errorLog = captureErrorLog(appliance.app);
  // The KPI facts sweep writes on its own schedule and after facts: stopped (its last pass finished), every write seen here is a request's.
  appliance.cloud.factsSweep.stop();
  await appliance.cloud.factsSweep.runOnce();

  // Valid writes: each must change the store, and they give the fuzz real ids to aim at.
  const admin = new TestClient(appliance, '198.51.100.20');
  await validWrite('admin login', ['authSessions'], () => admin.login('admin', appliance.adminPassword));
  tokens.admin = tokenOf(admin);
  for (const [username, role] of [
    ['fuzz.agent', 'agent'],
    ['fuzz.super', 'supervisor'],
  ] as const) {
    const created = await validWrite(`create ${role}`, ['users'], () =>
      admin.request('POST', '/api/admin/users', { username, displayName: `Fuzz ${role}`, language: 'en', role, password: `${role} password for the fuzz`, skillGroups: ['general'] }),
    );
    ids.user.push((created.body.user as { id: string }).id);
    const client = new TestClient(appliance, role === 'agent' ? '198.51.100.21' : '198.51.100.22');
    await validWrite(`${role} login`, ['authSessions'], () => client.login(username, `${role} password for the fuzz`));
    tokens[role] = tokenOf(client);
    if (role === 'agent') agentHttp = client;
  }
  const kiosk = await validWrite('create kiosk', ['kiosks'], () => admin.request('POST', '/api/admin/kiosks', { name: 'Fuzz kiosk', location: 'Lobby' }));
  tokens.kiosk = kiosk.body.token as string;
  ids.kiosk.push((kiosk.body.kiosk as { id: string }).id);
  const revoked = await validWrite('create kiosk to revoke', ['kiosks'], () => admin.request('POST', '/api/admin/kiosks', { name: 'Revoked kiosk' }));
  tokens.revokedKiosk = revoked.body.token as string;
  const revokedId = (revoked.body.kiosk as { id: string }).id;
  await validWrite('revoke kiosk', ['kiosks'], () => admin.request('DELETE', `/api/admin/kiosks/${revokedId}`));
  ids.kiosk.push(revokedId);
  const customer = await validWrite('create customer', ['customers'], () => admin.request('POST', '/api/admin/customers', { name: 'Fuzz Customer', tier: 'standard', phone: '0987654321' }));
  ids.customer.push((customer.body.customer as { id: string }).id);
  const kioskHttp = new TestClient(appliance, '198.51.100.23');
  const session = await validWrite('start kiosk session', ['routing_sessions'], () => kioskHttp.request('POST', '/api/kiosk/sessions', { lang: 'en' }, { authorization: `Bearer ${tokens.kiosk}` }));
  ids.session.push((session.body.session as { id: string }).id);
  const supervisor = new TestClient(appliance, '198.51.100.22');
  supervisor.cookie = `bl_session=${tokens.supervisor}`;
  const ticket = await validWrite('open ticket', ['knowledge_tickets'], () => supervisor.request('POST', '/api/knowledge/tickets', { question: 'Where is the fuzz branch?', intent: null, lang: 'en' }));
  ids.ticket.push((ticket.body.ticket as { id: string }).id);
  const baseline = await validWrite('import baseline', ['baselineReports'], () => supervisor.request('POST', '/api/admin/baseline?name=fuzz', VALID_CSV, { 'content-type': 'text/csv' }));
  ids.baseline.push((baseline.body.report as { id: string }).id);
  const search = await supervisor.request('GET', '/api/knowledge/search?q=card&lang=en&limit=3');
  ids.article.push(...(search.body.results as { articleId: string }[]).map((r) => r.articleId));
  expect(ids.article.length).toBeGreaterThan(0);

  // A session served, wrapped up and scored, with an article shown: real calls, scorecards and exposures to aim at.
  const served = await validWrite('start a session to serve', ['routing_sessions'], () => kioskHttp.request('POST', '/api/kiosk/sessions', { lang: 'en' }, { authorization: `Bearer ${tokens.kiosk}` }));
  const servedId = (served.body.session as { id: string }).id;
  ids.session.push(servedId);
  ids.call.push(await serveCall(servedId, 'hello before the fuzz'));
  await validWrite('wrap up the served session', ['routing_sessions'], () => agentHttp.request('POST', `/api/routing/sessions/${servedId}/wrap-up`, { label: LABEL, resolved: true }));
  const shown = await validWrite('show an article', ['knowledge_exposures'], () => agentHttp.request('POST', '/api/knowledge/exposures', { sessionId: servedId, articles: [{ articleId: ids.article[0], version: 1 }] }));
  ids.exposure.push(...(shown.body.exposures as { id: string }[]).map((e) => e.id));
  const scorecard = await vi.waitFor(
    () => {
      const card = appliance.quality.list({ limit: 5 }).find((c) => c.sessionId === servedId);
      expect(card, 'the served session is scored').toBeDefined();
      return card!;
    },
    { timeout: 10_000, interval: 50 },
  );
  ids.scorecard.push(scorecard.id);
  expect((await agentHttp.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
  // The hub's receipts delete outbox rows, writes that are no request's: the phases start once all are in.
  await vi.waitFor(async () => expect((await appliance.cloud.sync.status()).backlog).toBe(0), { timeout: 10_000, interval: 50 });
});

/** A kiosk's call answered by the fuzz agent: one chat line from the customer, then the agent ends it. Returns the call's id. */
async function serveCall(sessionId: string | null, text: string): Promise<string> {
  expect((await agentHttp.request('PUT', '/api/agent/presence', { state: 'available' })).status).toBe(200);
  const agent = await WsClient.open(wsUrl, { cookie: `bl_session=${tokens.agent}` });
  await agent.next((f) => f.type === 'ready');
  const kiosk = await WsClient.open(wsUrl);
  kiosk.send({ type: 'auth', kioskToken: tokens.kiosk });
  await kiosk.next((f) => f.type === 'ready');
  const requested = await kiosk.request('requestAgent', { lang: 'en', sessionId });
  expect(requested.type, JSON.stringify(requested)).toBe('response');
  const callId = (requested.data as { callId: string }).callId;
  expect(await agent.next((f) => f.type === 'callStarted')).toMatchObject({ callId, role: 'agent' });
  expect(await kiosk.next((f) => f.type === 'callStarted')).toMatchObject({ callId, role: 'customer' });
  expect((await kiosk.request('chat', { text })).type).toBe('response');
  expect((await agent.next((f) => f.type === 'chat')).message).toMatchObject({ from: 'customer', text });
  expect((await agent.request('endCall')).type).toBe('response');
  expect(await kiosk.next((f) => f.type === 'callEnded')).toMatchObject({ callId, reason: 'agent-ended' });
  kiosk.close();
  agent.close();
  return callId;
}

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
  await appliance?.stop();
});

// ---------------------------------------------------------------------------------------------------
// HTTP requests.

interface FuzzRequest {
  n: number;
  route: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  who: Who;
  /** Why the request is invalid; empty when it may well be valid (reads only). */
  broken: string[];
  mustFail: boolean;
  mayNoop: boolean;
}

function isAuthorised(spec: RouteSpec, who: Who, method: string): boolean {
  // Public routes need no identity: whatever comes along counts as authorised, so it breaks nothing.
  if (spec.roles === ANY) return true;
  if (who === 'cross-origin-admin') return !UNSAFE.has(method) && spec.roles.includes('admin');
  return (ROLES as readonly string[]).includes(who) && spec.roles.includes(who as Role);
}

function headersFor(rng: Rng, who: Who): Record<string, string> {
  const cookie = (token: string) => ({ cookie: `bl_session=${token}` });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const secret = () => Array.from({ length: 43 }, () => rng.pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'])).join('');
  switch (who) {
    case 'anonymous':
      return {};
    case 'kiosk':
      return bearer(tokens.kiosk);
    case 'agent':
    case 'supervisor':
    case 'admin':
      return cookie(tokens[who]);
    case 'revoked-kiosk':
      return bearer(tokens.revokedKiosk);
    case 'forged-bearer':
      return bearer(rng.pick([`bk_${ids.kiosk[0]}.${secret()}`, `bk_${rng.uuid()}.${secret()}`, tokens.kiosk.slice(0, -1), `${tokens.kiosk}x`]));
    case 'forged-cookie':
      return cookie(rng.pick([`bs_${rng.uuid()}.${secret()}`, tampered(tokens.admin), tokens.admin.split('.')[0]!, `${tokens.admin}.x`]));
    case 'kiosk-token-as-cookie':
      return cookie(tokens.kiosk);
    case 'session-as-bearer':
      return bearer(tokens.admin);
    case 'cross-origin-admin':
      return rng.chance(0.8) ? { ...cookie(tokens.admin), origin: rng.pick(CROSS_ORIGINS) } : { ...cookie(tokens.admin), 'sec-fetch-site': 'cross-site' };
    case 'garbage-auth':
      return rng.pick<Record<string, string>>([
        { authorization: 'Bearer' },
        { authorization: 'Bearer   ' },
        { authorization: `bearer ${tokens.kiosk}` },
        { authorization: `Bearer ${tokens.kiosk} ${tokens.kiosk}` },
        { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
        { authorization: `Bearer ${'A'.repeat(600)}` },
        { cookie: 'bl_session=' },
        { cookie: `bl_session=${'x'.repeat(600)}` },
        { cookie: 'bl_session=%' },
        { cookie: `bl_session=${encode('bs_ä.ö')}` },
        { cookie: `bl_session=bs_${'0'.repeat(36)}.; bl_session=${tokens.kiosk}` },
        { cookie: `BL_SESSION=${tokens.admin}` },
      ]);
  }
}

function junkSegment(rng: Rng, kind: IdKind | undefined): string {
  const other = Object.entries(ids).flatMap(([k, list]) => (k === kind ? [] : list));
  const existing = kind ? ids[kind] : [];
  return rng.pick([
    'not-a-uuid',
    '..',
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f%2e%2e%2f',
    '%00',
    `${rng.uuid()}%00`,
    '%zz',
    '%',
    '%ED%A0%80',
    '%C0%AE%C0%AE',
    'x'.repeat(rng.int(101, 5_000)),
    '%F0%9F%98%80',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    'prototype',
    '-1',
    '0',
    '1e999',
    '%20',
    ' ',
    'x%2Fy',
    '00000000-0000-0000-0000-000000000000',
    ...(existing.length ? [existing[0]!.toUpperCase(), `${existing[0]}%20`, `${existing[0]}.json`, `${existing[0]!.slice(0, -1)}`, `{${existing[0]}}`] : []),
    ...(other.length ? [rng.pick(other)] : []),
    rng.uuid(),
    '',
    ':id',
    '*',
    encode(nastyString(rng, 300)),
  ]);
}

/** Values naming an id kind take its first id, or `chosen` for that kind. */
function resolveQuery(query: Record<string, string>, rng: Rng, chosen?: { kind: IdKind; id: string }): Record<string, string> {
  const idOf = (kind: IdKind) => (kind === chosen?.kind ? chosen.id : (ids[kind][0] ?? rng.uuid()));
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v === '@random' ? rng.uuid() : v.startsWith('@') ? idOf(v.slice(1) as IdKind) : v]));
}

function queryString(entries: [string, string][]): string {
  return entries.length ? `?${entries.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}` : '';
}

/** A query: valid, with mutated values, extra or repeated keys, or raw junk. */
type QueryState = 'valid' | 'unknown' | 'broken';

function makeQuery(rng: Rng, spec: RouteSpec): { text: string; state: QueryState } {
  const base = Object.entries(resolveQuery(spec.query ?? {}, rng));
  const roll = rng.float();
  if (roll < 0.4) return { text: queryString(base), state: 'valid' };
  if (roll < 0.7) {
    const mutated = base.map(([k, v]): [string, string] => [k, rng.chance(0.5) ? v : rng.pick([nastyString(rng, 3_000), String(rng.pick(NASTY_NUMBERS)), '', v.repeat(50), rng.uuid()])]);
    return { text: queryString(mutated), state: 'unknown' };
  }
  if (roll < 0.85) {
    const extra: [string, string][] = [...base, ...base.slice(0, 1), [rng.pick([...ALIEN_KEYS, '__proto__', 'constructor[prototype][polluted]']), nastyString(rng, 500)]];
    return { text: queryString(extra), state: 'unknown' };
  }
  return {
    text: rng.pick(['?', '?&&&', '?=', '?%zz=1', '?a=%ED%A0%80', `?${'x'.repeat(rng.int(100, 8_000))}`, '?__proto__[polluted]=yes', '?constructor[prototype][polluted]=yes', '?limit=1&limit=2', '?q[]=1', `?${'a=1&'.repeat(500)}`]),
    state: 'unknown',
  };
}

type Json = Record<string, unknown>;

/** Changes that may or may not keep a body valid. */
function addNoise(rng: Rng, body: Json): void {
  for (let i = rng.int(0, 3); i > 0; i--) {
    const keys = Object.keys(body);
    if (keys.length === 0) return;
    const key = rng.pick(keys);
    const value = body[key];
    switch (rng.int(0, 5)) {
      case 0:
        delete body[key];
        break;
      case 1:
        body[key] = null;
        break;
      case 2:
        body[key] = typeof value === 'number' ? rng.pick(NASTY_NUMBERS) : nastyString(rng, 8_000);
        break;
      case 3:
        // Near the body limit.
        body[key] = 'x'.repeat(rng.int(BODY_LIMIT - 6_000, BODY_LIMIT - 200));
        break;
      case 4:
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          const inner = value as Json;
          const innerKeys = Object.keys(inner);
          if (innerKeys.length) inner[rng.pick(innerKeys)] = junkValue(rng);
        } else if (Array.isArray(value)) value.push(junkValue(rng));
        break;
      default:
        body[key] = typeof value === 'string' ? `${value}${rng.pick(NASTY_STRINGS)}` : value;
    }
  }
}

const BODY_BREAKERS = ['alien-key', 'wrong-type', 'proto-key', 'not-an-object', 'malformed-json', 'empty', 'unsupported-type', 'text-plain', 'oversized', 'near-limit-alien'] as const;
const FILE_BREAKERS = ['missing-column', 'empty', 'header-only', 'json-not-rows', 'malformed-json', 'unsupported-type'] as const;

interface Body {
  payload?: string;
  contentType?: string;
  broken?: string;
}

/** A JSON body built from a valid one: noise, and a breaker that the schema must refuse when asked for. */
function jsonBody(rng: Rng, spec: RouteSpec, mustBreak: boolean): Body {
  const valid = spec.body!(ids, rng);
  const body = structuredClone(valid);
  addNoise(rng, body);
  const contentType = rng.pick(JSON_TYPES);
  if (!mustBreak && rng.chance(0.3)) return { payload: JSON.stringify(body), contentType };
  const limit = spec.bodyLimit ?? BODY_LIMIT;
  const breakers = BODY_BREAKERS.filter((b) => b !== 'oversized' || limit === BODY_LIMIT);
  const breaker = rng.pick(breakers);
  switch (breaker) {
    case 'alien-key':
      body[rng.pick(ALIEN_KEYS)] = junkValue(rng);
      return { payload: JSON.stringify(body), contentType, broken: breaker };
    case 'wrong-type': {
      // Incompatible with the field's valid value, not with the noise: [] for a list that noise made null is no break.
      const keys = Object.keys(valid);
      if (keys.length === 0) body[rng.pick(ALIEN_KEYS)] = junkValue(rng);
      else {
        const key = rng.pick(keys);
        body[key] = incompatible(rng, valid[key]);
      }
      return { payload: JSON.stringify(body), contentType, broken: breaker };
    }
    case 'proto-key':
      return { payload: JSON.stringify(Object.assign(withProtoKey(rng, junkValue(rng)), body)), contentType, broken: breaker };
    case 'not-an-object':
      return { payload: rng.chance(0.2) ? deepJsonText(rng, rng.int(1_000, 10_000)) : JSON.stringify(rng.pick<unknown>([[], [body], 42, 'a string', true, null])), contentType, broken: breaker };
    case 'malformed-json':
      return { payload: malformedJson(rng, JSON.stringify(body)), contentType, broken: breaker };
    case 'empty':
      return { payload: '', contentType, broken: breaker };
    case 'unsupported-type':
      return { payload: JSON.stringify(body), ...(rng.chance(0.85) ? { contentType: rng.pick(UNSUPPORTED_TYPES) } : {}), broken: breaker };
    case 'text-plain':
      return { payload: JSON.stringify(body), contentType: 'text/plain', broken: breaker };
    case 'oversized':
      return { payload: JSON.stringify({ ...body, pad: 'x'.repeat(BODY_LIMIT + rng.int(1, 40_000)) }), contentType, broken: breaker };
    case 'near-limit-alien': {
      const padded = { ...body, zz: '' };
      const target = rng.int(BODY_LIMIT - 500, BODY_LIMIT);
      padded.zz = 'x'.repeat(Math.max(0, target - Buffer.byteLength(JSON.stringify(padded))));
      return { payload: JSON.stringify(padded), contentType, broken: breaker };
    }
  }
}

/** A CSV or JSON file for the baseline import; broken ones lack what every import needs. */
function fileBody(rng: Rng, mustBreak: boolean): Body {
  const noisy = VALID_CSV.replace(/my card was stolen|the app keeps crashing/g, () => nastyString(rng, 3_000).replace(/[\r\n]/g, ' '));
  if (!mustBreak && rng.chance(0.3)) return { payload: rng.chance(0.5) ? VALID_CSV : noisy, contentType: rng.pick(FILE_TYPES) };
  const breaker = rng.pick(FILE_BREAKERS);
  switch (breaker) {
    case 'missing-column': {
      const columns = ['date', 'channel', 'text', 'outcome'];
      const at = rng.int(0, 3);
      // The import reads header names trimmed, in lower case and without a leading BOM: none may name the column it replaces.
      const replacements = ['', 'dat', 'Text ', '"outcome', '\ufeffdate', 'zz'].filter((name) => name.replace(/^\ufeff/, '').trim().toLowerCase() !== columns[at]);
      columns.splice(at, 1, rng.pick(replacements));
      return { payload: `${columns.join(',')}\n${noisy.split('\n').slice(1).join('\n')}`, contentType: rng.pick(FILE_TYPES), broken: breaker };
    }
    case 'empty':
      return { payload: rng.pick(['', '\n', '\r\n\r\n', '   ']), contentType: rng.pick(FILE_TYPES), broken: breaker };
    case 'header-only':
      return { payload: 'date,channel,text,outcome\n', contentType: rng.pick(FILE_TYPES), broken: breaker };
    case 'json-not-rows':
      return { payload: JSON.stringify(rng.pick<unknown>([{ rows: 5 }, { a: [] }, 'rows', 42, null, {}, [], { rows: [] }])), contentType: 'application/json', broken: breaker };
    case 'malformed-json':
      return { payload: malformedJson(rng, JSON.stringify([{ date: '2026-03-01', channel: 'web', text: 'x', outcome: 'resolved' }])), contentType: 'application/json', broken: breaker };
    case 'unsupported-type':
      return { payload: VALID_CSV, contentType: rng.pick(UNSUPPORTED_TYPES), broken: breaker };
  }
}

/** A body for a route that takes none: usually nothing, sometimes junk of any type. */
function strayBody(rng: Rng, mustBreak: boolean): Body {
  if (mustBreak) {
    return rng.pick<Body>([
      { payload: malformedJson(rng, '{"a":1}'), contentType: rng.pick(JSON_TYPES), broken: 'malformed-json' },
      { payload: '{"a":1}', contentType: rng.pick(UNSUPPORTED_TYPES), broken: 'unsupported-type' },
      { payload: JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT + rng.int(1, 10_000)) }), contentType: 'application/json', broken: 'oversized' },
      { payload: '', contentType: 'application/json', broken: 'empty' },
    ]);
  }
  if (rng.chance(0.7)) return {};
  return { payload: rng.chance(0.5) ? JSON.stringify(junkValue(rng)) : nastyString(rng, 3_000), contentType: rng.pick([...JSON_TYPES, ...UNSUPPORTED_TYPES, 'text/plain']) };
}

function templateRegex(path: string): RegExp {
  return new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+').replace(/\*/g, '.*')}$`);
}

function generate(rng: Rng, n: number, route: RegisteredRoute, registered: RegisteredRoute[]): FuzzRequest {
  const specKey = `${route.method === 'HEAD' ? 'GET' : route.method} ${route.path}`;
  const spec = SPECS[specKey] ?? GENERIC;
  const generic = spec === GENERIC;
  const broken: string[] = [];

  // Method: now and then one the path does not have (unless the URL would land on another route).
  let method = route.method === 'GET' && rng.chance(0.05) ? 'HEAD' : route.method;
  const samePath = new Set(registered.filter((r) => r.path === route.path).map((r) => r.method));
  if (rng.chance(0.05)) {
    const wrong = rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter((m) => !samePath.has(m)).concat(['OPTIONS']));
    const concrete = route.path.replace(/:[A-Za-z_]+/g, 'x');
    if (!registered.some((r) => r.method === wrong && templateRegex(r.path).test(concrete))) {
      method = wrong;
      broken.push(`method ${wrong} not routed`);
    }
  }
  const writes = spec.writes ?? !['GET', 'HEAD'].includes(method);

  let who: Who = rng.chance(0.65) && spec.roles.length ? rng.pick(spec.roles) : rng.pick(IDENTITIES);
  const othersFor = () => IDENTITIES.filter((w) => !isAuthorised(spec, w, method));
  if (!isAuthorised(spec, who, method) && !generic) broken.push(`identity ${who} refused`);

  // Path parameters: a real id of the right kind, or anything else.
  const params = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map(() => {
    const existing = spec.id ? ids[spec.id] : [];
    if (existing.length && rng.chance(0.55)) return { text: rng.pick(existing), valid: true };
    return { text: rng.chance(0.3) ? rng.uuid() : junkSegment(rng, spec.id), valid: false };
  });
  if (params.some((p) => !p.valid)) broken.push('id of nothing');

  let query = makeQuery(rng, spec);

  // Invalid by construction: a request that could write must be refused, so break one more part when
  // nothing is broken yet.
  let bodyMustBreak = false;
  const takesBody = spec.body !== undefined || spec.file === true || ['POST', 'PUT', 'PATCH'].includes(method);
  if (writes && (generic || broken.length === 0)) {
    const ways: string[] = [];
    if (!generic && othersFor().length) ways.push('identity');
    if (!generic && params.length) ways.push('param');
    if (!generic && spec.badQueries) ways.push('query');
    if (takesBody) ways.push('body');
    const way = rng.pick(ways.length ? ways : ['body']);
    if (way === 'identity') {
      who = rng.pick(othersFor());
      broken.push(`identity ${who} refused`);
    } else if (way === 'param') {
      params[rng.int(0, params.length - 1)] = { text: rng.chance(0.4) ? rng.uuid() : junkSegment(rng, spec.id), valid: false };
      broken.push('id of nothing');
    } else if (way === 'query') {
      query = { text: queryString(Object.entries(resolveQuery({ ...resolveQuery(spec.query ?? {}, rng), ...rng.pick(spec.badQueries!) }, rng))), state: 'broken' };
      broken.push('query refused');
    } else bodyMustBreak = true;
  }

  const body = spec.file ? fileBody(rng, bodyMustBreak) : spec.body && !generic ? jsonBody(rng, spec, bodyMustBreak) : strayBody(rng, bodyMustBreak || (generic && writes));
  if (body.broken) broken.push(`body ${body.broken}`);

  let index = 0;
  const path = route.path.replace(/:[A-Za-z_]+/g, () => params[index++]!.text).replace(/\*/g, () => junkSegment(rng, undefined));
  const headers: Record<string, string> = { ...headersFor(rng, who) };
  if (body.contentType) headers['content-type'] = body.contentType;
  if (rng.chance(0.05)) headers['accept'] = rng.pick(['*/*', 'text/html', 'application/xml', '', 'application/json;q=0']);
  return {
    n,
    route: `${route.method} ${route.path}`,
    method,
    url: `${path}${query.text}`,
    headers,
    ...(body.payload === undefined ? {} : { payload: body.payload }),
    who,
    broken,
    mustFail: writes,
    mayNoop: spec.noopForOthers === true && !isAuthorised(spec, who, method),
  };
}

function describeRequest(req: FuzzRequest): string {
  const type = req.headers['content-type'];
  return `#${req.n} ${req.method} ${excerpt(req.url, 160)} as ${req.who}${type === undefined ? '' : `, content-type ${type}`}${req.broken.length ? ` [invalid: ${req.broken.join(', ')}]` : ''}${req.payload === undefined ? '' : `\n    body: ${excerpt(req.payload)}`}`;
}

function judge(req: FuzzRequest, res: LightMyRequestResponse): string | null {
  const status = res.statusCode;
  const answer = `→ ${status} ${excerpt(res.body, 300)}`;
  if (status >= 500) return `5xx: ${describeRequest(req)}\n    ${answer}`;
  if (req.mustFail && !(status >= 400 && status < 500) && !(req.mayNoop && status >= 200 && status < 300)) return `invalid write accepted: ${describeRequest(req)}\n    ${answer}`;
  if (status >= 400 && req.method !== 'HEAD' && req.url.startsWith('/api/')) {
    let parsed: { error?: unknown; message?: unknown } | null = null;
    try {
      parsed = JSON.parse(res.body) as { error?: unknown; message?: unknown };
    } catch {
      parsed = null;
    }
    if (!parsed || typeof parsed.error !== 'string' || typeof parsed.message !== 'string') return `error without { error, message }: ${describeRequest(req)}\n    ${answer}`;
    if (/\n\s+at .+:\d+:\d+/.test(parsed.message)) return `stack trace in an error: ${describeRequest(req)}\n    ${answer}`;
  }
  return null;
}

const STATIC_SAMPLE = 6;

/**
 * The routes to fuzz: every API route, and a few of the web app's files (@fastify/static registers one
 * route per file, hundreds of them, all alike). HEAD is sent now and then instead of GET.
 */
function fuzzRoutes(): RegisteredRoute[] {
  const routes = parseRouteTree(appliance.app.printRoutes({ commonPrefix: false })).filter((r) => r.method !== 'HEAD');
  const isStatic = (r: RegisteredRoute) => r.method === 'GET' && !SPECS[`GET ${r.path}`] && !r.path.startsWith('/api') && !r.path.includes(':');
  const files = routes.filter(isStatic);
  return [...routes.filter((r) => !isStatic(r)), ...files.filter((_r, i) => i % Math.max(1, Math.floor(files.length / STATIC_SAMPLE)) === 0).slice(0, STATIC_SAMPLE)];
}

describe('fuzz (issue 14)', () => {
  it('reads its routes from Fastify and has a spec for each one it knows', () => {
    const routes = fuzzRoutes();
    const keys = new Set(routes.map((r) => `${r.method} ${r.path}`));
    // The enumeration works: it finds the routes this file describes.
    const known = Object.keys(SPECS).filter((k) => keys.has(k));
    expect(known.length, `routes found: ${[...keys].join(', ')}`).toBeGreaterThan(Object.keys(SPECS).length * 0.8);
    const unspecified = routes.filter((r) => !SPECS[`${r.method} ${r.path}`] && (r.path.startsWith('/api') || r.path === '/ws'));
    if (unspecified.length) console.info(`fuzz: routes without a spec get the generic fuzz only: ${unspecified.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  });

  it('answers a valid GET of every route, as each role it admits and for each id it knows, and writes nothing', async () => {
    const rng = new Rng(SEED ^ 0x6e76e7);
    const before = snapshot();
    const spy = spyOnWrites();
    const findings: string[] = [];
    const refused: string[] = [];
    let answered = 0;
    try {
      for (const route of fuzzRoutes().filter((r) => r.method === 'GET')) {
        const spec = SPECS[`GET ${route.path}`] ?? GENERIC;
        // The kind of id the route names, in its path or its query: each one the fuzz knows is read.
        const kind = spec.id ?? (Object.values(spec.query ?? {}).find((v) => v.startsWith('@'))?.slice(1) as IdKind | undefined);
        const targets = kind ? ids[kind].map((id, i) => ({ id, what: ` for ${kind} ${i}` })) : [{ id: rng.uuid(), what: '' }];
        for (const who of spec.roles.length ? spec.roles : (['anonymous'] as const)) {
          for (const { id, what } of targets) {
            const query = resolveQuery(spec.query ?? {}, rng, kind && { kind, id });
            const url = `${route.path.replace(/:[A-Za-z_]+/g, id).replace(/\*/g, 'x')}${queryString(Object.entries(query))}`;
            spy.label = `GET ${url} as ${who}`;
            const mark = errorLog.length;
            const res = await appliance.app.inject({ method: 'GET', url, headers: headersFor(rng, who), remoteAddress: '198.51.100.40' });
            if (res.statusCode >= 500) findings.push(`5xx: ${spy.label}\n    → ${res.statusCode} ${excerpt(res.body, 300)}\n${logSince(mark)}`);
            else if (res.statusCode < 300) answered++;
            else refused.push(`${res.statusCode} GET ${route.path} as ${who}${what}`);
          }
        }
      }
    } finally {
      spy.restore();
    }
    expect(findings, report('findings', findings)).toEqual([]);
    expectUnchanged(before, spy.writes, 'a GET');
    // Valid reads refused all the same: an agent sees only the session it served (the second), a call's
    // media only while it is live, talk statistics only of a call with audio, /ws is for upgrades.
    const expected = [
      ...['/api/knowledge/recommendations', '/api/routing/sessions/:id/routed', '/api/sense/sessions/:id/timeline'].map((path) => `403 GET ${path} as agent for session 0`),
      ...['/api/calls/:id/media', '/api/sense/calls/:id/stats'].flatMap((path) => SUPERVISORS.map((who) => `404 GET ${path} as ${who} for call 0`)),
      ...ANY.map((who) => `404 GET /ws as ${who}`),
      // The API docs' files are the Swagger UI package's: the fuzz's made-up file name is none of them, and
      // the package's static index.html sends the browser on to the page.
      '404 GET /api/docs/* as admin',
      '302 GET /api/docs/static/index.html as admin',
    ];
    expect(refused.sort(), `${answered} valid GETs answered`).toEqual(expected.sort());
    await expectHealthy();
  });

  it(`answers ${HTTP_REQUESTS} hostile HTTP requests without a 5xx, refuses every invalid write and writes nothing`, { timeout: 45_000 }, async () => {
    const routes = fuzzRoutes();
    const rng = new Rng(SEED);
    const before = snapshot();
    const spy = spyOnWrites();
    const findings: string[] = [];
    const perStatus = new Map<number, number>();
    try {
      for (let n = 0; n < HTTP_REQUESTS; n++) {
        const req = generate(rng, n, routes[n % routes.length]!, routes);
        spy.label = describeRequest(req);
        const mark = errorLog.length;
        let res: LightMyRequestResponse;
        try {
          res = await appliance.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, remoteAddress: `203.0.113.${(n % 50) + 1}`, ...(req.payload === undefined ? {} : { payload: req.payload }) });
        } catch (err) {
          findings.push(`inject failed: ${describeRequest(req)}\n    ${(err as Error).message}`);
          continue;
        }
        perStatus.set(res.statusCode, (perStatus.get(res.statusCode) ?? 0) + 1);
        const finding = judge(req, res);
        if (finding) findings.push(`${finding}${res.statusCode >= 500 ? `\n${logSince(mark)}` : ''}`);
      }
    } finally {
      spy.restore();
    }
    expect(findings, report('findings', findings)).toEqual([]);
    expectUnchanged(before, spy.writes);
    // Most requests got past authentication to the handlers' own checks.
    expect(perStatus.get(400) ?? 0, JSON.stringify([...perStatus])).toBeGreaterThan(HTTP_REQUESTS / 10);
    await expectHealthy();
    expectNoProcessErrors();
  });

  it(`answers ${WS_FRAMES} hostile WebSocket frames with an error or a close and writes nothing`, { timeout: 45_000 }, async () => {
    const rng = new Rng(SEED ^ 0x5a5a5a5a);
    const before = snapshot();
    const spy = spyOnWrites();
    const findings: string[] = [];
    const pushed: string[] = [];
    const sockets: FrameSocket[] = [];
    try {
      await fuzzUnauthenticated(rng, findings, sockets);
      const open = { kiosk: await kioskSocket(), agent: await agentSocket() };
      sockets.push(open.kiosk, open.agent);
      let sent = 0;
      let burstId = 1_000_000;
      // A socket the server closed (or that went silent) is replaced; the fuzz goes on.
      const renew = async (party: Party): Promise<void> => {
        await open[party].close();
        open[party] = party === 'kiosk' ? await kioskSocket() : await agentSocket();
        sockets.push(open[party]);
      };
      const silences = () => findings.filter((f) => f.startsWith('no answer')).length;
      while (sent < WS_FRAMES && silences() < MAX_SILENCES) {
        const party = rng.chance(0.5) ? 'kiosk' : 'agent';
        const socket = open[party];
        if (rng.chance(0.03)) {
          // A burst: every frame is answered once, whatever the order.
          const size = Math.min(rng.int(5, 30), WS_FRAMES - sent);
          const reqIds = Array.from({ length: size }, () => burstId++);
          for (const reqId of reqIds) socket.send(JSON.stringify(breakFrame(rng, party, { ...validFrame(rng, party), reqId }, true)));
          sent += size;
          spy.label = `burst of ${size} frames to the ${party}`;
          const answered: number[] = [];
          for (let i = 0; i < size; i++) {
            const answer = await reply(socket, pushed);
            if (answer.kind !== 'frame') {
              findings.push(`${answer.kind === 'timeout' ? 'no answer within 5 s' : 'closed'} in a burst of ${size} to the ${party}: answer ${i + 1} was ${JSON.stringify(answer)}`);
              break;
            }
            answered.push(answer.frame.reqId as number);
            if (answer.frame.type !== 'error') findings.push(`burst to the ${party}: ${excerpt(answer.frame)} is not an error`);
          }
          const order = (list: number[]) => [...list].sort((a, b) => a - b).join(',');
          if (answered.length === size && order(answered) !== order(reqIds)) findings.push(`burst to the ${party}: answered reqIds ${order(answered)} for ${order(reqIds)}`);
          if (answered.length < size) await renew(party);
          continue;
        }
        const frame = hostileFrame(rng, party);
        sent++;
        const label = `frame ${sent} to the ${party} (${frame.what}): ${excerpt(frame.data)}`;
        spy.label = label;
        socket.send(frame.data, frame.binary);
        const answer = await reply(socket, pushed);
        const bytes = Buffer.byteLength(frame.data);
        if (answer.kind === 'timeout') findings.push(`no answer within 5 s: ${label}`);
        else if (answer.kind === 'close') {
          if (!(bytes > FRAME_LIMIT && answer.code === 1009)) findings.push(`closed with ${answer.code} ${answer.reason}: ${label}`);
        } else {
          const problem = checkErrorFrame(frame, answer.frame);
          if (problem) findings.push(`${problem}: ${label}\n    → ${excerpt(answer.frame)}`);
        }
        if (!socket.open || answer.kind !== 'frame') await renew(party);
      }
      for (const socket of sockets) await socket.close();
    } finally {
      spy.restore();
      for (const socket of sockets) if (socket.open) socket.socket.terminate();
    }
    const unexpected = pushed.filter((type) => !['ready', 'queue'].includes(type));
    expect(findings, report('findings', findings)).toEqual([]);
    expect(unexpected, 'events pushed during the fuzz (no call may start)').toEqual([]);
    expectUnchanged(before, spy.writes);
    await expectHealthy();
    expectNoProcessErrors();
  });

  it('still takes valid writes and connects a kiosk to an agent afterwards', async () => {
    const admin = new TestClient(appliance, '198.51.100.30');
    admin.cookie = `bl_session=${tokens.admin}`;
    await validWrite('create a kiosk after the fuzz', ['kiosks'], () => admin.request('POST', '/api/admin/kiosks', { name: 'After the fuzz' }));
    const kioskHttp = new TestClient(appliance, '198.51.100.31');
    await validWrite('ask a question after the fuzz', ['routing_sessions'], () =>
      kioskHttp.request('POST', `/api/kiosk/sessions/${ids.session[0]}/questions`, { text: 'I lost my credit card' }, { authorization: `Bearer ${tokens.kiosk}` }),
    );
    const before = snapshot();
    // No session: the request goes to the fallback group, the agent's skill.
    const callId = await serveCall(null, 'hello after the fuzz');
    expect(changedKeys(before.contents, snapshot().contents)).toEqual(expect.arrayContaining(['calls_chat', 'calls_records']));
    expect(appliance.calls.record(callId)).toMatchObject({ endReason: 'agent-ended', chat: [{ from: 'customer', text: 'hello after the fuzz' }] });
    await expectHealthy();
    expectNoProcessErrors();
  });
});

// ---------------------------------------------------------------------------------------------------
// WebSocket frames.

type Party = 'kiosk' | 'agent';

interface HostileFrame {
  data: string | Buffer;
  binary: boolean;
  what: string;
  /** The reqId the answer must carry (the frame's own, when it is a JSON object with a numeric one). */
  reqId: number | undefined;
}

const FRAME_TYPES = ['requestAgent', 'cancelRequest', 'createTransport', 'connectTransport', 'restartIce', 'produce', 'consume', 'resumeConsumer', 'setProducerPaused', 'rejoin', 'chat', 'endCall'] as const;
const STRING_FIELDS = new Set(['transportId', 'producerId', 'consumerId', 'text', 'lang', 'sessionId', 'kind']);

function validFrame(rng: Rng, party: Party): Json {
  const type = rng.pick(FRAME_TYPES.filter((t) => party === 'agent' || t !== 'requestAgent' || rng.chance(0.3)));
  const id = () => rng.pick([rng.uuid(), 'x', 'a'.repeat(64)]);
  const fields: Record<(typeof FRAME_TYPES)[number], Json> = {
    requestAgent: { lang: rng.pick(['en', 'zh-Hant', 'zh-Hans']), sessionId: rng.chance(0.5) ? (ids.session[0] ?? null) : null },
    cancelRequest: {},
    createTransport: {},
    connectTransport: { transportId: id(), dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] } },
    restartIce: { transportId: id() },
    produce: { transportId: id(), kind: rng.pick(['audio', 'video']), rtpParameters: { codecs: [], encodings: [] }, paused: rng.chance(0.5) },
    consume: { transportId: id(), producerId: id(), rtpCapabilities: { codecs: [] } },
    resumeConsumer: { consumerId: id() },
    setProducerPaused: { producerId: id(), paused: rng.chance(0.5) },
    rejoin: {},
    chat: { text: rng.pick(['hello', '你好', nastyString(rng, 900).slice(0, 900) || 'x']) },
    endCall: {},
  };
  return { type, reqId: rng.int(1, 999_999), ...fields[type] };
}

/** Breaks a valid frame so the request schema must refuse it; the reqId stays when asked (bursts count on it). */
function breakFrame(rng: Rng, party: Party, frame: Json, keepReqId = false): Json {
  const broken = { ...frame };
  const keys = Object.keys(broken).filter((k) => k !== 'type' && k !== 'reqId');
  let way = rng.int(0, 6);
  if (keepReqId && way === 5) way = 0;
  switch (way) {
    case 0:
      broken[rng.pick(ALIEN_KEYS.filter((k) => k !== 'type' && k !== 'reqId'))] = junkValue(rng);
      return broken;
    case 1:
      if (keys.length) {
        const key = rng.pick(keys);
        broken[key] = incompatible(rng, broken[key]);
        return broken;
      }
      broken.zz = 1;
      return broken;
    case 2: {
      const strings = keys.filter((k) => STRING_FIELDS.has(k));
      if (strings.length) {
        const key = rng.pick(strings);
        // Too long for any id or text, or not in the enum.
        broken[key] = key === 'text' ? 'x'.repeat(rng.int(1_001, 20_000)) : key === 'lang' || key === 'kind' ? rng.pick(['fr', 'EN', '', 'screen']) : key === 'sessionId' ? rng.pick(['not-a-uuid', '', 'x'.repeat(64)]) : 'x'.repeat(rng.int(65, 5_000));
        return broken;
      }
      return keepReqId ? { ...broken, zz: null } : { ...broken, reqId: rng.pick<unknown>([1.5, '1', -0.5, null, [], {}]) };
    }
    case 3:
      if (party === 'kiosk' && frame.type === 'requestAgent') return { ...broken, lang: rng.pick(['fr', '', null, 7]) };
      return { ...broken, type: rng.pick(['teleport', 'auth', '', 'REQUESTAGENT', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 7, null, ['chat'], { chat: 1 }]) };
    case 4:
      delete broken.type;
      return broken;
    case 5:
      return { ...broken, reqId: rng.pick<unknown>([1.5, '7', 'x', true, [1], { n: 1 }, -0.1]) };
    default: {
      const required = keys.filter((k) => !['sessionId', 'paused'].includes(k));
      if (required.length) {
        delete broken[rng.pick(required)];
        return broken;
      }
      return { ...broken, [rng.pick(['text', 'transportId', 'callId', 'kioskId', 'userId'])]: 'injected' };
    }
  }
}

function frameOf(value: unknown, what: string, binary = false): HostileFrame {
  const data = JSON.stringify(value);
  const reqId = value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as Json).reqId === 'number' ? ((value as Json).reqId as number) : undefined;
  return { data: binary ? Buffer.from(data) : data, binary, what, reqId };
}

function hostileFrame(rng: Rng, party: Party): HostileFrame {
  const roll = rng.float();
  if (roll < 0.1) return { data: malformedJson(rng, JSON.stringify(validFrame(rng, party))), binary: false, what: 'not JSON', reqId: undefined };
  if (roll < 0.14) return { data: rng.pick(['', ' ', '\u0000', 'hello', nastyString(rng, 2_000)]), binary: false, what: 'text', reqId: undefined };
  if (roll < 0.19) {
    const bytes = Buffer.from(Array.from({ length: rng.int(0, 2_000) }, () => rng.int(0, 255)));
    return { data: bytes, binary: true, what: 'random bytes', reqId: undefined };
  }
  if (roll < 0.24) return frameOf(breakFrame(rng, party, validFrame(rng, party)), 'broken request, binary', true);
  if (roll < 0.3) return frameOf(rng.pick<unknown>([null, 42, 'requestAgent', true, [], [validFrame(rng, party)], {}, { reqId: 5 }, { type: null, reqId: 6 }, junkValue(rng)]), 'wrong shape');
  if (roll < 0.32) return { data: deepJsonText(rng, rng.int(1_000, 10_000)), binary: false, what: 'deeply nested', reqId: undefined };
  if (roll < 0.36) return frameOf(Object.assign(withProtoKey(rng, validFrame(rng, party)), validFrame(rng, party)), 'prototype key');
  if (roll < 0.44) {
    // Well formed but impossible now: nobody is in a call, and agents may not ask for one.
    const frame = validFrame(rng, party);
    if (party === 'kiosk' && frame.type === 'requestAgent') return frameOf(breakFrame(rng, party, frame), 'broken request');
    return frameOf(frame, 'out of state');
  }
  if (roll < 0.48) {
    // Close to the frame limit, still under it.
    const target = rng.int(FRAME_LIMIT - 2_000, FRAME_LIMIT);
    const frame = { type: 'chat', reqId: rng.int(1, 999_999), text: '' };
    frame.text = 'x'.repeat(target - Buffer.byteLength(JSON.stringify(frame)));
    return frameOf(frame, `near the limit (${target} bytes)`);
  }
  if (roll < 0.49) {
    const frame = { type: 'chat', reqId: rng.int(1, 999_999), text: 'x'.repeat(rng.int(FRAME_LIMIT + 1, FRAME_LIMIT * 3)) };
    return frameOf(frame, 'over the frame limit', rng.chance(0.3));
  }
  return frameOf(breakFrame(rng, party, validFrame(rng, party)), 'broken request');
}

/** The next answer to a request, skipping the events the server pushes (kept for the final check). */
async function reply(socket: FrameSocket, pushed: string[]): Promise<Answer> {
  for (;;) {
    const answer = await socket.next();
    if (answer.kind !== 'frame' || answer.frame.type === 'error' || answer.frame.type === 'response') return answer;
    pushed.push(String(answer.frame.type));
  }
}

function checkErrorFrame(frame: HostileFrame, answer: Record<string, unknown>): string | null {
  if (answer.type !== 'error') return 'an invalid frame was not refused';
  if (typeof answer.message !== 'string' || answer.message.length === 0) return 'error without a message';
  if (/\n\s+at .+:\d+:\d+/.test(answer.message)) return 'stack trace in an error frame';
  if (answer.reqId !== frame.reqId) return `error answers reqId ${String(answer.reqId)} for ${String(frame.reqId)}`;
  return null;
}

async function kioskSocket(): Promise<FrameSocket> {
  const socket = await FrameSocket.open(wsUrl);
  socket.send(JSON.stringify({ type: 'auth', kioskToken: tokens.kiosk }));
  const answer = await socket.next();
  if (answer.kind !== 'frame' || answer.frame.type !== 'ready') throw new Error(`kiosk not ready: ${JSON.stringify(answer)}`);
  return socket;
}

async function agentSocket(): Promise<FrameSocket> {
  const socket = await FrameSocket.open(wsUrl, { cookie: `bl_session=${tokens.agent}` });
  const answer = await socket.next();
  if (answer.kind !== 'frame' || answer.frame.type !== 'ready') throw new Error(`agent not ready: ${JSON.stringify(answer)}`);
  return socket;
}

/** Sockets that never authenticate: forged upgrades, and first frames that are no valid kiosk token. */
async function fuzzUnauthenticated(rng: Rng, findings: string[], sockets: FrameSocket[]): Promise<void> {
  for (let i = 0; i < UNAUTHENTICATED_SOCKETS; i++) {
    const crossOrigin = i % 10 === 9;
    const headers: Record<string, string> = crossOrigin
      ? { cookie: `bl_session=${tokens.agent}`, origin: rng.pick(CROSS_ORIGINS.filter((o) => o !== 'null')) }
      : rng.pick<Record<string, string>>([{}, { cookie: `bl_session=bs_${rng.uuid()}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` }, { cookie: `bl_session=${tokens.kiosk}` }, { authorization: `Bearer ${tokens.kiosk}` }, { cookie: `bl_session=${tampered(tokens.agent)}` }]);
    let socket: FrameSocket;
    try {
      socket = await FrameSocket.open(wsUrl, headers);
    } catch (err) {
      // A refused upgrade is the right answer to another origin, and only to it.
      if (!crossOrigin) findings.push(`upgrade ${i} with ${JSON.stringify(headers)} failed: ${(err as Error).message}`);
      continue;
    }
    sockets.push(socket);
    if (crossOrigin) {
      findings.push(`a WebSocket from origin ${headers.origin} was accepted`);
      await socket.close();
      continue;
    }
    const auth = rng.pick<Json>([
      { type: 'auth', kioskToken: tokens.revokedKiosk },
      { type: 'auth', kioskToken: `${tokens.kiosk}x` },
      { type: 'auth', kioskToken: tokens.kiosk.toUpperCase() },
      { type: 'auth', kioskToken: tokens.kiosk, zz: 1 },
      { type: 'auth', kioskToken: tokens.agent },
      { type: 'auth', kioskToken: '' },
      { type: 'auth', kioskToken: 'x'.repeat(513) },
      { type: 'auth', kioskToken: [tokens.kiosk] },
      { type: 'Auth', kioskToken: tokens.kiosk },
      { kioskToken: tokens.kiosk },
      { type: 'requestAgent', lang: 'en' },
      { type: 'auth', kioskToken: tokens.kiosk.replace(/\.[^.]*$/, '.') },
    ]);
    const variant = rng.int(0, 5);
    const data: string | Buffer =
      variant === 0 ? malformedJson(rng, JSON.stringify(auth)) : variant === 1 ? '' : variant === 2 ? Buffer.from(malformedJson(rng, JSON.stringify(auth))) : variant === 3 ? JSON.stringify({ ...auth, pad: 'x'.repeat(FRAME_LIMIT) }) : JSON.stringify(auth);
    socket.send(data, Buffer.isBuffer(data));
    const label = `unauthenticated socket ${i} ${JSON.stringify(headers)} first frame ${excerpt(data)}`;
    let closed: Answer | null = null;
    for (;;) {
      const answer = await socket.next();
      if (answer.kind === 'frame') {
        if (answer.frame.type === 'ready') findings.push(`authenticated without a valid token: ${label}`);
        else if (answer.frame.type !== 'error') findings.push(`unexpected ${excerpt(answer.frame)}: ${label}`);
        continue;
      }
      closed = answer;
      break;
    }
    const expected = Buffer.byteLength(data) > FRAME_LIMIT ? [1009, 4401] : [4401];
    if (closed.kind !== 'close' || !expected.includes(closed.code)) findings.push(`not closed with ${expected.join(' or ')} (${JSON.stringify(closed)}): ${label}`);
  }
}
