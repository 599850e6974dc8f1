import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/** Build output is a few HTML files; anything deeper or bigger is not the web app. */
const MAX_HTML_FILES = 200;
const MAX_HTML_BYTES = 2 * 1024 * 1024;
const MAX_DEPTH = 6;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The CSP sources of the inline scripts in the HTML files under `webDir` ('sha256-...'). SvelteKit's
 * page starts itself with one inline script; allowing exactly the scripts that were built, instead of
 * 'unsafe-inline', keeps an injected script from running.
 */
export function inlineScriptHashes(webDir: string): string[] {
  const hashes = new Set<string>();
  for (const file of htmlFiles(webDir)) {
    const html = readFileSync(file, 'utf8');
    // The HTML tokenizer ends a script's text at the first "</script", whatever case: so does this.
    for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script/gi)) {
      if (/\bsrc\s*=/i.test(match[1]!)) continue;
      hashes.add(`'sha256-${createHash('sha256').update(match[2]!, 'utf8').digest('base64')}'`);
    }
  }
  return [...hashes].sort();
}

function htmlFiles(dir: string, depth = 0, found: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found; // Not built: no inline scripts to allow.
  }
  for (const entry of entries) {
    if (found.length >= MAX_HTML_FILES) break;
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth < MAX_DEPTH) htmlFiles(path, depth + 1, found);
    else if (entry.isFile() && entry.name.endsWith('.html') && statSync(path).size <= MAX_HTML_BYTES) found.push(path);
  }
  return found;
}

export function contentSecurityPolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src ${["'self'", ...scriptHashes].join(' ')}`,
    // Svelte writes style attributes (style: directives, the app shell's display: contents).
    "style-src 'self' 'unsafe-inline'",
    // 'self' covers the same-origin WebSocket of the signalling.
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    // Vite inlines the smallest font subsets into the CSS as data: URLs.
    "font-src 'self' data:",
    "media-src 'self' blob: mediastream:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

export function securityHeaders(scriptHashes: readonly string[]): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(scriptHashes),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

/**
 * Whether a browser request comes from a page of this appliance: its Origin names the host and port the
 * request was sent to, and the browser does not call it cross-site. A request without Origin is no
 * browser's cross-origin request (browsers send Origin on every cross-origin write and WebSocket).
 */
export function sameOrigin(request: Pick<FastifyRequest, 'headers'>): boolean {
  if (request.headers['sec-fetch-site'] === 'cross-site') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (!host) return false;
  try {
    const from = new URL(origin);
    if (from.protocol !== 'http:' && from.protocol !== 'https:') return false; // "null", file:, extensions
    // Normalised through URL so that an explicit default port or upper case compares equal.
    return from.host === new URL(`${from.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/**
 * Security headers on every response, and cookie-authenticated writes only from the appliance's own
 * pages: SameSite=Strict does not stop a page on another port of the same host, which is the same site.
 */
export function installSecurity(app: FastifyInstance, options: { webDir: string; sessionCookie: string }): void {
  const headers = securityHeaders(inlineScriptHashes(options.webDir));
  app.addHook('onRequest', async (request) => {
    if (!UNSAFE_METHODS.has(request.method) || request.cookies[options.sessionCookie] === undefined) return;
    if (!sameOrigin(request)) {
      throw new HttpError(403, 'cross-origin request refused: a logged-in change must come from a page of this appliance');
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(headers)) if (!reply.hasHeader(name)) reply.header(name, value);
    return payload;
  });
}
