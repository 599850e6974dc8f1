import {
  serverFrameSchema,
  signallingResponseData,
  type CallEvent,
  type SignallingRequestInput,
  type SignallingRequestType,
  type SignallingResponseData,
} from '../../../../protocol/api/index.js';

/** A server event (anything that is not the answer to a request), with the fields the appliance sends. */
export type ServerEvent = CallEvent;

type Pending = { type: SignallingRequestType; resolve: (data: unknown) => void; reject: (err: Error) => void; timer: ReturnType<typeof setTimeout> };

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 4_000;

/** Request types whose answer carries data of a schema of its own; the others answer null. */
const answered = (type: SignallingRequestType): type is keyof typeof signallingResponseData => type in signallingResponseData;

/**
 * The browser end of /ws: requests get answers by reqId, everything else is an event. Every frame is
 * parsed with the contract's schemas; one that does not parse is dropped and reported, never guessed at.
 * When the socket drops it reconnects by itself with a short backoff; the server puts the party back
 * into its call.
 */
export class SignallingClient {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedByUs = false;
  private attempt = 0;
  private readonly waitingForConnection: (() => void)[] = [];
  connected = false;

  constructor(
    private readonly kioskToken: string | null,
    private readonly onEvent: (event: ServerEvent) => void,
    private readonly onConnection: (connected: boolean) => void,
  ) {}

  start(): void {
    this.closedByUs = false;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.kioskToken) socket.send(JSON.stringify({ type: 'auth', kioskToken: this.kioskToken }));
    };
    socket.onmessage = (message) => this.receive(String(message.data));
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.connected = false;
      for (const [id, pending] of this.pending) {
        clearTimeout(pending.timer);
        pending.reject(new Error('connection lost'));
        this.pending.delete(id);
      }
      this.onConnection(false);
      // 4401: the credentials were refused; trying again would not help.
      if (this.closedByUs || event.code === 4401 || event.code === 4409) return;
      const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** this.attempt++);
      setTimeout(() => {
        if (!this.closedByUs) this.start();
      }, delay);
    };
  }

  private receive(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      console.warn('signalling: a frame that is not JSON was dropped', text.slice(0, 200));
      return;
    }
    const parsed = serverFrameSchema.safeParse(raw);
    if (!parsed.success) {
      console.warn('signalling: a frame that breaks the contract was dropped', parsed.error.issues, raw);
      return;
    }
    const frame = parsed.data;
    if (frame.type === 'ready') {
      this.attempt = 0;
      this.connected = true;
      this.onConnection(true);
      for (const resume of this.waitingForConnection.splice(0)) resume();
      return;
    }
    if (frame.type === 'response' || frame.type === 'error') {
      const pending = frame.reqId === undefined ? undefined : this.pending.get(frame.reqId);
      if (!pending) {
        if (frame.type === 'error') console.warn('signalling: the appliance refused a frame', frame.message);
        return;
      }
      this.pending.delete(frame.reqId!);
      clearTimeout(pending.timer);
      if (frame.type === 'error') return pending.reject(new Error(frame.message));
      return this.settle(pending, frame.data);
    }
    this.onEvent(frame);
  }

  /** Resolves a request with its answer's data, parsed by the schema of its type. */
  private settle(pending: Pending, data: unknown): void {
    if (!answered(pending.type)) return pending.resolve(null);
    const parsed = signallingResponseData[pending.type].safeParse(data);
    if (parsed.success) return pending.resolve(parsed.data);
    console.warn(`signalling: the answer to ${pending.type} breaks the contract`, parsed.error.issues, data);
    pending.reject(new Error(`${pending.type}: the appliance answered something unexpected`));
  }

  request<K extends SignallingRequestType>(type: K, ...payload: object extends SignallingRequestInput<K> ? [SignallingRequestInput<K>?] : [SignallingRequestInput<K>]): Promise<SignallingResponseData<K>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.connected) return Promise.reject(new Error('not connected'));
    const reqId = this.nextId++;
    return new Promise<SignallingResponseData<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new Error(`${type} timed out`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(reqId, { type, resolve: resolve as (data: unknown) => void, reject, timer });
      socket.send(JSON.stringify({ type, reqId, ...payload[0] }));
    });
  }

  /** Resolves when the socket is (back) up and authenticated; rejects after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const resume = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waitingForConnection.splice(this.waitingForConnection.indexOf(resume), 1);
        reject(new Error('not connected'));
      }, timeoutMs);
      this.waitingForConnection.push(resume);
    });
  }

  stop(): void {
    this.closedByUs = true;
    this.socket?.close();
    this.socket = null;
  }
}
