import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { randomSecret, sameSecret } from '../../protocol/index.js';

export interface EmbeddedBroker {
  url: string;
  username: string;
  password: string;
  /** aedes speaks MQTT 3.1.1 only. */
  protocolVersion: 4;
  close(): Promise<void>;
}

/**
 * An aedes broker on loopback, so a single appliance runs without a separate broker. It accepts one
 * credential, made fresh at each start and handed only to this process's own clients.
 */
export async function startEmbeddedBroker(port: number): Promise<EmbeddedBroker> {
  const username = 'branchline-local';
  const password = randomSecret();
  const broker = await Aedes.createBroker();
  broker.authenticate = (_client, user, pass, done) => {
    const ok = user === username && pass !== undefined && sameSecret(pass.toString('utf8'), password);
    done(null, ok);
  };
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    username,
    password,
    protocolVersion: 4,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
