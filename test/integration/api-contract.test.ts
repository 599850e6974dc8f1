import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';
import { WsClient } from '../helpers/ws-client.js';

/** A web build of its own, so that the static routes are known files whatever the shared web/build holds. */
const WEB_FILES = ['index.html', '_app/start.js', 'favicon.svg'];

let appliance: TestAppliance;
let webDir: string;
let admin: TestClient;
let agent: TestClient;
let nobody: TestClient;

/** Every method and path Fastify registered, from its route tree (a path is the join of its branches). */
function registeredRoutes(tree: string): Set<string> {
  const routes = new Set<string>();
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    prefixes[depth] = (prefixes[depth - 1] ?? '') + match[2]!;
    prefixes.length = depth + 1;
    for (const method of match[3]?.split(', ') ?? []) routes.add(`${method} ${prefixes[depth]}`);
  }
  return routes;
}

/**
 * The documented exceptions: HEAD (Fastify answers it for every GET), the built web app's files (the SPA,
 * not the API), the docs' own routes, and the WebSocket upgrade at /ws, which OpenAPI cannot describe
 * (@fastify/websocket hides it; its frames are the schemas of protocol/api/signalling.ts).
 */
function documentable(route: string): boolean {
  const [method, path] = route.split(' ') as [string, string];
  if (method === 'HEAD' || path === '/ws') return false;
  if (path === '/' || WEB_FILES.some((file) => path === `/${file}`)) return false;
  return path !== '/api/docs' && !path.startsWith('/api/docs/');
}

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), 'branchline-web-'));
  mkdirSync(join(webDir, '_app'));
  for (const file of WEB_FILES) writeFileSync(join(webDir, file), file.endsWith('.html') ? '<!doctype html><title>app</title>' : '// built');
  appliance = await startTestAppliance({ BRANCHLINE_WEB_DIR: webDir, BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1' });
  await appliance.app.listen({ port: 0, host: '127.0.0.1' });
  admin = new TestClient(appliance, '198.51.100.120');
  expect((await admin.login('admin', appliance.adminPassword)).status).toBe(200);
  const created = await admin.request('POST', '/api/admin/users', { username: 'contract.agent', displayName: 'Contract agent', language: 'en', password: 'contract agent password' });
  expect(created.status).toBe(201);
  agent = new TestClient(appliance, '198.51.100.121');
  expect((await agent.login('contract.agent', 'contract agent password')).status).toBe(200);
  nobody = new TestClient(appliance, '198.51.100.122');
});

afterAll(async () => {
  await appliance?.stop();
  rmSync(webDir, { recursive: true, force: true });
});

describe('the OpenAPI document at /api/docs', () => {
  it('is a valid OpenAPI document that lists every route the appliance registered', async () => {
    const answer = await admin.request('GET', '/api/docs/json');
    expect(answer.status).toBe(200);
    const document = answer.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toMatch(/^3\./);
    // The parser dereferences in place: it gets a copy, the listing below reads the original.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();

    const documented = new Set(Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)));
    const registered = [...registeredRoutes(appliance.app.printRoutes({ commonPrefix: false }))].filter(documentable);
    expect(registered.length).toBeGreaterThan(60);
    expect([...documented].sort()).toEqual(registered.sort());
  });

  it('describes request bodies and responses from the schemas the routes validate with', async () => {
    const { paths } = (await admin.request('GET', '/api/docs/json')).body as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> }; responses: Record<string, unknown> }>> };
    const createUser = paths['/api/admin/users']!.post!;
    const body = createUser.requestBody!.content['application/json']!.schema;
    expect(Object.keys(body.properties ?? {})).toEqual(expect.arrayContaining(['username', 'displayName', 'language', 'skillGroups', 'role', 'password']));
    expect(body.required).toEqual(expect.arrayContaining(['username', 'displayName', 'language']));
    expect(Object.keys(createUser.responses)).toEqual(expect.arrayContaining(['201', '4XX']));
    expect(Object.keys(paths['/healthz']!.get!.responses)).toEqual(expect.arrayContaining(['200', '503']));
  });

  it('is for admins only: 401 without a session, 403 for an agent, for the document, the page and its files', async () => {
    for (const path of ['/api/docs/json', '/api/docs/yaml', '/api/docs', '/api/docs/static/swagger-ui-bundle.js']) {
      const anonymous = await nobody.request('GET', path);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.body).toMatchObject({ error: 'unauthorized', message: 'log in first' });
      const asAgent = await agent.request('GET', path);
      expect(asAgent.status, path).toBe(403);
      expect(asAgent.body).toMatchObject({ error: 'forbidden' });
    }
  });

  it('serves the Swagger UI page with its scripts from the appliance itself, allowed by the page CSP', async () => {
    const page = await admin.request('GET', '/api/docs/');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    const html = String(page.body.raw);
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'[^;]*;/);
    expect(csp).not.toMatch(/https?:/);
    for (const src of scripts) {
      const url = new URL(src, 'http://appliance.local/api/docs/');
      expect(url.host, src).toBe('appliance.local');
      const script = await admin.request('GET', url.pathname);
      expect(script.status, src).toBe(200);
      expect(String(script.headers['content-type']), src).toMatch(/javascript/);
    }
    expect(scripts.some((src) => src.endsWith('swagger-ui-bundle.js'))).toBe(true);
  });
});

