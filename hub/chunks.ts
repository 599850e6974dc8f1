import type { Readable } from 'node:stream';
import { CHUNK_BYTES } from '../protocol/index.js';

/** Cuts a stream into pieces of exactly CHUNK_BYTES (the last one shorter): the pieces devices fetch. */
export async function* inChunks(body: Readable): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const piece of body) {
    let rest = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array);
    while (length + rest.length >= CHUNK_BYTES) {
      const take = CHUNK_BYTES - length;
      yield Buffer.concat([...pending, rest.subarray(0, take)]);
      rest = rest.subarray(take);
      pending = [];
      length = 0;
    }
    if (rest.length > 0) {
      pending.push(Buffer.from(rest));
      length += rest.length;
    }
  }
  if (length > 0) yield Buffer.concat(pending);
}
