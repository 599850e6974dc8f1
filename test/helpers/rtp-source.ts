import { spawn, type ChildProcess } from 'node:child_process';
import type { types } from 'mediasoup';

export interface RtpSource {
  producer: types.Producer;
  ffmpeg: ChildProcess;
  /**
   * Seconds of media ffmpeg has sent so far, by its own progress report (about every 100 ms). A clock
   * for rates that ignores a busy machine: ffmpeg may fall behind real time and then catch up in a burst.
   */
  sentSeconds(): number;
  stop(): Promise<void>;
}

/**
 * A producer fed by ffmpeg over plain RTP: a test picture as VP8, or a tone as Opus. The receiving
 * PlainTransport learns ffmpeg's address from its first packet (comedia); RTCP goes to its own port
 * so that ffmpeg's RTCP is not mistaken for its RTP.
 */
export async function ffmpegSource(router: types.Router, kind: 'video' | 'audio', options: { frequency?: number } = {}): Promise<RtpSource> {
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true });
  const ssrc = kind === 'video' ? 22222222 : 11111111;
  const payloadType = kind === 'video' ? 101 : 100;
  const producer = await transport.produce({
    kind,
    rtpParameters:
      kind === 'video'
        ? { codecs: [{ mimeType: 'video/VP8', payloadType, clockRate: 90000 }], encodings: [{ ssrc }] }
        : { codecs: [{ mimeType: 'audio/opus', payloadType, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] },
  });
  const input =
    kind === 'video'
      ? ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '25']
      : ['-f', 'lavfi', '-i', `sine=frequency=${options.frequency ?? 440}:sample_rate=48000`, '-c:a', 'libopus', '-ac', '2', '-b:a', '32k'];
  const url = `rtp://127.0.0.1:${transport.tuple.localPort}?rtcpport=${transport.rtcpTuple!.localPort}&pkt_size=1200`;
  const progress = ['-progress', 'pipe:1', '-stats_period', '0.1'];
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', ...input, '-ssrc', String(ssrc), '-payload_type', String(payloadType), ...progress, '-f', 'rtp', url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let sentSeconds = 0;
  let pending = '';
  ffmpeg.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const m = /^out_time_us=(\d+)$/.exec(line.trim());
      if (m) sentSeconds = Math.max(sentSeconds, Number(m[1]) / 1e6);
    }
  });
  const exited = new Promise((resolve) => ffmpeg.once('exit', resolve));
  let stopping: Promise<void> | null = null;
  return {
    producer,
    ffmpeg,
    sentSeconds: () => sentSeconds,
    // Safe to call again (a test stops its source, and its cleanup does after a failure): the second call
    // waits for the same exit instead of for an 'exit' that has already been emitted.
    stop() {
      stopping ??= (async () => {
        ffmpeg.kill('SIGKILL');
        await exited;
        transport.close();
      })();
      return stopping;
    },
  };
}
