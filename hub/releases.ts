import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { checkContent, manifestSchema, ReleaseError, verifyManifest, type ReleaseManifest } from '../protocol/index.js';
import { inChunks } from './chunks.js';
import type { HubStore } from './store/index.js';

export interface StoredRelease {
  manifest: ReleaseManifest;
  manifestText: string;
  signature: string;
}

const SAFE_ID = /^[A-Za-z0-9-]{1,100}$/;

/**
 * Releases the hub serves, kept in the hub database in the pieces devices fetch, so any hub instance
 * serves any piece. A release is usable only after `seal` checked the fleet's signature and every file's
 * size and hash; devices check again.
 */
export class ReleaseShelf {
  private readonly sealed = new Map<string, StoredRelease>();
  private readonly chunkCounts = new Map<string, number>();

  constructor(
    private readonly store: HubStore,
    private readonly publicKeyPem: string,
  ) {}

  private checkId(id: string): void {
    if (!SAFE_ID.test(id)) throw new ReleaseError('a release id is letters, digits and dashes');
  }

  private checkPath(rel: string): string {
    const parsed = manifestSchema.shape.files.element.shape.path.safeParse(rel);
    if (!parsed.success) throw new ReleaseError(`bad file path ${JSON.stringify(rel)}`);
    return parsed.data;
  }

  async saveFile(id: string, rel: string, body: Readable): Promise<number> {
    this.checkId(id);
    return this.store.saveReleaseFile(id, this.checkPath(rel), inChunks(body), (why) => new ReleaseError(why));
  }

  async seal(id: string, manifestText: string, signature: string): Promise<ReleaseManifest> {
    this.checkId(id);
    const manifest = verifyManifest(manifestText, signature, this.publicKeyPem);
    if (manifest.id !== id) throw new ReleaseError(`the manifest is for release ${manifest.id}, not ${id}`);
    const sealed = await this.store.sealRelease(id, { manifestText, signature }, new Date().toISOString(), async (chunksOf) => {
      for (const entry of manifest.files) {
        const hash = createHash('sha256');
        let size = 0;
        let chunks = 0;
        for await (const chunk of chunksOf(entry.path)) {
          hash.update(chunk);
          size += chunk.length;
          chunks += 1;
        }
        if (chunks === 0) throw new ReleaseError(`${entry.path} has not been uploaded`);
        await checkContent(entry, size, async () => hash.digest('hex'));
      }
    });
    if (sealed.manifestText !== manifestText) throw new ReleaseError(`release ${id} was sealed already with another manifest`);
    const release = { manifest, ...sealed };
    this.sealed.set(id, release);
    return manifest;
  }

  async get(id: string): Promise<StoredRelease | null> {
    const cached = this.sealed.get(id);
    if (cached) return cached;
    if (!SAFE_ID.test(id)) return null;
    const stored = await this.store.sealedRelease(id);
    if (!stored) return null;
    const release = { manifest: verifyManifest(stored.manifestText, stored.signature, this.publicKeyPem), ...stored };
    this.sealed.set(id, release);
    return release;
  }

  /** One piece of a sealed release's file; past the end, an empty last piece. */
  async chunk(id: string, rel: string, index: number): Promise<{ data: Buffer; last: boolean } | null> {
    const release = await this.get(id);
    if (!release || !release.manifest.files.some((f) => f.path === rel)) return null;
    const key = `${id}/${rel}`;
    let count = this.chunkCounts.get(key);
    if (count === undefined) this.chunkCounts.set(key, (count = await this.store.releaseChunkCount(id, rel)));
    if (index >= count) return { data: Buffer.alloc(0), last: true };
    const data = await this.store.releaseChunk(id, rel, index);
    if (!data) return null;
    return { data, last: index === count - 1 };
  }
}
