import type { WebSocket } from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { kioskAuthSchema, signallingRequestSchema, type ServerFrame, type SignallingRequest } from '../../protocol/api/index.js';
import type { EventBus } from '../bus.js';
import type { Accounts } from '../accounts/index.js';
import { CallError, partyKey, type CallEvent, type CallNotifier, type Calls, type Party } from '../calls/index.js';
import type { App } from './app.js';
import { sessionToken } from './auth.js';
import { HttpError } from './errors.js';
import { sameOrigin } from './security.js';

/** Frames larger than this are refused by the socket itself (close code 1009). */
export const MAX_FRAME_BYTES = 64 * 1024;
const AUTH_TIMEOUT_MS = 5000;
/** The client stops reconnecting on this code: its credentials no longer hold. */
const CLOSE_REVOKED = 4401;
/** setTimeout's ceiling (about 24.8 days); a longer session is re-armed when it is reached. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const KIOSK_ONLY = new Set(['requestAgent', 'cancelRequest']);

/** An authenticated socket and what it was authenticated with, so it can be closed when that ends. */
interface Connection {
  socket: WebSocket;
  party: Party;
  /** The agent's login session; null for a kiosk. */
  sessionId: string | null;
  /** Whether the credential is still good, asked before each request. */
  stillValid(): boolean;
  expiry: NodeJS.Timeout | null;
}

/**
 * The WebSocket signalling endpoint at /ws. Agents authenticate with their session cookie at the
 * upgrade; kiosks send their device token as the first frame. Every later frame is a zod-checked
 * request; the party is taken from the authenticated connection, never from the frame.
 */
export class Signalling implements CallNotifier {
  private readonly connections = new Map<string, Connection>();

  constructor(
    private readonly accounts: Accounts,
    private readonly calls: Calls,
    bus: EventBus,
    private readonly log: FastifyBaseLogger,
  ) {
    calls.attach(this);
    // A socket is only as good as the login or device token it opened with: when that ends, so does it,
    // or a logged-out, demoted or deleted user would go on receiving calls and the customers' chat.
    bus.on('account.sessions.revoked', ({ userId, sessionId, reason }) => {
      const conn = this.connections.get(partyKey({ kind: 'agent', userId }));
      if (conn && (sessionId === null || conn.sessionId === sessionId)) this.revoke(conn, `session ended: ${reason}`);
    });
    bus.on('account.removed', ({ userId }) => {
      const conn = this.connections.get(partyKey({ kind: 'agent', userId }));
      if (conn) this.revoke(conn, 'session ended: removed');
    });
    bus.on('kiosk.revoked', ({ kioskId }) => {
      const conn = this.connections.get(partyKey({ kind: 'kiosk', kioskId }));
      if (conn) this.revoke(conn, 'kiosk revoked');
    });
    // Emotion alerts and state go to the agent in the call and to every supervisor watching.
    bus.on('sense.alert', ({ alert, kioskId }) => {
      const event: CallEvent = { type: 'alert', alert, kioskName: this.accounts.getKiosk(kioskId)?.name ?? 'kiosk' };
      for (const userId of this.watchers(alert.callId)) this.send({ kind: 'agent', userId }, event);
    });
    bus.on('sense.state', (state) => {
      const event: CallEvent = { type: 'emotion', sessionId: state.sessionId, callId: state.callId, channel: state.channel, fused: state.fused, face: state.face };
      for (const userId of this.watchers(state.callId)) this.send({ kind: 'agent', userId }, event);
    });
  }

  /** The agent of a call and the connected supervisors and admins. */
  private watchers(callId: string | null): Set<string> {
    const users = new Set(this.connectedAgents().filter((id) => ['supervisor', 'admin'].includes(this.accounts.getUser(id)?.role ?? '')));
    const agent = callId ? this.calls.agentOfCall(callId) : null;
    if (agent) users.add(agent);
    return users;
  }

  send(to: Party, event: CallEvent): void {
    const socket = this.connections.get(partyKey(to))?.socket;
    if (socket && socket.readyState === socket.OPEN) this.write(socket, event);
  }

