import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import type { types } from 'mediasoup';

export interface FfmpegLeg {
  ffmpeg: ChildProcess;
  consumer: types.Consumer;
  /** Ends the leg: stops the consumer and asks ffmpeg to finish its output, then waits for it to exit. */
  stop(): Promise<void>;
  /** Resolves when ffmpeg exits, for whatever reason, with its exit code and the end of its stderr. */
  exited: Promise<{ code: number | null; stderr: string }>;
}

async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** How long ffmpeg may take to read its SDP and bind its socket before media is sent regardless. */
const BIND_TIMEOUT_MS = 10_000;
const BIND_POLL_MS = 10;

/** Whether a UDP socket is bound to `port` on any local address (ffmpeg binds 0.0.0.0), from the kernel's table. */
async function udpBound(port: number): Promise<boolean> {
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const table = await readFile('/proc/net/udp', 'utf8').catch(() => '');
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(wanted));
}

/**
 * Waits until ffmpeg has bound its RTP port (it does so only after reading the SDP) or has exited;
 * media sent before that would be refused, and the first packets, which ffmpeg needs to recognise the
 * stream, lost. A slow machine takes longer than any fixed wait would allow for.
 */
async function boundOrGone(port: number, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + BIND_TIMEOUT_MS;
  while (!gone && Date.now() < deadline && !(await udpBound(port))) await new Promise((r) => setTimeout(r, BIND_POLL_MS));
}

function sdpFor(consumer: types.Consumer, port: number): string {
  const codec = consumer.rtpParameters.codecs[0]!;
  const [, name] = codec.mimeType.split('/');
  const channels = codec.channels && codec.channels > 1 ? `/${codec.channels}` : '';
  return [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=branchline',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=${consumer.kind} ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${channels}`,
    'a=recvonly',
    '',
  ].join('\n');
}

/**
 * Sends one producer's RTP out of the router through a PlainTransport to an ffmpeg process on loopback,
 * which reads it by an SDP given on stdin and writes whatever `outputArgs` say. Shared by the recorder
 * and the media taps.
 */
export async function rtpToFfmpeg(router: types.Router, producer: types.Producer, outputArgs: string[], stdout: 'pipe' | 'ignore'): Promise<FfmpegLeg> {
  const port = await freeUdpPort();
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false });
  await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
  const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
  const ffmpeg = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-protocol_whitelist', 'pipe,udp,rtp', '-fflags', '+genpts', '-f', 'sdp', '-i', 'pipe:0', ...outputArgs],
    { stdio: ['pipe', stdout, 'pipe'] },
  );
  let stderr = '';
  ffmpeg.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    ffmpeg.once('error', (err) => resolve({ code: null, stderr: err.message }));
    ffmpeg.once('exit', (code) => resolve({ code, stderr }));
  });
  ffmpeg.stdin!.end(sdpFor(consumer, port));
  await boundOrGone(port, exited);
  await consumer.resume();
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // SIGINT lets ffmpeg write its trailer and exit. While no packets arrive (a muted or silent
      // source) ffmpeg 5 does not notice it, so SIGKILL follows; outputs are written packet by packet
      // (-flush_packets) so that loses at most the trailer. The transport goes last.
      ffmpeg.kill('SIGINT');
      const timer = setTimeout(() => ffmpeg.kill('SIGKILL'), 1500);
      await exited;
      clearTimeout(timer);
      transport.close();
    })();
    return stopping;
  };
  transport.observer.once('close', () => void stop());
  return { ffmpeg, consumer, stop, exited };
}
