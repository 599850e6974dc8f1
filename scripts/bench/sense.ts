/**
 * npm run -s bench:sense [-- --alerts 20]
 *
 * Voice: espeak-ng speech (about half a minute) through the voice analyser, as a real-time factor
 * (processing time / audio time; below 1 keeps up). Alerts: an appliance on 127.0.0.1 with a kiosk and
 * an agent in a call; the kiosk sends a complaint in the chat and the time until the alert frame arrives
 * on the agent's WebSocket is measured, once per call. Micro-expressions: synthetic action-unit streams
 * with injected brief expressions and distractors (scripts/bench/micro-synthetic.ts) at 10 frames/s, the
 * rate face analysis reaches on this machine (also 30 frames/s for comparison). Face: a 320x240 camera
 * picture of a face from a sample photo shipped with @vladmandic/human, analysed repeatedly. Progress on
 * stderr, one JSON object as the last line of stdout.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import WebSocket from 'ws';
import { startAppliance } from '../../device/appliance.js';
import { loadConfig } from '../../device/config.js';
import { FaceAnalyser, HUMAN_ASSETS_DIR, MicroExpressionSpotter, VoiceAnalyser } from '../../device/sense/index.js';
import { generateSequence, scoreSpotting } from './micro-synthetic.js';

const { values } = parseArgs({ options: { alerts: { type: 'string', default: '20' } }, strict: true });
const samples = Number(values.alerts);
const round = (v: number) => Math.round(v * 1000) / 1000;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

function voiceRealTimeFactor(): { seconds: number; factor: number } {
  const text = 'I would like to ask about my credit card bill from last month. Could you please check the payment I made on Monday. '.repeat(4);
  const wav = path.join(tmpdir(), `bench-sense-${process.pid}.wav`);
  execFileSync('espeak-ng', ['-v', 'en', '-w', wav, text]);
  const pcm = execFileSync('ffmpeg', ['-loglevel', 'error', '-i', wav, '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'], { maxBuffer: 256 << 20 });
  rmSync(wav, { force: true });
  const seconds = pcm.length / 2 / 16000;
  const voice = new VoiceAnalyser(16000);
  const started = performance.now();
  for (let i = 0; i < pcm.length; i += 3200) voice.pushPcm(pcm.subarray(i, i + 3200));
  voice.flush();
  return { seconds, factor: (performance.now() - started) / 1000 / seconds };
}

class Socket {
  private readonly frames: Record<string, unknown>[] = [];
  private waiter: (() => void) | null = null;
  private nextReq = 1;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
      this.waiter?.();
    });
  }
  static async open(url: string, cookie?: string): Promise<Socket> {
    const ws = new WebSocket(url, cookie ? { headers: { cookie } } : {});
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Socket(ws);
  }
  async next(match: (f: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
  }
  request(type: string, body: Record<string, unknown> = {}): void {
    this.ws.send(JSON.stringify({ type, reqId: this.nextReq++, ...body }));
  }
}

async function alertLatencies(): Promise<number[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-sense-'));
  const config = loadConfig({ BRANCHLINE_DATA_DIR: dir, BRANCHLINE_EMBEDDED_MQTT_PORT: '0', BRANCHLINE_EMBEDDED_HUB_PORT: '0', BRANCHLINE_MEDIA_WORKERS: '1', BRANCHLINE_LOG_LEVEL: 'silent', BRANCHLINE_RTC_LISTEN_IP: '127.0.0.1' });
  const appliance = await startAppliance(config, pino({ level: 'silent' }));
  try {
    await appliance.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(appliance.app.server.address() as AddressInfo).port}`;
    const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}${url}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { res, body: (await res.json().catch(() => ({}))) as Record<string, any> };
    };
    const login = async (username: string, password: string) => (await call('POST', '/api/auth/login', { username, password })).res.headers.get('set-cookie')!.split(';')[0]!;
    const admin = await login('admin', appliance.firstStartCredentials.find((c) => c.role === 'admin')!.password);
    await call('POST', '/api/admin/users', { username: 'bench.agent', displayName: 'Bench', language: 'en', password: 'bench agent password', skillGroups: ['general'] }, { cookie: admin });
    const kiosk = await call('POST', '/api/admin/kiosks', { name: 'Bench kiosk' }, { cookie: admin });
    const bearer = { authorization: `Bearer ${kiosk.body.token}` };
    const agentCookie = await login('bench.agent', 'bench agent password');
    const url = `${base.replace('http', 'ws')}/ws`;
    const agent = await Socket.open(url, agentCookie);
    const kioskWs = await Socket.open(url);
    kioskWs.ws.send(JSON.stringify({ type: 'auth', kioskToken: kiosk.body.token }));
    await kioskWs.next((f) => f.type === 'ready');
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      await call('PUT', '/api/agent/presence', { state: 'available' }, { cookie: agentCookie });
      const session = (await call('POST', '/api/kiosk/sessions', { lang: 'zh-Hant' }, bearer)).body.session.id as string;
      kioskWs.request('requestAgent', { lang: 'zh-Hant', sessionId: session });
      await agent.next((f) => f.type === 'callStarted');
      const sent = performance.now();
      kioskWs.request('chat', { text: `我要投訴，這已經是第 ${i + 1} 次了` });
      await agent.next((f) => f.type === 'alert' && (f.alert as { sessionId: string }).sessionId === session);
      latencies.push(performance.now() - sent);
      agent.request('endCall');
      await agent.next((f) => f.type === 'callEnded');
      process.stderr.write(`alert ${i + 1}/${samples}: ${latencies.at(-1)!.toFixed(1)} ms\n`);
    }
    agent.ws.close();
    kioskWs.ws.close();
    return latencies;
  } finally {
    await appliance.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function micro(fps: number): { precision: number; recall: number; labelAccuracy: number } {
  const sum = { precision: 0, recall: 0, labelAccuracy: 0 };
  const runs = 20;
  for (let seed = 1; seed <= runs; seed++) {
    const { frames, truth } = generateSequence(seed, fps, 120);
    const spotter = new MicroExpressionSpotter();
    const score = scoreSpotting(frames.flatMap((f) => spotter.push(f)), truth);
    for (const key of ['precision', 'recall', 'labelAccuracy'] as const) sum[key] += score[key] / runs;
  }
  return sum;
}

async function faceSpeed(): Promise<{ msPerFrame: number; fps: number }> {
  const rgb = execFileSync('ffmpeg', ['-loglevel', 'error', '-i', path.join(HUMAN_ASSETS_DIR, 'screenshot-facedetect.jpg'), '-vf', 'crop=300:300:100:280,scale=240:240,pad=320:240:40:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 26 });
  const face = await FaceAnalyser.create();
  try {
    for (let i = 0; i < 5; i++) await face.analyse(rgb, 320, 240);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) times.push((await face.analyse(rgb, 320, 240)).ms);
    const msPerFrame = percentile(times, 50);
    return { msPerFrame, fps: 1000 / (times.reduce((a, b) => a + b, 0) / times.length) };
  } finally {
    face.close();
  }
}

const faces = await faceSpeed();
process.stderr.write(`face: ${faces.msPerFrame.toFixed(1)} ms per frame\n`);
const microAt10 = micro(10);
const microAt30 = micro(30);
process.stderr.write(`micro-expressions at 30 fps: precision ${microAt30.precision.toFixed(3)}, recall ${microAt30.recall.toFixed(3)}\n`);
const voice = voiceRealTimeFactor();
process.stderr.write(`voice: ${voice.seconds.toFixed(1)} s of speech analysed at ${voice.factor.toFixed(4)}x real time\n`);
const latencies = await alertLatencies();
process.stdout.write(
  `${JSON.stringify({
    faceMsPerFrame: round(faces.msPerFrame),
    faceFps: round(faces.fps),
    microFps: 10,
    microPrecision: round(microAt10.precision),
    microRecall: round(microAt10.recall),
    microLabelAccuracy: round(microAt10.labelAccuracy),
    microPrecisionAt30Fps: round(microAt30.precision),
    microRecallAt30Fps: round(microAt30.recall),
    voiceSeconds: round(voice.seconds),
    voiceRealTimeFactor: round(voice.factor),
    alerts: latencies.length,
    alertLatencyMsP50: round(percentile(latencies, 50)),
    alertLatencyMsP99: round(percentile(latencies, 99)),
  })}\n`,
);
process.exit(0);
