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
  private readonly segments: { role: PeerRole; file: string; leg: FfmpegLeg }[] = [];
  private count = 0;

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
      const leg = await rtpToFfmpeg(router, producer, ['-vn', '-c:a', 'copy', '-f', 'ogg', '-y', file], 'ignore');
      this.segments.push({ role, file, leg });
      void leg.exited.then(({ code, stderr }) => {
        if (code !== 0 && code !== 255) this.log.warn({ callId: this.callId, role, code, stderr }, 'recorder segment ended with an error');
      });
    } catch (err) {
      this.log.error({ callId: this.callId, role, err: (err as Error).message }, 'recorder could not start; the call goes on without it');
    }
  }

  /** Stops recording and writes the call's file; returns its path, or null when there is nothing to keep. */
  async finish(): Promise<string | null> {
    await Promise.all(this.segments.map((s) => s.leg.stop()));
    const usable: Record<PeerRole, string[]> = { customer: [], agent: [] };
    for (const segment of this.segments) {
      const size = await stat(segment.file).then((s) => s.size, () => 0);
      if (size >= MIN_SEGMENT_BYTES) usable[segment.role].push(segment.file);
    }
    const output = join(this.dir, `${this.callId}.ogg`);
    try {
      const roles = (['customer', 'agent'] as const).filter((r) => usable[r].length > 0);
      if (roles.length === 0) return null;
      const inputs = roles.flatMap((r) => usable[r]).flatMap((f) => ['-i', f]);
      let index = 0;
      const chains: string[] = [];
      for (const role of roles) {
        const labels = usable[role].map(() => `[${index++}:a]`).join('');
        chains.push(`${labels}concat=n=${usable[role].length}:v=0:a=1,aformat=channel_layouts=mono[${role}]`);
      }
      const mix = roles.length === 2 ? `[customer][agent]amerge=inputs=2[out]` : `[${roles[0]}]anull[out]`;
      await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...inputs, '-filter_complex', [...chains, mix].join(';'), '-map', '[out]', '-c:a', 'libopus', '-b:a', '48k', output]);
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
