// bench:sfu — N simultaneous kiosk-agent calls through the appliance's SFU, each with audio and video
// both ways, for a fixed time. Prints progress on stderr and one JSON object as the last stdout line.
//
// The media path is the product's: a router per call on the least-loaded worker of the appliance's
// worker pool, a producer per track and a consumer on the other side. The clients are browserless: a
// separate load process sends call-like RTP over PlainTransports (no DTLS/SRTP, so per-call CPU is
// somewhat below that of browser calls) and measures forwarding latency and loss from stamps in
// each payload.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { types } from 'mediasoup';
import { EventBus } from '../../device/bus.js';
import { MEDIA_CODECS, MediaWorkers } from '../../device/media/index.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    workers: { type: 'string', default: String(availableParallelism()) },
  },
});
const calls = Number(values.calls);
const seconds = Number(values.seconds);
const workerCount = Number(values.workers);
if (!Number.isInteger(calls) || calls < 1 || calls > 500) throw new Error('--calls must be a whole number from 1 to 500');
if (!Number.isFinite(seconds) || seconds < 5 || seconds > 600) throw new Error('--seconds must be from 5 to 600');

const say = (msg: string): void => void process.stderr.write(`[bench:sfu] ${msg}\n`);
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

const workers = await MediaWorkers.start({ count: workerCount, respawnDelayMs: 1000 }, pino({ level: 'warn' }), new EventBus());
const pids = [process.pid, ...workers.running().map((w) => w.pid)];

interface Stream {
  id: string;
  kind: 'audio' | 'video';
  ssrc: number;
  payloadType: number;
  sendPort: number;
  router: types.Router;
  producer: types.Producer;
}

say(`setting up ${calls} calls (4 streams each) on ${workerCount} workers`);
const streams: Stream[] = [];
for (let call = 0; call < calls; call++) {
  const worker = workers.leastLoaded()!;
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  for (const side of ['customer', 'agent']) {
    for (const kind of ['audio', 'video'] as const) {
      const ingress = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
      const ssrc = 100_000 + streams.length;
      const payloadType = kind === 'audio' ? 100 : 101;
      const producer = await ingress.produce({
        kind,
        rtpParameters:
          kind === 'audio'
            ? { codecs: [{ mimeType: 'audio/opus', payloadType, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] }
            : { codecs: [{ mimeType: 'video/VP8', payloadType, clockRate: 90000 }], encodings: [{ ssrc }] },
      });
      streams.push({ id: `${call}-${side}-${kind}`, kind, ssrc, payloadType, sendPort: ingress.tuple.localPort, router, producer });
    }
  }
}

const load = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'rtp-load.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
const loadLines = createInterface({ input: load.stdout! });
const waiting: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
loadLines.on('line', (line) => waiting.shift()?.resolve(line));
// A load process that dies or stalls must end the benchmark with an error, never leave it waiting.
let loadGone: Error | null = null;
load.on('exit', (code, signal) => {
  loadGone = new Error(`the load process ended early (code ${code}, signal ${signal})`);
  for (const w of waiting.splice(0)) w.reject(loadGone);
});
const nextLine = (timeoutMs: number): Promise<string> =>
  new Promise((resolve, reject) => {
    if (loadGone) return reject(loadGone);
    const timer = setTimeout(() => reject(new Error(`the load process said nothing for ${timeoutMs / 1000} s`)), timeoutMs);
    waiting.push({
      resolve: (line) => (clearTimeout(timer), resolve(line)),
      reject: (err) => (clearTimeout(timer), reject(err)),
    });
  });
const fail = async (err: Error): Promise<never> => {
  say(`failed: ${err.message}`);
  load.kill('SIGKILL');
  await workers.close();
  process.exit(1);
};

load.stdin!.write(JSON.stringify(streams.map(({ id, kind, ssrc, payloadType, sendPort }) => ({ id, kind, ssrc, payloadType, sendPort }))) + '\n');
const receivePorts = JSON.parse(await nextLine(60_000).catch(fail)) as Record<string, number>;
// Each stream is received by the other side of its call through its own consumer.
for (const stream of streams) {
  const egress = await stream.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
  await egress.connect({ ip: '127.0.0.1', port: receivePorts[stream.id]! });
  await egress.consume({ producerId: stream.producer.id, rtpCapabilities: stream.router.rtpCapabilities });
}

say(`running for ${seconds} s`);
const cpuBefore = pids.map(cpuSeconds);
const wallBefore = performance.now();
load.stdin!.write(`${seconds}\n`);
type Counts = { sent: number; received: number };
const result = JSON.parse(await nextLine((seconds + 60) * 1000).catch(fail)) as { audio: Counts; video: Counts; p50: number | null; p99: number | null };
const wall = (performance.now() - wallBefore) / 1000;
const cpu = pids.map(cpuSeconds).reduce((sum, value, i) => sum + value - cpuBefore[i]!, 0);
await workers.close();

const cpuPercentTotal = (cpu / wall) * 100;
const lossPct = ({ sent, received }: Counts): number | null => (sent > 0 ? Math.round((1 - received / sent) * 10_000) / 100 : null);
const summary = {
  calls,
  seconds,
  workers: workerCount,
  streamsPerCall: 4,
  transport: 'plain RTP over loopback (no DTLS/SRTP)',
  cpuPercentTotal: Math.round(cpuPercentTotal * 10) / 10,
  cpuPercentPerCall: Math.round((cpuPercentTotal / calls) * 100) / 100,
  forwardingLatencyMsP50: result.p50,
  forwardingLatencyMsP99: result.p99,
  packetLossPct: lossPct({ sent: result.audio.sent + result.video.sent, received: result.audio.received + result.video.received }),
  packetLossPctAudio: lossPct(result.audio),
  packetLossPctVideo: lossPct(result.video),
  packetsMeasured: result.audio.sent + result.video.sent,
};
process.stdout.write(JSON.stringify(summary) + '\n');
