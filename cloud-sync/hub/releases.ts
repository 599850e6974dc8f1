import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { CHUNK_BYTES, manifestSchema, type ReleaseManifest } from '../protocol.js';
import { checkFile, ReleaseError, verifyManifest } from '../release.js';

export interface StoredRelease {
  manifest: ReleaseManifest;
  manifestText: string;
  signature: string;
}

const SAFE_ID = /^[A-Za-z0-9-]{1,100}$/;

/**
 * Releases the hub serves, as files under its data folder. A release is usable only after `seal`
 * checked the fleet's signature and every file's hash, so the hub never hands out a release the fleet
 * manager did not sign; devices check again, because files can change after sealing.
 */
export class ReleaseShelf {
  private readonly sealed = new Map<string, StoredRelease>();

  constructor(
    private readonly root: string,
    private readonly publicKeyPem: string,
  ) {}

  private dir(id: string): string {
    if (!SAFE_ID.test(id)) throw new ReleaseError('a release id is letters, digits and dashes');
    return path.join(this.root, id);
  }

  private filePath(id: string, rel: string): string {
    const parsed = manifestSchema.shape.files.element.shape.path.safeParse(rel);
    if (!parsed.success) throw new ReleaseError(`bad file path ${JSON.stringify(rel)}`);
    return path.join(this.dir(id), 'files', parsed.data);
  }

  async saveFile(id: string, rel: string, body: Readable): Promise<number> {
    const target = this.filePath(id, rel);
    await mkdir(path.dirname(target), { recursive: true });
    await pipeline(body, createWriteStream(`${target}.part`));
    await rename(`${target}.part`, target);
    return (await stat(target)).size;
  }

  async seal(id: string, manifestText: string, signature: string): Promise<ReleaseManifest> {
    const manifest = verifyManifest(manifestText, signature, this.publicKeyPem);
    if (manifest.id !== id) throw new ReleaseError(`the manifest is for release ${manifest.id}, not ${id}`);
    for (const entry of manifest.files) {
      try {
        await checkFile(this.filePath(id, entry.path), entry);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ReleaseError(`${entry.path} has not been uploaded`);
        throw err;
      }
    }
    await writeFile(path.join(this.dir(id), 'manifest.json'), manifestText);
    await writeFile(path.join(this.dir(id), 'manifest.sig'), signature);
    this.sealed.set(id, { manifest, manifestText, signature });
    return manifest;
  }

  async get(id: string): Promise<StoredRelease | null> {
    const cached = this.sealed.get(id);
    if (cached) return cached;
    try {
      const manifestText = await readFile(path.join(this.dir(id), 'manifest.json'), 'utf8');
      const signature = await readFile(path.join(this.dir(id), 'manifest.sig'), 'utf8');
      const release = { manifest: verifyManifest(manifestText, signature, this.publicKeyPem), manifestText, signature };
      this.sealed.set(id, release);
      return release;
    } catch {
      return null;
    }
  }

  /** One piece of a sealed release's file, as it is on disk now. */
  async chunk(id: string, rel: string, index: number): Promise<{ data: Buffer; last: boolean } | null> {
    const release = await this.get(id);
    if (!release || !release.manifest.files.some((f) => f.path === rel)) return null;
    const handle = await open(this.filePath(id, rel), 'r');
    try {
      const size = (await handle.stat()).size;
      const start = index * CHUNK_BYTES;
      const length = Math.max(0, Math.min(CHUNK_BYTES, size - start));
      const data = Buffer.alloc(length);
      if (length > 0) await handle.read(data, 0, length, start);
      return { data, last: start + length >= size };
    } finally {
      await handle.close();
    }
  }

  async remove(id: string): Promise<void> {
    this.sealed.delete(id);
    await rm(this.dir(id), { recursive: true, force: true });
  }
}
