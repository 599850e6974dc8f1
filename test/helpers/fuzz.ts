import type { Database } from 'better-sqlite3';
import WebSocket from 'ws';

/**
 * Tools for the deterministic fuzz test: a seeded PRNG, hostile values, the routes Fastify registered,
 * and a WebSocket that hands back one answer (a frame or the close) at a time.
 */

/** mulberry32: a tiny, fast, good-enough 32-bit PRNG; the same seed gives the same run everywhere. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  float(): number {
    return this.next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A version-4-shaped UUID that no store holds (the odds of a collision are nil). */
  uuid(): string {
    const hex = (n: number) => Array.from({ length: n }, () => this.int(0, 15).toString(16)).join('');
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${this.pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  }
}

/** Strings that have broken parsers, loggers, regexes and templates before. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u001f',
  '\ud800',
  '\udfff',
  '\ud83d',
  '\u202e evil',
  '\u200b\u200c\u200d\ufeff',
  '\r\n\r\nX-Injected: 1',
  'Z\u0351\u0315\u035c\u0301\u0327\u0358a\u0335\u0323l\u0334\u0318g\u0336\u0326o',
  '𝌆𝌆𝌆',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  '你好，我的卡不見了',
  'مرحبا',
  'ﬁ ß İ ı',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' OR '1'='1",
  '${7*7}{{7*7}}#{7*7}',
  '%s%s%n%x',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'null',
  'undefined',
  'NaN',
  'true',
  '[object Object]',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '$where',
  '{"$gt":""}',
  '\\u0000',
  '\\',
  '"',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-4fff-bfff-ffffffffffff',
  '-1',
  '1e309',
  '0x10',
  '9'.repeat(400),
];

/** Numbers at the edges: JSON can carry all of these. */
export const NASTY_NUMBERS: readonly number[] = [0, -0, -1, 1, 1.5, -1.5, 0.1 + 0.2, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 5e-324, 1e21];

/** Keys no body schema of the product names. */
export const ALIEN_KEYS: readonly string[] = ['zz', '', ' ', 'a.b', '$gt', 'toString', 'hasOwnProperty', 'valueOf', 'constructor', '\u0000', '__defineGetter__', 'isAdmin', 'fuzz\u202e'];

export function nastyString(rng: Rng, maxLength = 70_000): string {
  const roll = rng.float();
  if (roll < 0.6) return rng.pick(NASTY_STRINGS);
  if (roll < 0.8) return rng.pick(NASTY_STRINGS).repeat(rng.int(2, 50));
  // Long: up to about maxLength bytes of UTF-8, in one to four-byte characters.
  const unit = rng.pick(['x', 'é', '你', '𝌆']);
  return unit.repeat(Math.max(1, Math.floor(rng.int(1_000, maxLength) / Buffer.byteLength(unit))));
}

/**
 * Nested arrays or objects `depth` deep: JSON.parse copes, recursive code might not. Serialising it is
 * recursive too: keep `depth` to a few hundred, and use deepJsonText for deeper ones.
 */
export function deeplyNested(rng: Rng, depth: number): unknown {
  let value: unknown = rng.pick([1, 'x', null, true]);
  const asArrays = rng.chance(0.5);
  for (let i = 0; i < depth; i++) value = asArrays ? [value] : { a: value };
  return value;
}

/** The JSON text of nested arrays or objects `depth` deep (2 or 6 bytes a level). */
export function deepJsonText(rng: Rng, depth: number): string {
  const leaf = rng.pick(['1', '"x"', 'null', '{}', '[]']);
  return rng.chance(0.5) ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

/** Any JSON value, small or big, flat or nested. */
export function junkValue(rng: Rng, depth = 0): unknown {
  const roll = rng.int(0, depth > 2 ? 5 : 9);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(NASTY_NUMBERS);
    case 3:
    case 4:
    case 5:
      return nastyString(rng, 8_000);
    case 6:
      return Array.from({ length: rng.int(0, 4) }, () => junkValue(rng, depth + 1));
    case 7: {
      const value: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--) value[rng.pick([...ALIEN_KEYS, ...NASTY_STRINGS.slice(0, 20)])] = junkValue(rng, depth + 1);
      return value;
    }
    case 8:
      return deeplyNested(rng, rng.int(10, 300));
    default:
      return withProtoKey(rng, junkValue(rng, depth + 1));
  }
}

