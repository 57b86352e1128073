// SHA-1 of texts, as lowercase hex: the identity Breezy records for every text.
//
// Entry points: `sha1Hex(bytes)`, `sha1OfChunks(chunks)` (no concatenation),
// `Sha1Stream` for texts that arrive in pieces.

import { createHash, type Hash } from 'node:crypto';

export function sha1Hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export function sha1OfChunks(chunks: Iterable<Uint8Array>): string {
  const h = createHash('sha1');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

export class Sha1Stream {
  readonly #hash: Hash = createHash('sha1');
  #size = 0;

  update(chunk: Uint8Array): this {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    return this;
  }

  get size(): number {
    return this.#size;
  }

  /** The hex digest; the stream cannot be updated afterwards. */
  digest(): string {
    return this.#hash.digest('hex');
  }
}
