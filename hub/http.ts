import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DURABLE_STREAMS, parseInput, REMOTE_SETTINGS } from '../protocol/index.js';
import { HubError } from './errors.js';
import type { Hub } from './hub.js';
import { MAX_PASSWORD_LENGTH, type Operators, type SignedIn } from './operators.js';
import type { OperatorRole } from './store/index.js';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
const PAGE_SCRIPT = readFileSync(new URL('./page.js', import.meta.url), 'utf8');
/** The fleet page loads its own script and nothing else; it cannot be framed, and no response is sniffed. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
const MAX_RELEASE_FILE_BYTES = 1024 * 1024 * 1024;
/** A device is shown offline after missing this many heartbeats. */
const MISSED_BEATS = 3;
const AUDIT_PAGE = 200;

const targetSchema = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ group: z.string().min(1).max(64) }),
  z.strictObject({ percent: z.number().int().min(1).max(100) }),
]);
const signInSchema = z.strictObject({ name: z.string().min(1).max(40), password: z.string().min(1).max(MAX_PASSWORD_LENGTH) });
const pushSchema = z.strictObject({ releaseId: z.string().min(1).max(100), target: targetSchema });
const sealSchema = z.strictObject({ manifest: z.string().min(1).max(1024 * 1024), signature: z.string().min(1).max(200) });
const configSchema = z.strictObject({ settings: z.partialRecord(z.enum(REMOTE_SETTINGS), z.union([z.string().max(100), z.number()])), target: targetSchema });
const idParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'an id is letters, digits and dashes') });
const recordsQuery = z.strictObject({ device: z.string().min(1).max(63), stream: z.enum(DURABLE_STREAMS), limit: z.coerce.number().int().min(1).max(10_000).default(1000) });

declare module 'fastify' {
  interface FastifyRequest {
    operator?: SignedIn;
  }
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice(7).slice(0, 200) : '';
}

/**
 * The hub's HTTP face: the fleet page, and the API the page and the fleet CLI use. Every API route needs a
 * signed-in operator; reading needs the viewer role, changing the fleet (and reading customer text) the
 * operator role, and every change is in the audit log under the operator's name.
 */
export function hubRoutes(app: FastifyInstance, hub: Hub, operators: Operators, options: { heartbeatSeconds: number; instance: string }): void {
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  app.get('/page.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(PAGE_SCRIPT));
  app.get('/healthz', async (_request, reply) => {
    const up = await hub.store.ping().then(() => true, () => false);
    return reply.status(up ? 200 : 503).send({ ok: up, database: up ? 'up' : 'down' });
  });

  app.post('/api/session', async (request) => {
    const body = parseInput(signInSchema, request.body);
    return operators.signIn(body.name, body.password);
  });

  const requireRole = (role: OperatorRole) => async (request: FastifyRequest) => {
    const token = bearer(request);
    const who = token ? await operators.signedIn(token) : null;
    if (!who) throw new HubError('unauthenticated', 'sign in first (POST /api/session), then send Authorization: Bearer <token>');
    if (role === 'operator' && who.role !== 'operator') throw new HubError('forbidden', `${who.name} is a viewer; this needs the operator role`);
    request.operator = who;
  };
  const actor = (request: FastifyRequest): string => request.operator!.name;

  app.register(async (read) => {
    read.addHook('onRequest', requireRole('viewer'));
    read.get('/api/me', async (request) => request.operator);
    read.delete('/api/session', async (request) => {
      await operators.signOut(bearer(request));
      return { ok: true };
    });
    read.get('/api/fleet', async () => {
      const now = Date.now();
      const figures = await hub.store.figures();
      const devices = (await hub.store.devices()).map((d) => ({
        ...d,
        online: now - Date.parse(d.lastSeen) < MISSED_BEATS * options.heartbeatSeconds * 1000,
        ...(figures.devices.get(d.deviceId) ?? { kpis: null, activity: null }),
      }));
      return { devices, fleet: figures.fleet, records: await hub.store.recordCount(), hub: { instance: options.instance, database: hub.store.engine, ...hub.stats, duplicates: hub.store.duplicates } };
    });
    read.get('/api/kpis', async () => (await hub.store.figures()).fleet);
    read.get('/api/records', async (request) => {
      const q = parseInput(recordsQuery, request.query);
      return { records: await hub.store.recordsOf(q.device, q.stream, q.limit) };
    });
    read.get('/api/rollouts', async () => ({ rollouts: await hub.store.rollouts() }));
    read.get('/api/rollouts/:id', async (request) => hub.status(parseInput(idParams, request.params).id));
    read.get('/api/audit', async () => ({ entries: await hub.store.auditLog(AUDIT_PAGE) }));
  });

  app.register(async (change) => {
    change.addHook('onRequest', requireRole('operator'));
    // Every device's labelled questions, for `npm run fleet -- intent-release`: the one route that returns customer text.
    change.get('/api/corrections', async () => ({ corrections: await hub.store.corrections() }));
    change.put('/api/releases/:id/files/*', async (request) => {
      const { id } = parseInput(idParams, { id: (request.params as Record<string, string>).id });
      const rel = (request.params as Record<string, string>)['*'] ?? '';
      if (request.headers['content-type'] !== 'application/octet-stream') throw new HubError('unsupported-media', 'send the file as application/octet-stream');
      const length = Number(request.headers['content-length']);
      if (!Number.isFinite(length) || length > MAX_RELEASE_FILE_BYTES) throw new HubError('too-large', `a release file needs a Content-Length of at most ${MAX_RELEASE_FILE_BYTES} bytes`);
      const size = await hub.releases.saveFile(id, rel, request.body as Readable);
      return { path: rel, size };
    });
    change.put('/api/releases/:id', async (request) => {
      const { id } = parseInput(idParams, request.params);
      const body = parseInput(sealSchema, request.body);
      const manifest = await hub.releases.seal(id, body.manifest, body.signature);
      await hub.store.audit(null, { at: new Date().toISOString(), actor: actor(request), action: 'release.upload', detail: { releaseId: id, kind: manifest.kind, version: manifest.version, files: manifest.files.length } });
      return { id: manifest.id, kind: manifest.kind, version: manifest.version, files: manifest.files.length };
    });
    change.post('/api/rollouts', async (request, reply) => {
      const body = parseInput(pushSchema, request.body);
      return reply.status(201).send(await hub.push(body.releaseId, body.target, actor(request)));
    });
    change.post('/api/rollouts/:id/rollback', async (request) => hub.rollback(parseInput(idParams, request.params).id, actor(request)));
    change.post('/api/config', async (request) => {
      const body = parseInput(configSchema, request.body);
      if (Object.keys(body.settings).length === 0) throw new HubError('invalid', 'settings: name at least one setting');
      return hub.pushConfig(body.settings, body.target, actor(request));
    });
  });
}
