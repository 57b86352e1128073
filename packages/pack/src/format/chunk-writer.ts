// Fills fixed-size zlib pages the way Breezy's `chunk_writer.ChunkWriter`
// does, so our B+Tree pages are byte-identical to Breezy's.
//
// Entry point: `ChunkWriter` — `write(bytes)` returns true when the bytes did
// not fit (they are then not in the page), `finish()` returns the page's
// compressed bytes and how many NUL bytes pad it to the page size.
//
// The packing decisions depend on how many compressed bytes zlib has
// emitted so far, so we count them as CPython's `compressobj` reports them:
// it returns the 2-byte zlib header from the first `compress()` call, while
// a buffering deflater (pako) holds it until the next flush. `#emitted()`
// accounts for that. Between sync flushes the writer feeds less than one
// page of input, far below the ~16K symbols that make zlib emit a block, so
// the header is the only output that can be pending.

import { compatZlib } from '@versionedfiles/core';
import type { Deflater, ZlibCodec } from '@versionedfiles/core';

const ZLIB_HEADER_LENGTH = 2;

class CountingDeflater {
  readonly #deflater: Deflater;
  readonly chunks: Uint8Array[] = [];
  #out = 0;
  #fed = false;

  constructor(codec: ZlibCodec) {
    this.#deflater = codec.createDeflater();
  }

  /** Output so far as CPython would have returned it. */
  get emitted(): number {
    return this.#fed ? Math.max(this.#out, ZLIB_HEADER_LENGTH) : this.#out;
  }

  compress(bytes: Uint8Array): void {
    this.#fed = true;
    this.#keep(this.#deflater.push(bytes));
  }

  syncFlush(): void {
    this.#fed = true;
    this.#keep(this.#deflater.push(new Uint8Array(0), 'sync'));
  }

  finish(): void {
    this.#keep(this.#deflater.finish());
  }

  #keep(out: Uint8Array): void {
    if (out.length === 0) return;
    this.chunks.push(out);
    this.#out += out.length;
  }
}

export interface ChunkWriterOptions {
  /** Bytes reserved for `write(bytes, true)` only. */
  readonly reserved?: number;
  /** Breezy's `optimize_for_size`: repack harder for fuller pages. */
  readonly optimizeForSize?: boolean;
  readonly codec?: ZlibCodec;
}

export interface FinishedChunk {
  /** The compressed bytes, not including padding. */
  readonly compressed: Uint8Array;
  /** NUL bytes needed to fill the page. */
  readonly padding: number;
}

export class ChunkWriter {
  readonly chunkSize: number;
  readonly #reserved: number;
  readonly #maxRepack: number;
  readonly #maxZsync: number;
  readonly #codec: ZlibCodec;
  #compressor: CountingDeflater;
  /** Everything accepted so far, for recompression. */
  #accepted: Uint8Array[] = [];
  /** Compressed bytes counted against the page (CPython's `bytes_out_len`). */
  #outLen = 0;
  /** Input bytes fed since the last sync flush. */
  #unflushedIn = 0;
  #numRepack = 0;
  #numZsync = 0;

  constructor(chunkSize: number, options: ChunkWriterOptions = {}) {
    this.chunkSize = chunkSize;
    this.#reserved = options.reserved ?? 0;
    [this.#maxRepack, this.#maxZsync] = options.optimizeForSize ? [20, 0] : [0, 8];
    this.#codec = options.codec ?? compatZlib;
    this.#compressor = new CountingDeflater(this.#codec);
  }

  /** Adds bytes unless they do not fit; returns true when they did not (and were not added). */
  write(bytes: Uint8Array, reserved = false): boolean {
    if (this.#numRepack > this.#maxRepack && !reserved) return true;
    const capacity = reserved ? this.chunkSize : this.chunkSize - this.#reserved;
    const comp = this.#compressor;
    const nextUnflushed = this.#unflushedIn + bytes.length;
    const remaining = capacity - this.#outLen - 10;
    if (nextUnflushed < remaining) {
      // Plenty of room: no need to know exactly how much these bytes add.
      comp.compress(bytes);
      this.#outLen = comp.emitted;
      this.#accepted.push(bytes);
      this.#unflushedIn += bytes.length;
      return false;
    }
    // Near the limit: flush to learn the real size.
    this.#numZsync += 1;
    if (this.#maxRepack === 0 && this.#numZsync > this.#maxZsync) {
      this.#numRepack += 1;
      return true;
    }
    comp.compress(bytes);
    comp.syncFlush();
    this.#unflushedIn = 0;
    this.#outLen = comp.emitted;
    const safetyMargin = this.#numRepack === 0 ? 100 : 10;
    if (this.#outLen + safetyMargin <= capacity) {
      this.#accepted.push(bytes);
      return false;
    }
    // Over (or nearly): start again with everything so far plus these bytes.
    this.#numRepack += 1;
    let [recompressed, length] = this.#recompress(bytes);
    if (this.#numRepack >= this.#maxRepack) this.#numRepack += 1;
    if (length + 10 > capacity) {
      [recompressed, length] = this.#recompress(null);
      this.#compressor = recompressed;
      this.#numRepack = this.#maxRepack + 1;
      this.#outLen = length;
      return true;
    }
    this.#compressor = recompressed;
    this.#accepted.push(bytes);
    this.#outLen = length;
    return false;
  }

  /** Ends the page. */
  finish(): FinishedChunk {
    this.#compressor.finish();
    const chunks = this.#compressor.chunks;
    let total = 0;
    for (const c of chunks) total += c.length;
    if (total > this.chunkSize) {
      throw new Error(`chunk writer produced ${total} bytes for a ${this.chunkSize}-byte page`);
    }
    const compressed = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      compressed.set(c, at);
      at += c.length;
    }
    return { compressed, padding: this.chunkSize - total };
  }

  #recompress(extra: Uint8Array | null): [CountingDeflater, number] {
    const comp = new CountingDeflater(this.#codec);
    for (const b of this.#accepted) comp.compress(b);
    if (extra !== null && extra.length > 0) {
      comp.compress(extra);
      comp.syncFlush();
    }
    return [comp, comp.emitted];
  }
}
