import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { PeerRole } from './call-media.js';
import { rtpToFfmpeg, type FfmpegLeg } from './rtp-to-ffmpeg.js';

const run = promisify(execFile);
// An Ogg file with no audio packets is a few hundred bytes of headers.
const MIN_SEGMENT_BYTES = 512;

/**
 * Records the two audio tracks of one call for quality inspection. Each audio producer is copied (no
 * re-encoding) into an Opus segment; a rejoin adds a new segment. At the end the segments are joined
 * into one stereo Opus file: customer on the left, agent on the right. Any failure is logged and only
 * costs the recording, never the call.
 */
export class CallRecorder {
  private readonly segments: { role: PeerRole; file: string; leg: FfmpegLeg; offsetMs: number }[] = [];
  private count = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly dir: string,
    private readonly callId: string,
    private readonly log: Logger,
  ) {}

  async addTrack(router: types.Router, producer: types.Producer, role: PeerRole): Promise<void> {
    if (producer.kind !== 'audio') return;
    const file = join(this.dir, `${this.callId}.${role}.${this.count++}.ogg`);
    try {
      await mkdir(this.dir, { recursive: true });
      const leg = await rtpToFfmpeg(router, producer, ['-vn', '-c:a', 'copy', '-flush_packets', '1', '-f', 'ogg', '-y', file], 'ignore');
      this.segments.push({ role, file, leg, offsetMs: Date.now() - this.startedAt });
      void leg.exited.then(({ code, stderr }) => {
        if (code !== null && code !== 0 && code !== 255) this.log.warn({ callId: this.callId, role, code, stderr }, 'recorder segment ended with an error');
      });
    } catch (err) {
      this.log.error({ callId: this.callId, role, err: (err as Error).message }, 'recorder could not start; the call goes on without it');
    }
  }

  /**
   * Stops recording and writes the call's file, as long as the call and with each segment at the
   * moment it started (silence where a side was muted or not yet connected). Returns its path, or null
   * when there is nothing to keep.
   */
  async finish(): Promise<string | null> {
    const totalSeconds = (Date.now() - this.startedAt) / 1000;
    await Promise.all(this.segments.map((s) => s.leg.stop()));
    const usable: Record<PeerRole, { file: string; offsetMs: number }[]> = { customer: [], agent: [] };
    const sizes: Record<string, number> = {};
    for (const segment of this.segments) {
      const size = await stat(segment.file).then((s) => s.size, () => 0);
      sizes[segment.file] = size;
      if (size >= MIN_SEGMENT_BYTES) usable[segment.role].push({ file: segment.file, offsetMs: segment.offsetMs });
    }
    this.log.info({ callId: this.callId, segments: sizes }, 'recording segments closed');
    const output = join(this.dir, `${this.callId}.ogg`);
    try {
      const roles = (['customer', 'agent'] as const).filter((r) => usable[r].length > 0);
      if (roles.length === 0) return null;
      const inputs = roles.flatMap((r) => usable[r]).flatMap((segment) => ['-i', segment.file]);
      let index = 0;
      const chains: string[] = [];
      for (const role of roles) {
        const parts = usable[role].map((segment) => {
          const label = `s${index}`;
          // async=1 turns gaps in the timestamps (a muted side sends nothing) into silence.
          chains.push(`[${index++}:a]aresample=async=1:first_pts=0,aformat=sample_rates=48000:channel_layouts=mono,adelay=${segment.offsetMs}:all=1[${label}]`);
          return `[${label}]`;
        });
        chains.push(parts.length > 1 ? `${parts.join('')}amix=inputs=${parts.length}:duration=longest:normalize=0,apad[${role}]` : `${parts[0]}apad[${role}]`);
      }
      chains.push(roles.length === 2 ? '[customer][agent]amerge=inputs=2[out]' : `[${roles[0]}]anull[out]`);
      await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...inputs, '-filter_complex', chains.join(';'), '-map', '[out]', '-t', totalSeconds.toFixed(3), '-c:a', 'libopus', '-b:a', '48k', output]);
      return output;
    } catch (err) {
      this.log.error({ callId: this.callId, err: (err as Error).message }, 'recording could not be finalised');
      return null;
    } finally {
      await Promise.all(this.segments.map((s) => rm(s.file, { force: true })));
    }
  }
}

/** Deletes recordings older than the retention period. Returns how many were removed. */
export async function pruneRecordings(dir: string, retentionDays: number, now = Date.now()): Promise<number> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of entries) {
    if (!name.endsWith('.ogg')) continue;
    const file = join(dir, name);
    const info = await stat(file).catch(() => null);
    if (info && now - info.mtimeMs > retentionDays * 86_400_000) {
      await rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}
