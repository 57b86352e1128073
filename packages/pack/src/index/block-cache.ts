// Reads a file through a `RangeReader` in aligned blocks and keeps recent
// blocks, so readers can ask for arbitrary byte spans (a line here, a page
// there) without re-reading or reading more than a block past what they need.
//
// Entry point: `BlockCache` — `bytes(start, end)`, `indexOf(byte, from, limit)`,
// `all()`, and `bytesRead` (what the reader has fetched so far).

import { concatBytes } from '@versionedfiles/core';
import type { RangeReader } from '../io/range-reader.js';

export class BlockCache {
  readonly reader: RangeReader;
  readonly blockSize: number;
  readonly #limit: number;
  readonly #blocks = new Map<number, Uint8Array>();
  #all: Uint8Array | null = null;
  bytesRead = 0;

  constructor(reader: RangeReader, options: { blockSize?: number; maxBlocks?: number } = {}) {
    this.reader = reader;
    this.blockSize = options.blockSize ?? 4096;
    this.#limit = options.maxBlocks ?? 1024;
  }

  get size(): number {
    return this.reader.size;
  }

  /** The whole file, read once and kept. */
  async all(): Promise<Uint8Array> {
    if (this.#all === null) {
      const [bytes] = await this.reader.read([{ offset: 0, length: this.reader.size }]);
      this.#all = bytes as Uint8Array;
      this.bytesRead += this.reader.size;
      this.#blocks.clear();
    }
    return this.#all;
  }

  /** Bytes [start, end), clamped to the file. */
  async bytes(start: number, end: number): Promise<Uint8Array> {
    end = Math.min(end, this.reader.size);
    if (end <= start) return new Uint8Array(0);
    // A file of one block is read whole, once.
    if (this.#all === null && this.reader.size <= this.blockSize) await this.all();
    if (this.#all !== null) return this.#all.subarray(start, end);
    const first = Math.floor(start / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    const missing: number[] = [];
    for (let b = first; b <= last; b++) if (!this.#blocks.has(b)) missing.push(b);
    if (missing.length > 0) {
      const ranges = missing.map((b) => ({
        offset: b * this.blockSize,
        length: Math.min(this.blockSize, this.reader.size - b * this.blockSize),
      }));
      const got = await this.reader.read(ranges);
      missing.forEach((b, i) => {
        const data = got[i] as Uint8Array;
        this.bytesRead += data.length;
        this.#remember(b, data);
      });
    }
    const parts: Uint8Array[] = [];
    for (let b = first; b <= last; b++) {
      const block = this.#blocks.get(b) as Uint8Array;
      const base = b * this.blockSize;
      parts.push(block.subarray(Math.max(0, start - base), Math.min(block.length, end - base)));
    }
    return concatBytes(parts);
  }

  /** The position of the first `byte` in [from, limit), or -1. */
  async indexOf(byte: number, from: number, limit: number): Promise<number> {
    limit = Math.min(limit, this.reader.size);
    let pos = from;
    while (pos < limit) {
      const end = Math.min(limit, (Math.floor(pos / this.blockSize) + 1) * this.blockSize);
      const chunk = await this.bytes(pos, end);
      const at = chunk.indexOf(byte);
      if (at >= 0) return pos + at;
      pos = end;
    }
    return -1;
  }

  #remember(block: number, data: Uint8Array): void {
    if (this.#blocks.size >= this.#limit) {
      const oldest = this.#blocks.keys().next().value as number;
      this.#blocks.delete(oldest);
    }
    this.#blocks.set(block, data);
  }
}
