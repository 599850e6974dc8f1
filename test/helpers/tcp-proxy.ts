import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on loopback that a test can cut and restore, like a network link: cutting drops every
 * open connection (a WebSocket sees its peer vanish) and refuses new ones until restored, counting the
 * attempts, so a test can wait until a client has really tried and failed to get through.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private cutAt: number | null = null;
  /** Connections refused since the last cut. */
  refused = 0;

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise((resolve) => probe.close(resolve));
    const proxy = new TcpProxy(port, targetPort);
    await proxy.restore();
    return proxy;
  }

  async restore(): Promise<void> {
    this.cutAt = null;
    if (this.server) return;
    const server = createServer((client) => {
      if (this.cutAt !== null) {
        this.refused += 1;
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Drops every connection; new ones are accepted and dropped at once, as a dead link would. */
  cut(): void {
    this.cutAt = Date.now();
    this.refused = 0;
    for (const socket of this.sockets) socket.destroy();
  }

  /** Stops relaying for good. */
  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = null;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