/** An object with an own `__proto__` key, as JSON.parse would make it: serialised, it tries to pollute. */
export function withProtoKey(rng: Rng, inner: unknown): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  Object.defineProperty(value, rng.pick(['__proto__', 'constructor']), {
    value: rng.chance(0.5) ? { polluted: 'yes', prototype: { polluted: 'yes' } } : inner,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return value;
}

/** A value no field of the base value's type can take: a compound for a primitive, a primitive for a compound. */
export function incompatible(rng: Rng, base: unknown): unknown {
  if (base !== null && typeof base === 'object') return rng.pick<unknown>([42, -1, 'a string', true, false]);
  return rng.pick<unknown>([{}, [], [base], { value: base }, deeplyNested(rng, rng.int(2, 300))]);
}

/** Text that JSON.parse refuses. */
export function malformedJson(rng: Rng, valid: string): string {
  const candidates = [
    valid.slice(0, Math.max(1, rng.int(0, valid.length - 1))),
    `${valid},`,
    `${valid}${valid}`,
    valid.replace(/"/g, "'"),
    valid.replace(/:/, ': NaN, "x":'),
    `{${valid}`,
    `// comment\n${valid}`,
    '{"a":1,}',
    '{"a":undefined}',
    "{'a':1}",
    '{"a":0x10}',
    '{"a":"\u0001"}',
    '[1,2',
    '{"a":1}]',
    '{"a"}',
    '\u0000',
    'nul',
    '{',
    '}',
    '"',
    `{"${'a'.repeat(100)}`,
  ];
  for (;;) {
    const text = rng.pick(candidates);
    try {
      JSON.parse(text);
    } catch {
      return text;
    }
  }
}

/** Percent-encodes like a client would; lone surrogates, which encodeURIComponent refuses, go as broken UTF-8. */
export function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

export interface RegisteredRoute {
  method: string;
  path: string;
}

/**
 * The routes Fastify registered, read from `app.printRoutes({ commonPrefix: false })`: a tree whose
 * lines are `├── /segment (GET, HEAD)` indented four characters per level.
 */
export function parseRouteTree(tree: string): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = [...match[1]!].length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('');
    for (const method of match[3]?.split(',').map((m) => m.trim()) ?? []) routes.push({ method, path });
  }
  return routes;
}

/** Keys of two snapshots (JSON text by name) whose texts differ. */
export function changedKeys(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]).sort();
}

/**
 * Every row of every table of a SQLite database, as JSON text by table; the schema version tables,
 * which only migrations write, aside. Two of them are equal only if no row was added, changed or removed.
 */
export function tableRows(db: Database): Record<string, string> {
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT GLOB 'schema_version_*' ORDER BY name").pluck().all();
  return Object.fromEntries(tables.map((table) => [table, JSON.stringify(db.prepare(`SELECT * FROM "${table.replace(/"/g, '""')}"`).all())]));
}

export function excerpt(value: unknown, max = 240): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (Buffer.isBuffer(value)) text = `<${value.length} bytes> ${value.subarray(0, max).toString('hex')}`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch (err) {
      text = `<unserialisable: ${(err as Error).message}>`;
    }
  }
  const printable = JSON.stringify(text.length > max ? text.slice(0, max) : text).slice(1, -1);
  return text.length > max ? `${printable}… (${text.length} chars)` : printable;
}

export type Answer = { kind: 'frame'; frame: Record<string, unknown> } | { kind: 'close'; code: number; reason: string } | { kind: 'timeout' };

/**
 * A raw WebSocket for fuzzing: sends text or binary frames and gives back, in order, each frame the
 * server sends and finally the close. Waiting is event-driven; the timeout only bounds a hang.
 */
export class FrameSocket {
  private readonly answers: Answer[] = [];
  private waiter: ((answer: Answer) => void) | null = null;
  closeCode: number | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      const text = Buffer.isBuffer(data) ? data.toString() : Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data).toString();
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(text) as Record<string, unknown>;
      } catch {
        frame = { type: '<not JSON>', raw: text };
      }
      this.push({ kind: 'frame', frame });
    });
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.push({ kind: 'close', code, reason: reason.toString() });
    });
    // A send racing the server's close fails here; the close answer says what happened.
    socket.on('error', () => undefined);
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<FrameSocket> {
    // handshakeTimeout bounds an upgrade that never completes.
    const socket = new WebSocket(url, { headers, handshakeTimeout: 10_000 });
    const client = new FrameSocket(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Error(`upgrade refused with ${res.statusCode}`));
      });
      socket.once('error', reject);
    });
    return client;
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(data: string | Buffer, binary = false): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(data, { binary }, () => undefined);
  }

  private push(answer: Answer): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter(answer);
    } else this.answers.push(answer);
  }

  /** The next thing the server sent: a frame, the close, or a timeout if it sent nothing at all. */
  next(timeoutMs = 5_000): Promise<Answer> {
    const queued = this.answers.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closeCode !== null) return Promise.resolve({ kind: 'close', code: this.closeCode, reason: '' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.waiter = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
    });
  }

  /** Closes and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.closeCode !== null) return;
    this.socket.close();
    for (;;) {
      const answer = await this.next();
      if (answer.kind !== 'frame') return;
    }
  }
}
