import type { WebSocket } from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EventBus } from '../bus.js';
import type { Accounts } from '../accounts/index.js';
import { CallError, partyKey, type CallEvent, type CallNotifier, type Calls, type Party } from '../calls/index.js';
import { LANGUAGES } from '../store/index.js';
import { sessionToken } from './auth.js';

/** Frames larger than this are refused by the socket itself (close code 1009). */
export const MAX_FRAME_BYTES = 64 * 1024;
const AUTH_TIMEOUT_MS = 5000;

const id = z.string().min(1).max(64);
// mediasoup validates RTP and DTLS parameters in depth; here only their outer shape and size are checked.
const mediaObject = z.record(z.string(), z.unknown());

const request = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('requestAgent'), reqId: z.number().int().optional(), lang: z.enum(LANGUAGES), sessionId: z.uuid().nullable().default(null) }),
  z.strictObject({ type: z.literal('cancelRequest'), reqId: z.number().int().optional() }),
  z.strictObject({ type: z.literal('createTransport'), reqId: z.number().int().optional() }),
  z.strictObject({ type: z.literal('connectTransport'), reqId: z.number().int().optional(), transportId: id, dtlsParameters: mediaObject }),
  z.strictObject({ type: z.literal('restartIce'), reqId: z.number().int().optional(), transportId: id }),
  z.strictObject({ type: z.literal('produce'), reqId: z.number().int().optional(), transportId: id, kind: z.enum(['audio', 'video']), rtpParameters: mediaObject, paused: z.boolean().default(false) }),
  z.strictObject({ type: z.literal('consume'), reqId: z.number().int().optional(), transportId: id, producerId: id, rtpCapabilities: mediaObject }),
  z.strictObject({ type: z.literal('resumeConsumer'), reqId: z.number().int().optional(), consumerId: id }),
  z.strictObject({ type: z.literal('setProducerPaused'), reqId: z.number().int().optional(), producerId: id, paused: z.boolean() }),
  z.strictObject({ type: z.literal('rejoin'), reqId: z.number().int().optional() }),
  z.strictObject({ type: z.literal('chat'), reqId: z.number().int().optional(), text: z.string().trim().min(1).max(1000) }),
  z.strictObject({ type: z.literal('endCall'), reqId: z.number().int().optional() }),
]);
type Request = z.output<typeof request>;

const kioskAuth = z.strictObject({ type: z.literal('auth'), kioskToken: z.string().min(1).max(512) });

const KIOSK_ONLY = new Set(['requestAgent', 'cancelRequest']);

/**
 * The WebSocket signalling endpoint at /ws. Agents authenticate with their session cookie at the
 * upgrade; kiosks send their device token as the first frame. Every later frame is a zod-checked
 * request; the party is taken from the authenticated connection, never from the frame.
 */
export class Signalling implements CallNotifier {
  private readonly sockets = new Map<string, WebSocket>();

  constructor(
    private readonly accounts: Accounts,
    private readonly calls: Calls,
    bus: EventBus,
  ) {
    calls.attach(this);
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
    const socket = this.sockets.get(partyKey(to));
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
  }

  connectedAgents(): string[] {
    return [...this.sockets.keys()].filter((key) => key.startsWith('agent:')).map((key) => key.slice('agent:'.length));
  }

  register(app: FastifyInstance): void {
    app.get('/ws', { websocket: true }, (socket, request) => this.accept(socket, request));
  }

  private accept(socket: WebSocket, request: FastifyRequest): void {
    const token = sessionToken(request);
    const user = token ? this.accounts.sessionUser(token) : null;
    // Admins connect too: they watch the live alerts like supervisors (they take no calls: no skills).
    if (user) {
      this.open(socket, { kind: 'agent', userId: user.id });
      return;
    }
    const timer = setTimeout(() => socket.close(4401, 'authentication required'), AUTH_TIMEOUT_MS);
    socket.once('message', (data) => {
      clearTimeout(timer);
      const parsed = kioskAuth.safeParse(parseJson(data.toString()));
      const kiosk = parsed.success ? this.accounts.kioskByToken(parsed.data.kioskToken) : null;
      if (!kiosk) {
        socket.send(JSON.stringify({ type: 'error', message: 'a valid kiosk token or an agent session is required' }));
        socket.close(4401, 'authentication failed');
        return;
      }
      this.open(socket, { kind: 'kiosk', kioskId: kiosk.id });
    });
  }

  private open(socket: WebSocket, party: Party): void {
    const key = partyKey(party);
    const previous = this.sockets.get(key);
    this.sockets.set(key, socket);
    if (previous) previous.close(4409, 'replaced by a newer connection');
    socket.send(JSON.stringify({ type: 'ready', party: party.kind }));
    this.calls.connected(party);
    socket.on('message', (data) => void this.handle(socket, party, data.toString()));
    socket.on('close', () => {
      if (this.sockets.get(key) !== socket) return;
      this.sockets.delete(key);
      this.calls.disconnected(party);
    });
  }

  private async handle(socket: WebSocket, party: Party, text: string): Promise<void> {
    const raw = parseJson(text);
    const reqId = typeof (raw as { reqId?: unknown })?.reqId === 'number' ? (raw as { reqId: number }).reqId : undefined;
    const reply = (frame: Record<string, unknown>): void => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ ...frame, ...(reqId === undefined ? {} : { reqId }) }));
    };
    if (raw === undefined) return reply({ type: 'error', message: 'frame is not valid JSON' });
    const parsed = request.safeParse(raw);
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

  private dispatch(party: Party, m: Request): Promise<unknown> | unknown {
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
