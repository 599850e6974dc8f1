import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, inlineScriptHashes, sameOrigin } from '../../device/server/security.js';
import { startTestAppliance, TestClient, type HttpResult, type TestAppliance } from '../helpers/appliance.js';

// Shaped like SvelteKit's adapter-static output: an inline bootstrap script, a module script by URL.
const BOOTSTRAP = `
  {
    __sveltekit_test = { base: new URL(".", location).pathname.slice(0, -1) };
    const element = document.currentScript.parentElement;
    Promise.all([import("./_app/start.js")]).then(([kit]) => kit.start(element));
  }
`;
const OTHER_PAGE_SCRIPT = 'window.other = 1;';
const INDEX = `<!doctype html><html><head><script type="module" src="/_app/start.js"></script></head><body><div style="display: contents"><SCRIPT>${BOOTSTRAP}</SCRIPT></div></body></html>`;

const sha = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

function expectSecurityHeaders(res: HttpResult): void {
  const csp = directives(String(res.headers['content-security-policy']));
  expect(csp.get('script-src')).toContain("'self'");
  expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
  expect(csp.get('script-src')).not.toContain("'unsafe-eval'");
  expect(csp.get('object-src')).toEqual(["'none'"]);
  expect(csp.get('base-uri')).toEqual(["'none'"]);
  expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  expect(csp.get('form-action')).toEqual(["'self'"]);
  expect(csp.get('connect-src')).toEqual(["'self'"]);
  expect(csp.get('default-src')).toEqual(["'self'"]);
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
}

describe('security headers', () => {
  let appliance: TestAppliance;
  let webDir: string;
  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'branchline-web-'));
    mkdirSync(join(webDir, '_app'));
    mkdirSync(join(webDir, 'help'));
    writeFileSync(join(webDir, 'index.html'), INDEX);
    writeFileSync(join(webDir, 'help', 'page.html'), `<html><body><script>${OTHER_PAGE_SCRIPT}</script><script type="module" src="x.js"> </script></body></html>`);
    writeFileSync(join(webDir, '_app', 'start.js'), 'export function start() {}');
    appliance = await startTestAppliance({ BRANCHLINE_WEB_DIR: webDir });
  });
  afterAll(async () => {
    await appliance.stop();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('allows exactly the inline scripts of the served pages by hash, not any inline script', async () => {
    const page = await new TestClient(appliance).request('GET', '/');
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    const scriptSrc = directives(String(page.headers['content-security-policy'])).get('script-src')!;
    expect([...scriptSrc].sort()).toEqual(["'self'", sha(BOOTSTRAP), sha(OTHER_PAGE_SCRIPT)].sort());
  });

  it('puts them on every response: app routes, files, API answers, errors and health', async () => {
    const client = new TestClient(appliance);
    const responses = [
      await client.request('GET', '/agent'),
      await client.request('GET', '/_app/start.js'),
      await client.request('GET', '/api/does-not-exist'),
      await client.request('GET', '/api/admin/users'),
      await client.request('POST', '/api/auth/login', { username: 'admin', password: 'wrong password' }),
      await client.request('POST', '/api/auth/login', '{"broken'),
      await client.request('GET', '/healthz'),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 404, 401, 401, 400, 200]);
    for (const res of responses) expectSecurityHeaders(res);
  });
});

describe('the built web app', () => {
  const built = fileURLToPath(new URL('../../web/build/index.html', import.meta.url));

  it('has every inline script of its index.html allowed by the policy the appliance sends', () => {
    // `npm test` builds the app in set-up; without it this check has nothing to check.
    expect(existsSync(built), `${built} is missing: run node scripts/setup.mjs --test`).toBe(true);
    const html = readFileSync(built, 'utf8');
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => sha(m[1]!));
    expect(inline.length).toBeGreaterThan(0);
    const scriptSrc = directives(contentSecurityPolicy(inlineScriptHashes(join(built, '..')))).get('script-src')!;
    for (const hash of inline) expect(scriptSrc).toContain(hash);
    expect(scriptSrc).not.toContain("'unsafe-inline'");
  });
});

describe('origin of cookie-authenticated writes', () => {
  let appliance: TestAppliance;
  let admin: TestClient;
  const host = '127.0.0.1:8080';
  const kiosks = () => appliance.accounts.listKiosks().length;
  beforeAll(async () => {
    appliance = await startTestAppliance();
    admin = new TestClient(appliance, '198.51.100.130');
    expect((await admin.login('admin', appliance.adminPassword)).status).toBe(200);
  });
  afterAll(() => appliance.stop());

  it('refuses a logged-in change sent from another origin, another port of the same host or a cross-site page', async () => {
    const before = kiosks();
    const attempts: Record<string, string>[] = [
      { host, origin: 'http://evil.example' },
      { host, origin: 'http://127.0.0.1:9999' },
      { host, origin: 'null' },
      { host, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of attempts) {
      const res = await admin.request('POST', '/api/admin/kiosks', { name: 'Forged kiosk' }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/cross-origin request refused/) });
      expectSecurityHeaders(res);
    }
    const id = appliance.accounts.findByUsername('agent.lee')!.id;
    expect((await admin.request('PATCH', `/api/admin/users/${id}`, { displayName: 'Forged' }, { host, origin: 'http://127.0.0.1:9999' })).status).toBe(403);
    expect((await admin.request('DELETE', `/api/admin/users/${id}`, undefined, { host, origin: 'http://127.0.0.1:9999' })).status).toBe(403);
    expect((await admin.request('PUT', '/api/agent/presence', { state: 'available' }, { host, origin: 'http://127.0.0.1:9999' })).status).toBe(403);
    expect(appliance.accounts.getUser(id)?.displayName).toBe('Daniel Lee');
    expect(kiosks()).toBe(before);
  });

  it('lets through the same origin, clients that send no Origin, reads, and writes without the session cookie', async () => {
    const before = kiosks();
    expect((await admin.request('POST', '/api/admin/kiosks', { name: 'Same origin' }, { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect((await admin.request('POST', '/api/admin/kiosks', { name: 'Default port' }, { host: 'branch.example', origin: 'https://branch.example:443' })).status).toBe(201);
    expect((await admin.request('POST', '/api/admin/kiosks', { name: 'No origin' })).status).toBe(201);
    expect(kiosks()).toBe(before + 3);
    expect((await admin.request('GET', '/api/admin/users', undefined, { host, origin: 'http://evil.example' })).status).toBe(200);
    // Nothing to ride on without a cookie: the login answers on its merits.
    expect((await new TestClient(appliance, '198.51.100.131').request('POST', '/api/auth/login', { username: 'admin', password: 'wrong password' }, { host, origin: 'http://evil.example' })).status).toBe(401);
  });

  it('offers the same test for the WebSocket upgrade', () => {
    expect(sameOrigin({ headers: { host } })).toBe(true);
    expect(sameOrigin({ headers: { host, origin: `http://${host}` } })).toBe(true);
    expect(sameOrigin({ headers: { host: 'BRANCH.example', origin: 'http://branch.example:80' } })).toBe(true);
    expect(sameOrigin({ headers: { host, origin: 'http://127.0.0.1:8081' } })).toBe(false);
    expect(sameOrigin({ headers: { host, origin: 'http://localhost:8080' } })).toBe(false);
    expect(sameOrigin({ headers: { origin: `http://${host}` } })).toBe(false);
    expect(sameOrigin({ headers: { host, origin: 'not a url' } })).toBe(false);
    expect(sameOrigin({ headers: { host, origin: `http://${host}`, 'sec-fetch-site': 'cross-site' } })).toBe(false);
  });
});
