import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, TestClient, type TestAppliance } from '../helpers/appliance.js';
import { Mosquitto } from '../helpers/mosquitto.js';

interface Health {
  status: 'up' | 'down';
  subsystems: Record<string, { status: 'up' | 'down'; detail: string; workers?: { pid: number | null; state: string; restarts: number }[] }>;
}

/** The detail is for staff: a logged-in client of any role, here the demo agent. */
async function staff(appliance: TestAppliance): Promise<TestClient> {
  const client = new TestClient(appliance, '198.51.100.120');
  const agent = appliance.firstStartCredentials.find((c) => c.role.startsWith('agent'))!;
  expect((await client.login(agent.username, agent.password)).status).toBe(200);
  return client;
}

const clients = new WeakMap<TestAppliance, Promise<TestClient>>();

async function health(appliance: TestAppliance): Promise<{ code: number; body: Health }> {
  if (!clients.has(appliance)) clients.set(appliance, staff(appliance));
  const res = await (await clients.get(appliance)!).request('GET', '/healthz');
  return { code: res.status, body: res.body as unknown as Health };
}

async function until<T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('healthz with the embedded broker', () => {
  let appliance: TestAppliance;
  beforeAll(async () => {
    appliance = await startTestAppliance({ BRANCHLINE_MEDIA_WORKERS: '2', BRANCHLINE_MEDIA_WORKER_RESPAWN_MS: '1500' });
  });
  afterAll(() => appliance.stop());

  it('reports store, media workers and MQTT as up', async () => {
    const { code, body } = await health(appliance);
    expect(code).toBe(200);
    expect(body.status).toBe('up');
    expect(body.subsystems.store!.status).toBe('up');
    expect(body.subsystems.media!.detail).toBe('2 of 2 workers running');
    expect(body.subsystems.mqtt!.detail).toMatch(/^connected to mqtt:\/\/127\.0\.0\.1:\d+ \(MQTT 3\.1\.1\)/);
  });

  it('tells anonymous callers only up or down, without paths, process ids, ports or reasons', async () => {
    const anonymous = await new TestClient(appliance).request('GET', '/healthz');
    expect(anonymous.status).toBe(200);
    expect(Object.keys(anonymous.body).sort()).toEqual(['device', 'status', 'subsystems']);
    expect(anonymous.body).toMatchObject({ status: 'up', device: expect.stringMatching(/^test-/), subsystems: { store: { status: 'up' }, media: { status: 'up' }, mqtt: { status: 'up' } } });
    for (const subsystem of Object.values(anonymous.body.subsystems as Record<string, unknown>)) expect(subsystem).toEqual({ status: 'up' });
    const text = JSON.stringify(anonymous.body);
    expect(text).not.toContain(appliance.dataDir);
    expect(text).not.toMatch(/pid|detail|127\.0\.0\.1|mqtt:\/\//);
    expect(anonymous.headers['cache-control']).toBe('no-store');
    // A forged or ended session is anonymous too.
    const forged = await new TestClient(appliance).request('GET', '/healthz', undefined, { cookie: 'bl_session=bs_x.AAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(forged.body).not.toHaveProperty('subsystems.store.detail');

    const detailed = await health(appliance);
    expect(detailed.body.subsystems.store!.detail).toContain(appliance.dataDir);
    expect(detailed.body.subsystems.media!.workers!.every((w) => typeof w.pid === 'number')).toBe(true);
  });

  it('shows a killed mediasoup worker as down, then up again once it is replaced', async () => {
    const before = (await health(appliance)).body.subsystems.media!.workers!;
    const victim = before[0]!.pid!;
    process.kill(victim, 'SIGKILL');
    // Asked at the same moment, anonymous callers get the same verdict and status code, only not why.
    const both = () => Promise.all([health(appliance), new TestClient(appliance).request('GET', '/healthz')]);
    const [down, anonymous] = await until('media down', both, ([h, a]) => h.body.subsystems.media!.status === 'down' && a.status === 503);
    expect(down.code).toBe(503);
    expect(anonymous.body).toMatchObject({ status: 'down', subsystems: { media: { status: 'down' } } });
    expect(anonymous.body.subsystems).not.toHaveProperty('media.workers');
    expect(down.body.status).toBe('down');
    expect(down.body.subsystems.media!.detail).toBe('1 of 2 workers running');
    expect(down.body.subsystems.media!.workers![0]).toMatchObject({ pid: null, state: 'restarting' });

    const up = await until('media up', () => health(appliance), (h) => h.body.subsystems.media!.status === 'up');
    expect(up.code).toBe(200);
    const replaced = up.body.subsystems.media!.workers![0]!;
    expect(replaced.pid).not.toBe(victim);
    expect(replaced).toMatchObject({ state: 'running', restarts: 1 });
    expect(appliance.media.running().map((w) => w.pid)).toContain(replaced.pid);
  });
});

describe('healthz with Debian mosquitto', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start({ 'device-a': 'device-a-password' });
  });
  afterAll(() => broker.stop());

  it('follows the MQTT link down when the broker stops and up when it returns', async () => {
    const appliance = await startTestAppliance({ BRANCHLINE_MQTT_URL: broker.url, BRANCHLINE_MQTT_USERNAME: 'device-a', BRANCHLINE_MQTT_PASSWORD: 'device-a-password' });
    try {
      const up = await until('mqtt up', () => health(appliance), (h) => h.body.subsystems.mqtt!.status === 'up');
      expect(up.body.subsystems.mqtt!.detail).toMatch(/\(MQTT 5\)/);

      await broker.stop();
      const down = await until('mqtt down', () => health(appliance), (h) => h.body.subsystems.mqtt!.status === 'down');
      expect(down.code).toBe(503);
      expect(down.body.subsystems.mqtt!.detail).toMatch(/^not connected to mqtt:\/\/127\.0\.0\.1/);
      expect(down.body.subsystems.store!.status).toBe('up');

      await broker.resume();
      const back = await until('mqtt reconnected', () => health(appliance), (h) => h.body.subsystems.mqtt!.status === 'up');
      expect(back.code).toBe(200);
    } finally {
      await broker.resume();
      await appliance.stop();
    }
    // An upper bound for a loaded machine: the broker's restart and the link's backoff come first.
  }, 90_000);

  it('stays down, saying why, with wrong credentials, and never shows the password', async () => {
    const appliance = await startTestAppliance({ BRANCHLINE_MQTT_URL: broker.url, BRANCHLINE_MQTT_USERNAME: 'device-a', BRANCHLINE_MQTT_PASSWORD: 'not-the-password' });
    try {
      const down = await until('mqtt auth error', () => health(appliance), (h) => /last error/.test(h.body.subsystems.mqtt!.detail));
      expect(down.body.subsystems.mqtt!.status).toBe('down');
      expect(down.body.subsystems.mqtt!.detail).toMatch(/Not authorized|Bad User Name or Password/i);
      expect(JSON.stringify(down.body)).not.toContain('not-the-password');
    } finally {
      await appliance.stop();
    }
  });
});
