// Load generator for bench:sfu, in its own process so that its CPU is not counted as the appliance's.
// Reads the streams to send on stdin, binds one receiving socket per stream, sends RTP at call-like
// rates with a packet number and send time in each payload, and reports loss and latency as JSON.
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';

interface StreamSpec {
  id: string;
  kind: 'audio' | 'video';
  ssrc: number;
  payloadType: number;
  sendPort: number;
}

const AUDIO_INTERVAL_MS = 20;
const VIDEO_INTERVAL_MS = 40;
const VIDEO_PACKETS_PER_FRAME = 4;
const VIDEO_PACKET_BYTES = 1000;
const AUDIO_PACKET_BYTES = 120;
const KEYFRAME_EVERY_FRAMES = 25;
const WARMUP_MS = 2000;
const DRAIN_MS = 1000;

const now = (): number => performance.now();
const lines = createInterface({ input: process.stdin });
const pending: ((line: string) => void)[] = [];
lines.on('line', (line) => pending.shift()?.(line));
const nextLine = (): Promise<string> => new Promise((resolve) => pending.push(resolve));

const streams = JSON.parse(await nextLine()) as StreamSpec[];
const sender = createSocket('udp4');
await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));

interface State {
  spec: StreamSpec;
  receiver: Socket;
  seq: number;
  timestamp: number;
  frames: number;
  sent: Map<number, number>;
  received: Set<number>;
}
let packetNumber = 0;
let measuring = { from: Infinity, to: Infinity };
const latencies: number[] = [];

const states: State[] = await Promise.all(
  streams.map(async (spec) => {
    const receiver = createSocket('udp4');
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    const state: State = { spec, receiver, seq: 0, timestamp: 0, frames: 0, sent: new Map(), received: new Set() };
    receiver.on('message', (packet) => {
      const arrived = now();
      // RTCP shares the port (rtcp-mux): its packet types 200-207 read as RTP payload types 72-79.
      if (packet.length < 12 || ((packet[1]! & 0x7f) >= 72 && (packet[1]! & 0x7f) <= 79)) return;
      let offset = 12 + (packet[0]! & 0x0f) * 4;
      if (packet[0]! & 0x10) {
        if (packet.length < offset + 4) return;
        offset += 4 + packet.readUInt16BE(offset + 2) * 4;
      }
      if (spec.kind === 'video') offset += vp8PrefixLength(packet, offset);
      if (packet.length < offset + 12) return;
      const number = packet.readUInt32BE(offset);
      const sentAt = packet.readDoubleBE(offset + 4);
      if (sentAt >= measuring.from && sentAt <= measuring.to) {
        state.received.add(number);
        latencies.push(arrived - sentAt);
      }
    });
    return state;
  }),
);
process.stdout.write(JSON.stringify(Object.fromEntries(states.map((s) => [s.spec.id, s.receiver.address().port]))) + '\n');

function send(state: State, payloadPrefix: Buffer, size: number, marker: boolean, timestamp: number): void {
  const packet = Buffer.alloc(12 + size);
  packet[0] = 0x80;
  packet[1] = (marker ? 0x80 : 0) | state.spec.payloadType;
  packet.writeUInt16BE(state.seq++ & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(state.spec.ssrc, 8);
  payloadPrefix.copy(packet, 12);
  const number = packetNumber++;
  const sentAt = now();
  packet.writeUInt32BE(number, 12 + payloadPrefix.length);
  packet.writeDoubleBE(sentAt, 12 + payloadPrefix.length + 4);
  if (sentAt >= measuring.from && sentAt <= measuring.to) state.sent.set(number, sentAt);
  sender.send(packet, state.spec.sendPort, '127.0.0.1');
}

/**
 * A VP8 payload descriptor with a 15-bit picture id (the SFU tracks pictures by it) and, on the first
 * packet of a frame, the start of a 640x480 frame header, a key frame or not.
 */
function vp8Prefix(pictureId: number, first: boolean, key: boolean): Buffer {
  const descriptor = [first ? 0x90 : 0x80, 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff];
  const header = first ? [key ? 0x10 : 0x11, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01] : [];
  return Buffer.from([...descriptor, ...header]);
}

/** Length of what vp8Prefix wrote, read back from a forwarded packet (the SFU may rewrite ids, not sizes). */
function vp8PrefixLength(packet: Buffer, offset: number): number {
  const first = (packet[offset]! & 0x10) !== 0;
  let length = 1;
  if (packet[offset]! & 0x80) {
    const extension = packet[offset + 1]!;
    length += 1;
    if (extension & 0x80) length += packet[offset + length]! & 0x80 ? 2 : 1;
    if (extension & 0x40) length += 1;
    if (extension & 0x30) length += 1;
  }
  return length + (first ? 10 : 0);
}

const seconds = Number(await nextLine());
const started = now();
measuring = { from: started + WARMUP_MS, to: started + seconds * 1000 - DRAIN_MS };
const audio = setInterval(() => {
  for (const state of states) {
    if (state.spec.kind !== 'audio') continue;
    send(state, Buffer.alloc(0), AUDIO_PACKET_BYTES, false, (state.timestamp += 960));
  }
}, AUDIO_INTERVAL_MS);
const video = setInterval(() => {
  for (const state of states) {
    if (state.spec.kind !== 'video') continue;
    const pictureId = state.frames & 0x7fff;
    const key = state.frames++ % KEYFRAME_EVERY_FRAMES === 0;
    const timestamp = (state.timestamp += 3600);
    for (let i = 0; i < VIDEO_PACKETS_PER_FRAME; i++) {
      const prefix = vp8Prefix(pictureId, i === 0, key);
      send(state, prefix, VIDEO_PACKET_BYTES, i === VIDEO_PACKETS_PER_FRAME - 1, timestamp);
    }
  }
}, VIDEO_INTERVAL_MS);

await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(audio);
clearInterval(video);
await new Promise((r) => setTimeout(r, DRAIN_MS));

const totals = { audio: { sent: 0, received: 0 }, video: { sent: 0, received: 0 } };
for (const state of states) {
  const total = totals[state.spec.kind];
  total.sent += state.sent.size;
  for (const number of state.sent.keys()) if (state.received.has(number)) total.received += 1;
}
latencies.sort((a, b) => a - b);
const percentile = (p: number): number | null => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! * 1000) / 1000 : null);
process.stdout.write(JSON.stringify({ ...totals, p50: percentile(0.5), p99: percentile(0.99) }) + '\n');
for (const state of states) state.receiver.close();
sender.close();
