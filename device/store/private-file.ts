import { chmod, open, readFile, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

/** Only the appliance's user may read the store: it holds password hashes and the customer HMAC key. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * A lowdb adapter for a JSON file that only its owner may read, written atomically and durably: the
 * text goes to a temp file created 0600 (lowdb's JSONFile, through steno, makes it with the umask,
 * usually 0644, and the rename carries that mode to the store), is fsynced, renamed over the file, and
 * the directory is fsynced so the rename itself survives a power cut. A kill -9 at any moment leaves the
 * old or the new complete file.
 *
 * Writes that arrive while one is under way are folded into one next write of the latest text, as
 * steno does: every caller's promise resolves once a write holding its change is on disk.
 */
export class PrivateJsonFile<T> implements Adapter<T> {
  private readonly temp: string;
  private writing: Promise<void> | null = null;
  private next: { text: string; done: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | null = null;

  constructor(readonly file: string) {
    this.temp = join(dirname(file), `.${basename(file)}.tmp`);
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    // A store made before its mode was kept private is made private as soon as it is opened.
    if (((await stat(this.file)).mode & 0o777) !== PRIVATE_FILE_MODE) await chmod(this.file, PRIVATE_FILE_MODE);
    return JSON.parse(text) as T;
  }

  write(data: T): Promise<void> {
    // Serialised now, as lowdb's JSONFile does: the snapshot is the state at the caller's update.
    const text = JSON.stringify(data, null, 2);
    if (!this.writing) return this.start(text);
    if (!this.next) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { text, done, resolve, reject };
    } else {
      this.next.text = text;
    }
    return this.next.done;
  }

  private start(text: string): Promise<void> {
    const writing = this.replace(text).finally(() => {
      this.writing = null;
      const next = this.next;
      this.next = null;
      if (next) this.start(next.text).then(next.resolve, next.reject);
    });
    this.writing = writing;
    return writing;
  }

  private async replace(text: string): Promise<void> {
    const handle = await open(this.temp, 'w', PRIVATE_FILE_MODE);
    try {
      // A temp file left by a crash keeps its old mode through open(): set it before any byte is written.
      await handle.chmod(PRIVATE_FILE_MODE);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.temp, this.file);
    const dir = await open(dirname(this.file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
