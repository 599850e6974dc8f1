import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { EventBus } from '../../device/bus.js';
import { CallRecorder, MEDIA_CODECS, MediaWorkers, tapProducer, type TapFrame } from '../../device/media/index.js';
import { ffmpegSource } from '../helpers/rtp-source.js';

const log = pino({ level: 'silent' });
let workers: MediaWorkers;
let router: types.Router;

beforeAll(async () => {
  workers = await MediaWorkers.start({ count: 1, respawnDelayMs: 100 }, log, new EventBus());
  router = await workers.running()[0]!.createRouter({ mediaCodecs: MEDIA_CODECS });
});
afterAll(async () => {
  await workers.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number | undefined): boolean {
  try {
    process.kill(pid!, 0);
    return true;
  } catch {
    return false;
  }
}

describe('media tap', () => {
  it('delivers RGB frames at the requested rate and size, and ends when the producer goes', async () => {
    const source = await ffmpegSource(router, 'video');
    const frames: TapFrame[] = [];
    const tap = await tapProducer(router, source.producer, { kind: 'video', fps: 5, width: 160, height: 120 }, (f) => void frames.push(f));
    await expect.poll(() => frames.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const first = frames.length;
    await sleep(4000);
    const rate = (frames.length - first) / 4;
    expect(rate).toBeGreaterThanOrEqual(3.5);
    expect(rate).toBeLessThanOrEqual(6.5);
    expect(frames.every((f) => f.data.length === 160 * 120 * 3)).toBe(true);
    // A test picture, not a blank frame: the pixels vary.
    const pixels = frames.at(-1)!.data;
    expect(new Set(pixels.subarray(0, 3000)).size).toBeGreaterThan(10);
    expect(tap.dropped).toBe(0);

    await source.stop();
    await expect.poll(() => tap.delivered === frames.length && frames.length > 0, { timeout: 5000 }).toBe(true);
    await tap.stop();
  }, 30_000);

  it('drops frames instead of queueing them when the consumer is slow', async () => {
    const source = await ffmpegSource(router, 'video');
    let handled = 0;
    const tap = await tapProducer(router, source.producer, { kind: 'video', fps: 10, width: 64, height: 48 }, async () => {
      await sleep(500);
      handled += 1;
    });
    await expect.poll(() => tap.dropped, { timeout: 15_000 }).toBeGreaterThan(5);
    await sleep(2000);
    // Never more in flight than one frame: delivered and handled differ by at most one.
    expect(tap.delivered - handled).toBeLessThanOrEqual(1);
    expect(tap.delivered).toBeLessThan(tap.delivered + tap.dropped);
    await tap.stop();
    await source.stop();
  }, 30_000);

  it('delivers mono PCM of the chosen sample rate from an Opus producer, and stops ffmpeg on stop()', async () => {
    const source = await ffmpegSource(router, 'audio');
    const frames: TapFrame[] = [];
    const tap = await tapProducer(router, source.producer, { kind: 'audio', sampleRate: 16000, frameMs: 20 }, (f) => void frames.push(f));
    await expect.poll(() => frames.length, { timeout: 10_000 }).toBeGreaterThan(10);
    const first = frames.length;
    await sleep(2000);
    const perSecond = (frames.length - first) / 2;
    expect(perSecond).toBeGreaterThan(40);
    expect(perSecond).toBeLessThan(60);
    const pcm = frames.at(-1)!.data;
    expect(pcm.length).toBe(640);
    let sum = 0;
    for (let i = 0; i < pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2;
    expect(Math.sqrt(sum / (pcm.length / 2))).toBeGreaterThan(500);
    await tap.stop();
    await source.stop();
  }, 30_000);
});

describe('call recorder', () => {
  it('writes one playable stereo Opus file holding both tracks for about the call duration', async () => {
    const customer = await ffmpegSource(router, 'audio', { frequency: 440 });
    const agent = await ffmpegSource(router, 'audio', { frequency: 1000 });
    const dir = mkdtempSync(join(tmpdir(), 'branchline-rec-'));
    const recorder = new CallRecorder(dir, 'call-1', log);
    await recorder.addTrack(router, customer.producer, 'customer');
    await recorder.addTrack(router, agent.producer, 'agent');
    await sleep(4000);
    const file = await recorder.finish();
    await customer.stop();
    await agent.stop();
    expect(file).toBe(join(dir, 'call-1.ogg'));
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file!]).toString());
    expect(probe.streams).toHaveLength(1);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'opus', channels: 2 });
    expect(Number(probe.format.duration)).toBeGreaterThan(2.5);
    expect(Number(probe.format.duration)).toBeLessThan(5.5);
    // Each channel carries its own tone: left the customer's 440 Hz, right the agent's 1 kHz.
    for (const [channel, tone] of [['FL', 440], ['FR', 1000]] as const) {
      const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', file!, '-af', `pan=mono|c0=${channel}`, '-ar', '8000', '-f', 's16le', '-']);
      // Measure over the stretch with sound: the file is as long as the recording, silence included.
      const values = Array.from({ length: pcm.length / 2 }, (_, i) => pcm.readInt16LE(i * 2));
      const first = values.findIndex((v) => Math.abs(v) > 1000);
      const last = values.length - 1 - [...values].reverse().findIndex((v) => Math.abs(v) > 1000);
      expect(last - first).toBeGreaterThan(8000 * 2);
      let crossings = 0;
      for (let i = first + 1; i <= last; i++) if ((values[i - 1]! < 0) !== (values[i]! < 0)) crossings += 1;
      const frequency = crossings / 2 / ((last - first) / 8000);
      expect(Math.abs(frequency - tone) / tone).toBeLessThan(0.15);
    }
  }, 30_000);

  it('returns nothing and keeps the call going when a track never produced audio', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'branchline-rec-'));
    const recorder = new CallRecorder(dir, 'call-2', log);
    const silent = await ffmpegSource(router, 'audio');
    await silent.stop();
    await recorder.addTrack(router, silent.producer, 'customer');
    expect(await recorder.finish()).toBeNull();
    expect(alive(silent.ffmpeg.pid)).toBe(false);
  }, 30_000);
});
