import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { types } from 'mediasoup';
import { EventBus } from '../../device/bus.js';
import { CallRecorder, MEDIA_CODECS, MediaWorkers, tapProducer, type TapFrame } from '../../device/media/index.js';
import { ffmpegSource as startSource } from '../helpers/rtp-source.js';

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

/** A source that is stopped however its test ends, so a failed test leaves no ffmpeg eating the CPU of the next. */
async function ffmpegSource(...args: Parameters<typeof startSource>): ReturnType<typeof startSource> {
  const source = await startSource(...args);
  onTestFinished(() => source.stop());
  return source;
}

/**
 * Frames per second of media between two frames, given how much media the source had sent when each
 * frame arrived. Not by the wall clock: on a busy machine the source itself falls behind and catches up
 * in bursts, and the tap rightly passes those bursts on.
 */
function framesPerSecond(sentAt: number[], from: number, to: number): number {
  return (to - from) / (sentAt[to]! - sentAt[from]!);
}

/** RTP packets a producer has received from its source so far. */
async function packetsOf(producer: types.Producer): Promise<number> {
  return (await producer.getStats()).reduce((sum, s) => sum + s.packetCount, 0);
}

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
    const sentAt: number[] = [];
    const tap = await tapProducer(router, source.producer, { kind: 'video', fps: 5, width: 160, height: 120 }, (f) => {
      frames.push(f);
      sentAt.push(source.sentSeconds());
    });
    onTestFinished(() => tap.stop());
    // The first few pictures come out together as the decoder starts: the rate is measured after them.
    await expect.poll(() => frames.length, { timeout: 15_000 }).toBeGreaterThan(5);
    // Over the next 25 frames: about five seconds of the source's media, however long they take to come.
    const first = frames.length - 1;
    await expect.poll(() => frames.length, { timeout: 30_000 }).toBeGreaterThan(first + 25);
    const rate = framesPerSecond(sentAt, first, first + 25);
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
  }, 60_000);

  it('drops frames instead of queueing them when the consumer is slow', async () => {
    const source = await ffmpegSource(router, 'video');
    // The slowest consumer there is: each frame is held until the test lets it go.
    const held: (() => void)[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    let handled = 0;
    const tap = await tapProducer(router, source.producer, { kind: 'video', fps: 10, width: 64, height: 48 }, async () => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise<void>((release) => held.push(release));
      inFlight -= 1;
      handled += 1;
    });
    onTestFinished(() => tap.stop());
    // While the first frame is held, the frames after it are dropped, not queued for later.
    await expect.poll(() => tap.dropped, { timeout: 15_000 }).toBeGreaterThan(5);
    expect(tap.delivered).toBe(1);
    expect(held).toHaveLength(1);
    // Let frames go one at a time: each release makes room for exactly one new frame, never a backlog.
    for (let n = 1; n <= 5; n++) {
      held.shift()!();
      await expect.poll(() => handled, { timeout: 5000 }).toBe(n);
      await expect.poll(() => held.length, { timeout: 5000 }).toBe(1);
      expect(tap.delivered - handled).toBe(1);
    }
    expect(mostInFlight).toBe(1);
    const droppedWhileHeld = tap.dropped;
    await expect.poll(() => tap.dropped, { timeout: 5000 }).toBeGreaterThan(droppedWhileHeld);
    expect(tap.delivered).toBe(6);
    held.shift()!();
    await tap.stop();
    await source.stop();
  }, 30_000);

  it('delivers mono PCM of the chosen sample rate from an Opus producer, and stops ffmpeg on stop()', async () => {
    const source = await ffmpegSource(router, 'audio');
    const frames: TapFrame[] = [];
    const sentAt: number[] = [];
    const tap = await tapProducer(router, source.producer, { kind: 'audio', sampleRate: 16000, frameMs: 20 }, (f) => {
      frames.push(f);
      sentAt.push(source.sentSeconds());
    });
    onTestFinished(() => tap.stop());
    await expect.poll(() => frames.length, { timeout: 10_000 }).toBeGreaterThan(10);
    // 150 frames of 20 ms after the first ten: three seconds of the source's sound, long enough that the
    // coarse steps of its progress report hardly matter.
    const first = frames.length - 1;
    await expect.poll(() => frames.length, { timeout: 30_000 }).toBeGreaterThan(first + 150);
    const perSecond = framesPerSecond(sentAt, first, first + 150);
    expect(perSecond).toBeGreaterThan(40);
    expect(perSecond).toBeLessThan(60);
    const pcm = frames.at(-1)!.data;
    expect(pcm.length).toBe(640);
    let sum = 0;
    for (let i = 0; i < pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2;
    expect(Math.sqrt(sum / (pcm.length / 2))).toBeGreaterThan(500);
    await tap.stop();
    await source.stop();
  }, 60_000);
});

describe('call recorder', () => {
  it('writes one playable stereo Opus file holding both tracks for about the call duration', async () => {
    const customer = await ffmpegSource(router, 'audio', { frequency: 440 });
    const agent = await ffmpegSource(router, 'audio', { frequency: 1000 });
    const dir = mkdtempSync(join(tmpdir(), 'branchline-rec-'));
    const beforeStart = Date.now();
    const recorder = new CallRecorder(dir, 'call-1', log);
    const afterStart = Date.now();
    await recorder.addTrack(router, customer.producer, 'customer');
    await recorder.addTrack(router, agent.producer, 'agent');
    // The call lasts until both sides have sent this many more Opus packets of 20 ms (about four seconds
    // of sound each) through the router to the recorder, however long that takes on this machine.
    const packets = 200;
    const atStart = await Promise.all([customer, agent].map((s) => packetsOf(s.producer)));
    const recordedPackets = async () => Math.min(...(await Promise.all([customer, agent].map(async (s, i) => (await packetsOf(s.producer)) - atStart[i]!))));
    await expect.poll(recordedPackets, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(packets);
    const beforeFinish = Date.now();
    const finishing = recorder.finish();
    const afterFinish = Date.now();
    const file = await finishing;
    await customer.stop();
    await agent.stop();
    expect(file).toBe(join(dir, 'call-1.ogg'));
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file!]).toString());
    expect(probe.streams).toHaveLength(1);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'opus', channels: 2 });
    // As long as the call: from the recorder's start to the call to finish(), measured on both sides of
    // each, give or take one Opus frame and the container's rounding.
    const duration = Number(probe.format.duration);
    expect(duration).toBeGreaterThan((beforeFinish - afterStart) / 1000 - 0.1);
    expect(duration).toBeLessThan((afterFinish - beforeStart) / 1000 + 0.1);
    // Each channel carries its own tone: left the customer's 440 Hz, right the agent's 1 kHz.
    for (const [channel, tone] of [['FL', 440], ['FR', 1000]] as const) {
      const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', file!, '-af', `pan=mono|c0=${channel}`, '-ar', '8000', '-f', 's16le', '-']);
      // Measure over the stretch with sound: the file is as long as the recording, silence included.
      const values = Array.from({ length: pcm.length / 2 }, (_, i) => pcm.readInt16LE(i * 2));
      const first = values.findIndex((v) => Math.abs(v) > 1000);
      const last = values.length - 1 - [...values].reverse().findIndex((v) => Math.abs(v) > 1000);
      // Most of what that side sent while recording is in the file (its first and last packets may not be).
      expect((last - first) / 8000).toBeGreaterThan(0.75 * packets * 0.02);
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
