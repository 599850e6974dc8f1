import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small tmpfs of its own, to make a real disk full or read-only under the appliance. Needs root,
 * as the project's machines and CI run.
 */
export class Tmpfs {
  private constructor(readonly dir: string) {}

  static mount(sizeMb: number): Tmpfs {
    const dir = mkdtempSync(join(tmpdir(), 'branchline-tmpfs-'));
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir]);
    return new Tmpfs(dir);
  }

  /**
   * A read-only bind mount over the folder: every file opened by path from now on is on a read-only
   * file system (EROFS), as after the kernel remounts a failing disk; a plain remount would be refused
   * while files (the outbox's) are open for writing.
   */
  readOnly(on: boolean): void {
    if (on) {
      execFileSync('mount', ['--bind', this.dir, this.dir]);
      execFileSync('mount', ['-o', 'remount,ro,bind', this.dir]);
    } else {
      execFileSync('umount', [this.dir]);
    }
  }

  unmount(): void {
    execFileSync('umount', ['-l', this.dir]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
