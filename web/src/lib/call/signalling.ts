/** A server event (anything that is not the answer to a request). */
export interface ServerEvent {
  type: string;
  [key: string]: unknown;
}

type Pending = { resolve: (data: unknown) => void; reject: (err: Error) => void; timer: ReturnType<typeof setTimeout> };

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 4_000;

/**
 * The browser end of /ws: requests get answers by reqId, everything else is an event. When the socket
 * drops it reconnects by itself with a short backoff; the server puts the party back into its call.
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
    socket.onmessage = (message) => {
      const frame = JSON.parse(String(message.data)) as ServerEvent & { reqId?: number; data?: unknown; message?: string };
      if (frame.type === 'ready') {
        this.attempt = 0;
        this.connected = true;
        this.onConnection(true);
        for (const resume of this.waitingForConnection.splice(0)) resume();
        return;
      }
      if (frame.reqId !== undefined && this.pending.has(frame.reqId)) {
        const pending = this.pending.get(frame.reqId)!;
        this.pending.delete(frame.reqId);
        clearTimeout(pending.timer);
        if (frame.type === 'error') pending.reject(new Error(frame.message ?? 'request failed'));
        else pending.resolve(frame.data);
        return;
      }
      this.onEvent(frame);
    };
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

  request<T = unknown>(type: string, payload: Record<string, unknown> = {}): Promise<T> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.connected) return Promise.reject(new Error('not connected'));
    const reqId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new Error(`${type} timed out`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(reqId, { resolve: resolve as (data: unknown) => void, reject, timer });
      socket.send(JSON.stringify({ type, reqId, ...payload }));
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
