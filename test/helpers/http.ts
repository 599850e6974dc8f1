/** A fetch client for an appliance in another process: keeps the session cookie as a browser would. */
export class HttpSession {
  cookie: string | null = null;

  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const session = res.headers.getSetCookie().find((c) => c.startsWith('bl_session='));
    if (session) this.cookie = session.split(';')[0]!;
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: res.status, body: parsed };
  }

  async login(username: string, password: string): Promise<number> {
    return (await this.request('POST', '/api/auth/login', { username, password })).status;
  }
}