  /** Every frame leaves through here, typed as the contract's frames. */
  private write(socket: WebSocket, frame: ServerFrame): void {
    socket.send(JSON.stringify(frame));
  }

  connectedAgents(): string[] {
    return [...this.connections.keys()].filter((key) => key.startsWith('agent:')).map((key) => key.slice('agent:'.length));
  }

  register(app: App): void {
    // @fastify/websocket keeps the upgrade out of the OpenAPI document, which cannot describe it: the frames'
    // schemas are protocol/api/signalling.ts.
    app.get('/ws', { websocket: true, preValidation: refuseCrossOrigin }, (socket, request) => this.accept(socket, request));
  }

  private accept(socket: WebSocket, request: FastifyRequest): void {
    let who = 'unauthenticated';
    // @fastify/websocket's own handler logs every socket error at error level with its stack and
    // terminates; the errors that reach here are a client's protocol faults (an oversized or malformed
    // frame), which ws already answers with a close: one warning per socket is all they are worth.
    socket.removeAllListeners('error');
    let warned = false;
    socket.on('error', (err) => {
      if (warned) return;
      warned = true;
      request.log.warn({ party: who, reason: err.message }, 'signalling socket error');
    });

    const token = sessionToken(request);
    const session = token ? this.accounts.session(token) : null;
    // Admins connect too: they watch the live alerts like supervisors (they take no calls: no skills).
    if (token && session) {
      const party: Party = { kind: 'agent', userId: session.user.id };
      who = partyKey(party);
      const conn: Connection = { socket, party, sessionId: session.sessionId, stillValid: () => this.accounts.sessionUser(token) !== null, expiry: null };
      this.open(conn);
      this.closeAtExpiry(conn, token, session.expiresAt);
      return;
    }
    const timer = setTimeout(() => socket.close(4401, 'authentication required'), AUTH_TIMEOUT_MS);
    socket.once('message', (data) => {
      clearTimeout(timer);
      const parsed = kioskAuthSchema.safeParse(parseJson(data.toString()));
      const kiosk = parsed.success ? this.accounts.kioskByToken(parsed.data.kioskToken) : null;
      if (!parsed.success || !kiosk) {
        this.write(socket, { type: 'error', message: 'a valid kiosk token or an agent session is required' });
        socket.close(4401, 'authentication failed');
        return;
      }
      const kioskToken = parsed.data.kioskToken;
      const party: Party = { kind: 'kiosk', kioskId: kiosk.id };
      who = partyKey(party);
      this.open({ socket, party, sessionId: null, stillValid: () => this.accounts.kioskByToken(kioskToken) !== null, expiry: null });
    });
  }

  /**
   * Closes an agent's socket when its login session runs out. Nothing announces an expiry, so a timer
   * does; at that moment the session is looked up again in case it was renewed meanwhile.
   */
  private closeAtExpiry(conn: Connection, token: string, expiresAt: string): void {
    const delay = Math.min(Math.max(0, Date.parse(expiresAt) - Date.now()), MAX_TIMER_MS);
    conn.expiry = setTimeout(() => {
      conn.expiry = null;
      const session = this.accounts.session(token);
      if (session && Date.parse(session.expiresAt) > Date.now()) this.closeAtExpiry(conn, token, session.expiresAt);
      else this.revoke(conn, 'session ended: expired');
    }, delay);
    // A session's end must not keep the process alive at shutdown.
    conn.expiry.unref();
  }

  /**
   * Takes a party off the appliance at once, before its close handshake ends: meanwhile it must not be
   * offered a customer nor act in a call.
   */
  private revoke(conn: Connection, reason: string): void {
    if (conn.expiry) clearTimeout(conn.expiry);
    const key = partyKey(conn.party);
    if (this.connections.get(key) === conn) {
      this.connections.delete(key);
      this.calls.disconnected(conn.party);
    }
    conn.socket.close(CLOSE_REVOKED, reason);
  }

