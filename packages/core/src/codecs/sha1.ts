// SHA-1 of texts, as lowercase hex: the identity Breezy records for every text.
//
// Entry points: `sha1Hex(bytes)`, `sha1OfChunks(chunks)` (no concatenation),
// `Sha1Stream` for texts that arrive in pieces.

import * as crypto from 'node:crypto';

/**
 * Node's one-shot digest (20.12 and later), which skips the Hash object a
 * text would otherwise cost: texts are hashed one by one, many thousands per
 * read, and small ones hash twice as fast this way.
 */
type OneShotHash = (algorithm: string, data: Uint8Array, encoding: 'hex') => string;
const oneShot = (crypto as { hash?: OneShotHash }).hash;

export const sha1Hex: (bytes: Uint8Array) => string =
  oneShot === undefined ? (bytes) => crypto.createHash('sha1').update(bytes).digest('hex') : (bytes) => oneShot('sha1', bytes, 'hex');

export function sha1OfChunks(chunks: Iterable<Uint8Array>): string {
  const h = crypto.createHash('sha1');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

export class Sha1Stream {
  readonly #hash: crypto.Hash = crypto.createHash('sha1');
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
