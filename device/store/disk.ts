import { accessSync, constants, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Below this much free space a disk that failed a write is not reported well again yet. */
const MIN_FREE_BYTES = 4 * 1024 * 1024;

/**
 * Whether a file that failed a write could be written again now: its folder writable and the disk
 * with space. Health checks use it, so they need not write to learn that the disk is back.
 */
export function diskLooksWritable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    accessSync(dirname(file), constants.W_OK);
    const fs = statfsSync(dirname(file));
    return fs.bavail * fs.bsize >= MIN_FREE_BYTES;
  } catch {
    return false;
  }
}
