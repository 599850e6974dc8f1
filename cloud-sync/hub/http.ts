import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sameSecret } from '../../device/crypto.js';
import { HttpError, parseInput } from '../../device/server/errors.js';
import { DURABLE_STREAMS, REMOTE_SETTINGS } from '../protocol.js';
import { ReleaseError } from '../release.js';
import type { Hub } from './hub.js';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
const MAX_RELEASE_FILE_BYTES = 1024 * 1024 * 1024;
/** A device is shown offline after missing this many heartbeats. */
const MISSED_BEATS = 3;

const targetSchema = z.union([
  z.strictObject({ all: z.literal(true) }),
  z.strictObject({ group: z.string().min(1).max(64) }),
  z.strictObject({ percent: z.number().int().min(1).max(100) }),
]);
const pushSchema = z.strictObject({ releaseId: z.string().min(1).max(100), target: targetSchema });
const sealSchema = z.strictObject({ manifest: z.string().min(1).max(1024 * 1024), signature: z.string().min(1).max(200) });
const configSchema = z.strictObject({ settings: z.partialRecord(z.enum(REMOTE_SETTINGS), z.union([z.string().max(100), z.number()])), target: targetSchema });
const idParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'an id is letters, digits and dashes') });
const recordsQuery = z.strictObject({ device: z.string().min(1).max(63), stream: z.enum(DURABLE_STREAMS), limit: z.coerce.number().int().min(1).max(10_000).default(1000) });

function releaseErrors<T>(work: () => Promise<T>): Promise<T> {
  return work().catch((err: Error) => {
    if (err instanceof ReleaseError) throw new HttpError(400, err.message);
    throw err;
  });
}

/** The hub's HTTP face: the fleet page, and the API the page and the fleet CLI use, behind one bearer token. */
export function hubRoutes(app: FastifyInstance, hub: Hub, token: string, heartbeatSeconds: number): void {
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  app.get('/healthz', async () => ({ ok: true, records: hub.store.records }));

  const authorised = (request: FastifyRequest): void => {
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!given || !sameSecret(given, token)) throw new HttpError(401, 'a valid fleet token is required (Authorization: Bearer <token>)');
  };

  app.register(async (api) => {
    api.addHook('onRequest', async (request) => authorised(request));

    api.get('/api/fleet', async () => {
      const now = Date.now();
      const devices = (await hub.store.devices()).map((d) => ({ ...d, online: now - Date.parse(d.lastSeen) < MISSED_BEATS * heartbeatSeconds * 1000, kpis: hub.store.kpis(d.deviceId) }));
      return { devices, hub: { ...hub.stats, records: hub.store.records, duplicates: hub.store.duplicates } };
    });
    api.get('/api/kpis', async () => hub.store.kpis());
    api.get('/api/records', async (request) => {
      const q = parseInput(recordsQuery, request.query);
      return { records: await hub.store.recordsOf(q.device, q.stream, q.limit) };
    });

    // Every device's labelled questions, for `npm run fleet -- intent-release`: the one route that returns customer text.
    api.get('/api/corrections', async () => ({ corrections: await hub.store.corrections() }));
    api.put('/api/releases/:id/files/*', async (request) => {
      const { id } = parseInput(idParams, { id: (request.params as Record<string, string>).id });
      const rel = (request.params as Record<string, string>)['*'] ?? '';
      if (request.headers['content-type'] !== 'application/octet-stream') throw new HttpError(415, 'send the file as application/octet-stream');
      const length = Number(request.headers['content-length']);
      if (!Number.isFinite(length) || length > MAX_RELEASE_FILE_BYTES) throw new HttpError(413, `a release file needs a Content-Length of at most ${MAX_RELEASE_FILE_BYTES} bytes`);
      const size = await releaseErrors(() => hub.releases.saveFile(id, rel, request.body as Readable));
      return { path: rel, size };
    });
    api.put('/api/releases/:id', async (request) => {
      const { id } = parseInput(idParams, request.params);
      const body = parseInput(sealSchema, request.body);
      const manifest = await releaseErrors(() => hub.releases.seal(id, body.manifest, body.signature));
      return { id: manifest.id, kind: manifest.kind, version: manifest.version, files: manifest.files.length };
    });

    api.get('/api/rollouts', async () => ({ rollouts: await hub.store.rollouts() }));
    api.post('/api/rollouts', async (request, reply) => {
      const body = parseInput(pushSchema, request.body);
      return reply.status(201).send(await hub.push(body.releaseId, body.target));
    });
    api.get('/api/rollouts/:id', async (request) => hub.status(parseInput(idParams, request.params).id));
    api.post('/api/rollouts/:id/rollback', async (request) => hub.rollback(parseInput(idParams, request.params).id));
    api.post('/api/config', async (request) => {
      const body = parseInput(configSchema, request.body);
      if (Object.keys(body.settings).length === 0) throw new HttpError(400, 'settings: name at least one setting');
      return hub.pushConfig(body.settings, body.target);
    });
  });
}
