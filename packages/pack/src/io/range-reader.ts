// Reading byte ranges of one file, the only IO the index readers need.
//
// Entry points: `RangeReader` (the interface: `size` and batched `read`),
// `BytesRangeReader` (over bytes in memory), `FileRangeReader` (a local file
// through node:fs), `transportRangeReader` (adapts anything with a
// Breezy-style `readv(path, ranges)`, such as core's transports), and
// `readRange`/`checkReadRanges` helpers. Every implementation returns exactly the
// bytes asked for or throws core's `ShortRead`, so readers never act on a
// short buffer.

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { ShortRead } from '@versionedfiles/core';
import type { Transport } from '@versionedfiles/core';

export interface ReadRange {
  readonly offset: number;
  readonly length: number;
}

export interface RangeReader {
  /** Name used in error messages. */
  readonly name: string;
  /** Size of the file in bytes. */
  readonly size: number;
  /** Reads each range; the result has one buffer per range, in order, each exactly `length` long. */
  read(ranges: readonly ReadRange[]): Promise<Uint8Array[]>;
}

/** Throws `ShortRead` for ranges that are malformed or run past `size`. */
export function checkReadRanges(name: string, size: number, ranges: readonly ReadRange[]): void {
  for (const { offset, length } of ranges) {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
      throw new ShortRead(name, offset, length, size);
    }
  }
}

export async function readRange(reader: RangeReader, offset: number, length: number): Promise<Uint8Array> {
  const [out] = await reader.read([{ offset, length }]);
  return out as Uint8Array;
}

export class BytesRangeReader implements RangeReader {
  readonly name: string;
  readonly #bytes: Uint8Array;
  /** Bytes handed out so far, for tests that check a lookup did not read everything. */
  bytesRead = 0;

  constructor(bytes: Uint8Array, name = '<memory>') {
    this.#bytes = bytes;
    this.name = name;
  }

  get size(): number {
    return this.#bytes.length;
  }

  read(ranges: readonly ReadRange[]): Promise<Uint8Array[]> {
    try {
      checkReadRanges(this.name, this.#bytes.length, ranges);
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.resolve(
      ranges.map(({ offset, length }) => {
        this.bytesRead += length;
        return this.#bytes.subarray(offset, offset + length);
      }),
    );
  }
}

/** A local file read with positional reads; open with `FileRangeReader.open`. */
export class FileRangeReader implements RangeReader {
  readonly name: string;
  readonly size: number;
  readonly #handle: FileHandle;

  private constructor(name: string, handle: FileHandle, size: number) {
    this.name = name;
    this.#handle = handle;
    this.size = size;
  }

  /** Opens `path`; `size` defaults to the file's size now. */
  static async open(path: string, size?: number): Promise<FileRangeReader> {
    const handle = await open(path, 'r');
    try {
      const actual = (await handle.stat()).size;
      if (size !== undefined && size > actual) throw new ShortRead(path, 0, size, actual);
      return new FileRangeReader(path, handle, size ?? actual);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async read(ranges: readonly ReadRange[]): Promise<Uint8Array[]> {
    checkReadRanges(this.name, this.size, ranges);
    // Ranges that follow each other (a run of pages) are one read.
    const runs: { offset: number; length: number; members: number }[] = [];
    for (const r of ranges) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last.offset + last.length === r.offset) {
        last.length += r.length;
        last.members += 1;
      } else runs.push({ offset: r.offset, length: r.length, members: 1 });
    }
    const data = await Promise.all(runs.map((run) => this.#readExactly(run.offset, run.length)));
    const out: Uint8Array[] = [];
    let i = 0;
    runs.forEach((run, k) => {
      let at = 0;
      for (let m = 0; m < run.members; m++) {
        const { length } = ranges[i++] as ReadRange;
        out.push((data[k] as Uint8Array).subarray(at, at + length));
        at += length;
      }
    });
    return out;
  }

  async #readExactly(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.#handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new ShortRead(this.name, offset, length, offset + done);
      done += bytesRead;
    }
    return out;
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}

/**
 * A `RangeReader` over a file on a core `Transport`, whose size the caller
 * knows (pack-names records index sizes) or asks the transport for.
 */
export function transportRangeReader(transport: Transport, path: string, size: number): RangeReader {
  return {
    name: path,
    size,
    async read(ranges) {
      checkReadRanges(path, size, ranges);
      return transport.readRanges(path, ranges.map((r) => [r.offset, r.length] as const));
    },
  };
}
