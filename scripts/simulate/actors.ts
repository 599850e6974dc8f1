import WebSocket from 'ws';

export interface Frame {
  type: string;
  reqId?: number;
  [key: string]: unknown;
}

/** A browserless client of the appliance's signalling WebSocket, as the kiosk and agent pages use it. */
export class Signalling {
  private readonly waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void; timer: NodeJS.Timeout }[] = [];
  /** Frames nobody waited for yet, so a wait that starts late still finds them. */
  private readonly unclaimed: Frame[] = [];
  private readonly listeners: ((f: Frame) => void)[] = [];
  private nextId = 1;
  closed = false;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      const i = this.waiters.findIndex((w) => w.match(frame));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame);
      else this.unclaimed.push(frame);
      if (this.unclaimed.length > 100) this.unclaimed.shift();
      for (const l of this.listeners) l(frame);
    });
    socket.on('close', () => (this.closed = true));
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<Signalling> {
    const socket = new WebSocket(url, { headers });
    // Listening before the socket opens: the first frame can come in the same tick as the opening.
    const signalling = new Signalling(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return signalling;
  }

  /**
   * Starts afresh for a new visit: drops frames nobody took and the waits an earlier visit gave up on
   * (an abandoned customer's wait for an agent), so neither takes the new visit's frames.
   */
  forget(): void {
    this.unclaimed.length = 0;
    for (const w of this.waiters.splice(0)) clearTimeout(w.timer);
  }

  on(listener: (f: Frame) => void): void {
    this.listeners.push(listener);
  }

  next(match: (f: Frame) => boolean, timeoutMs: number): Promise<Frame> {
    const waiting = this.unclaimed.findIndex(match);
    if (waiting >= 0) return Promise.resolve(this.unclaimed.splice(waiting, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame matching ${match.toString().slice(0, 80)} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolve(f)), timer });
    });
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  request(type: string, payload: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<Frame> {
    const reqId = this.nextId++;
    const answer = this.next((f) => f.reqId === reqId, timeoutMs);
    this.send({ type, reqId, ...payload });
    return answer;
  }

  /** Drops the connection without a closing handshake, as a pulled cable does. */
  cut(): void {
    this.socket.terminate();
  }

  close(): void {
    this.socket.close();
  }
}

/** A JSON HTTP client that keeps a session cookie or sends a bearer token. */
export class Http {
  private cookie: string | null = null;

  constructor(
    private readonly base: string,
    private readonly bearer: string | null = null,
  ) {}

  get cookieHeader(): string | null {
    return this.cookie;
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }
}
