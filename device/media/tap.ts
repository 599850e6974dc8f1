import type { types } from 'mediasoup';
import { rtpToFfmpeg } from './rtp-to-ffmpeg.js';

export type TapFormat =
  | { kind: 'audio'; sampleRate: number; frameMs: number }
  | { kind: 'video'; fps: number; width: number; height: number };

/** One decoded unit: mono s16le PCM of `frameMs`, or one rgb24 picture of width x height. */
export interface TapFrame {
  data: Buffer;
  /** Milliseconds since the tap started. */
  at: number;
}

export interface MediaTap {
  readonly delivered: number;
  readonly dropped: number;
  stop(): Promise<void>;
}

const KEYFRAME_REQUEST_MS = 1000;

/**
 * Hands a producer's decoded media to an in-process consumer: audio as PCM at the chosen sample rate,
 * video as RGB frames at the chosen rate and size. The consumer is called with one frame at a time;
 * frames that arrive while it is still busy wait in a short backlog and beyond it are dropped
 * (counted), so nothing queues up without bound however slow it is. The tap ends by itself when the producer or its router closes.
 */
export async function tapProducer(
  router: types.Router,
  producer: types.Producer,
  format: TapFormat,
  consume: (frame: TapFrame) => void | Promise<void>,
  /** Told of each frame the consumer failed on, with the count so far, so the owner can log without flooding. */
  onError: (err: Error, failures: number) => void = () => undefined,
): Promise<MediaTap> {
  if (format.kind !== producer.kind) throw new Error(`cannot tap ${producer.kind} as ${format.kind}`);
  const output =
    format.kind === 'audio'
      ? ['-vn', '-ac', '1', '-ar', String(format.sampleRate), '-f', 's16le', 'pipe:1']
      : ['-an', '-vf', `fps=${format.fps},scale=${format.width}:${format.height}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];
  const frameBytes = format.kind === 'audio' ? Math.round((format.sampleRate * format.frameMs) / 1000) * 2 : format.width * format.height * 3;
  const leg = await rtpToFfmpeg(router, producer, output, 'pipe');
  const started = Date.now();
  let delivered = 0;
  let dropped = 0;
  let failures = 0;
  let busy = false;
  let partial: Buffer = Buffer.alloc(0);

  // ffmpeg writes several frames in one read, and a consumer busy for a moment must not lose them: up
  // to a second of audio waits (a gap in speech is worse than a late frame), of video only the newest.
  const backlogLimit = format.kind === 'audio' ? Math.max(1, Math.ceil(1000 / format.frameMs)) : 1;
  const backlog: TapFrame[] = [];
  const next = (): void => {
    const frame = backlog.shift();
    if (!frame) return;
    busy = true;
    delivered += 1;
    Promise.resolve()
      .then(() => consume(frame))
      .catch((err: Error) => onError(err, ++failures))
      .finally(() => {
        busy = false;
        next();
      });
  };
  const deliver = (data: Buffer): void => {
    backlog.push({ data, at: Date.now() - started });
    if (backlog.length > backlogLimit) {
      backlog.shift();
      dropped += 1;
    }
    if (!busy) next();
  };

  leg.ffmpeg.stdout!.on('data', (chunk: Buffer) => {
    partial = partial.length === 0 ? chunk : Buffer.concat([partial, chunk]);
    while (partial.length >= frameBytes) {
      deliver(partial.subarray(0, frameBytes));
      partial = partial.subarray(frameBytes);
    }
    // Never keep more than one incomplete frame: copy it out so big chunks are not held alive.
    partial = Buffer.from(partial);
  });

  // A video decoder can start only from a key frame: ask for one until pictures come out.
  const keyframes =
    format.kind === 'video'
      ? setInterval(() => {
          if (delivered + dropped === 0) leg.consumer.requestKeyFrame().catch(() => undefined);
        }, KEYFRAME_REQUEST_MS)
      : null;
  if (format.kind === 'video') await leg.consumer.requestKeyFrame();
  void leg.exited.then(() => keyframes && clearInterval(keyframes));

  return {
    get delivered() {
      return delivered;
    },
    get dropped() {
      return dropped;
    },
    async stop() {
      if (keyframes) clearInterval(keyframes);
      await leg.stop();
    },
  };
}