describe('requests the schemas refuse', () => {
  it('answers a bad body with 400 naming each bad field, and creates nothing', async () => {
    const before = (await admin.request('GET', '/api/admin/users')).body.users as unknown[];
    const bad = await admin.request('POST', '/api/admin/users', { username: 'x', displayName: 'Someone', language: 'fr', password: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('bad_request');
    expect(bad.body.message).toMatch(/username: username: 3-32 lower-case/);
    expect(bad.body.message).toMatch(/language: /);
    expect(bad.body.message).toMatch(/password: password must have at least 10 characters/);
    expect((await admin.request('GET', '/api/admin/users')).body.users).toEqual(before);

    const unknownField = await admin.request('POST', '/api/admin/kiosks', { name: 'Lobby', colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.message).toMatch(/colour/);
    const missing = await admin.request('POST', '/api/admin/kiosks');
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/^name: /);
    expect((await admin.request('GET', '/api/admin/kiosks')).body.kiosks).toEqual([]);
  });

  it('answers a bad path parameter or query with 400 naming it', async () => {
    const badId = await admin.request('PATCH', '/api/admin/users/not-a-uuid', { disabled: true });
    expect(badId.status).toBe(400);
    expect(badId.body.message).toBe('id: id must be a UUID');
    const badLimit = await admin.request('GET', '/api/calls?limit=0');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.message).toMatch(/^limit: /);
  });

  it('refuses a bad signalling frame with an error frame that names the problem, and keeps the socket', async () => {
    const port = (appliance.app.server.address() as AddressInfo).port;
    const ws = await WsClient.open(`ws://127.0.0.1:${port}/ws`, { cookie: admin.cookie! });
    try {
      expect(await ws.next((f) => f.type === 'ready')).toMatchObject({ party: 'agent' });
      expect(await ws.request('chat', { text: 42 })).toMatchObject({ type: 'error', message: expect.stringMatching(/^invalid request: text: /) });
      expect(await ws.request('teleport')).toMatchObject({ type: 'error', message: expect.stringMatching(/^invalid request: type: /) });
      expect(await ws.request('requestAgent', { lang: 'en' })).toMatchObject({ type: 'error', message: 'requestAgent is not allowed for an agent' });
      ws.send('{not json');
      expect(await ws.next((f) => f.type === 'error' && f.reqId === undefined)).toMatchObject({ message: 'frame is not valid JSON' });
      // Still open and answering: a well-formed request gets the call service's own answer (no call to rejoin).
      expect(await ws.request('rejoin')).toMatchObject({ type: 'error', message: expect.not.stringMatching(/^invalid request/) });
      expect(ws.closeCode).toBeNull();
    } finally {
      ws.close();
    }
  });
});