  private open(conn: Connection): void {
    const { socket, party } = conn;
    const key = partyKey(party);
    const previous = this.connections.get(key);
    this.connections.set(key, conn);
    if (previous) previous.socket.close(4409, 'replaced by a newer connection');
    this.write(socket, { type: 'ready', party: party.kind });
    this.calls.connected(party);
    socket.on('message', (data) => {
      this.handle(conn, data.toString()).catch((err: Error) => this.log.error({ party: key, err: err.message }, 'a signalling frame could not be handled'));
    });
    socket.on('close', () => {
      if (conn.expiry) clearTimeout(conn.expiry);
      if (this.connections.get(key) !== conn) return;
      this.connections.delete(key);
      this.calls.disconnected(party);
    });
  }

  private async handle(conn: Connection, text: string): Promise<void> {
    const { socket, party } = conn;
    // A replaced or revoked socket may still deliver frames until its close handshake ends.
    if (this.connections.get(partyKey(party)) !== conn) return;
    // Revocations arrive as events; this catches a credential that ended without one.
    if (!conn.stillValid()) return this.revoke(conn, 'credentials no longer valid');
    const raw = parseJson(text);
    const reqId = typeof (raw as { reqId?: unknown })?.reqId === 'number' ? (raw as { reqId: number }).reqId : undefined;
    const reply = (frame: Extract<ServerFrame, { type: 'response' | 'error' }>): void => {
      if (socket.readyState === socket.OPEN) this.write(socket, { ...frame, ...(reqId === undefined ? {} : { reqId }) });
    };
    if (raw === undefined) return reply({ type: 'error', message: 'frame is not valid JSON' });
    const parsed = signallingRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return reply({ type: 'error', message: `invalid request: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}` });
    }
    const message = parsed.data;
    if (KIOSK_ONLY.has(message.type) && party.kind !== 'kiosk') {
      return reply({ type: 'error', message: `${message.type} is not allowed for an agent` });
    }
    try {
      reply({ type: 'response', data: (await this.dispatch(party, message)) ?? null });
    } catch (err) {
      if (err instanceof CallError) return reply({ type: 'error', message: err.message });
      // mediasoup rejects bad RTP/DTLS parameters with a TypeError or its own errors: the client's fault.
      return reply({ type: 'error', message: `request failed: ${(err as Error).message}` });
    }
  }

  private dispatch(party: Party, m: SignallingRequest): Promise<unknown> | unknown {
    switch (m.type) {
      case 'requestAgent':
        return this.calls.request((party as { kioskId: string }).kioskId, m.lang, m.sessionId).then((callId) => ({ callId }));
      case 'cancelRequest':
        return this.calls.cancel((party as { kioskId: string }).kioskId);
      case 'createTransport':
        return this.calls.createTransport(party);
      case 'connectTransport':
        return this.calls.connectTransport(party, m.transportId, m.dtlsParameters as never);
      case 'restartIce':
        return this.calls.restartIce(party, m.transportId).then((iceParameters) => ({ iceParameters }));
      case 'produce':
        return this.calls.produce(party, m.transportId, m.kind, m.rtpParameters as never, m.paused).then((producerId) => ({ producerId }));
      case 'consume':
        return this.calls.consume(party, m.transportId, m.producerId, m.rtpCapabilities as never);
      case 'resumeConsumer':
        return this.calls.resumeConsumer(party, m.consumerId);
      case 'setProducerPaused':
        return this.calls.setProducerPaused(party, m.producerId, m.paused);
      case 'rejoin':
        return this.calls.rejoin(party);
      case 'chat':
        return this.calls.chat(party, m.text);
      case 'endCall':
        return this.calls.end(party);
    }
  }
}

/**
 * A browser page on another origin may open a WebSocket here carrying the staff cookie (SameSite does not
 * cover another port of the same host): its upgrade is refused before any socket exists. Clients that
 * send no Origin (kiosk software, tools) are not browsers and authenticate on their own.
 */
async function refuseCrossOrigin(request: FastifyRequest): Promise<void> {
  if (!sameOrigin(request)) throw new HttpError(403, 'cross-origin WebSocket upgrades are refused');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
