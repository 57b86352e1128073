// One pack container file being written through a transport: the writer every
// pack store shares (knit packs, groupcompress packs, a collection's new pack).
//
// Records are framed by a `ContainerWriter` into memory and appended to the
// file in order once `BUFFER_BYTES` pile up, when a read needs them, or on
// `flush()`: one append per small record costs more than building it, and
// Breezy's pack writers buffer the same way. The file is only whole once
// `finish()` appended the end marker (with an fsync unless `fsync: false`);
// a writer that works under a temporary name then `rename()`s the file into
// its final place, so a name readers look for never shows half a pack.
// `abort()` drops buffered bytes and deletes what reached the file.
//
// A failed append is kept and thrown by the next `flush()` (and so by the
// next read or `finish()`), never lost; the buffered records after it are
// dropped with the pack.
//
// Entry points: `PackFileWriter` (`addRecord` returns the record's span at
// once; `readRecords(spans)` reads back records of the file being written),
// `readContainerRecords(transport, path, spans)`.

import { NoSuchFile, concatBytes } from '@versionedfiles/core';
import type { Transport } from '@versionedfiles/core';
import { ContainerWriter, parseBytesRecord } from '../format/container.js';
import type { ContainerRecord, RecordName, RecordSpan } from '../format/container.js';

/** Buffered bytes past which they are appended to the file. */
export const BUFFER_BYTES = 1 << 20;

/** Reads the records at the given spans of a container file on a transport. */
export async function readContainerRecords(transport: Transport, path: string, spans: readonly RecordSpan[]): Promise<ContainerRecord[]> {
  const chunks = await transport.readRanges(path, spans.map((s) => [s.offset, s.length] as const));
  return chunks.map((data, i) => parseBytesRecord(data, `${path} at byte ${(spans[i] as RecordSpan).offset}`));
}

export interface PackFileWriterOptions {
  /** `finish()` flushes the file to stable storage (default true). */
  readonly fsync?: boolean;
  /** Sees every byte of the container, in order (e.g. to hash the pack for its name). */
  readonly onBytes?: (chunk: Uint8Array) => void;
  /** Create missing parent directories on the first append (default true). */
  readonly createParentDir?: boolean;
}

export type PackFileState = 'open' | 'finished' | 'aborted';

export class PackFileWriter {
  readonly #transport: Transport;
  readonly #writer: ContainerWriter;
  readonly #fsync: boolean;
  readonly #createParentDir: boolean;
  #path: string;
  #buffer: Uint8Array[] = [];
  #buffered = 0;
  /** Bytes that reached the file. */
  #written = 0;
  /** An append was tried: the file may exist. */
  #touched = false;
  #state: PackFileState = 'open';
  /** Appends in flight, in order; the first failure is kept for the next flush. */
  #writes: Promise<void> = Promise.resolve();
  #writeError: unknown = null;

  /** Starts the container (format line, buffered) in a file at `path`, written from the first flush. */
  constructor(transport: Transport, path: string, options: PackFileWriterOptions = {}) {
    this.#transport = transport;
    this.#path = path;
    this.#fsync = options.fsync ?? true;
    this.#createParentDir = options.createParentDir ?? true;
    const onBytes = options.onBytes;
    this.#writer = new ContainerWriter((chunk) => {
      this.#buffer.push(chunk);
      this.#buffered += chunk.length;
      onBytes?.(chunk);
    });
    this.#writer.begin();
  }

  /** Where the file is now (its final name after `rename`). */
  get path(): string {
    return this.#path;
  }

  get state(): PackFileState {
    return this.#state;
  }

  /** Bytes of container written so far, buffered or not: the next record's offset. */
  get size(): number {
    return this.#writer.currentOffset;
  }

  get recordsWritten(): number {
    return this.#writer.recordsWritten;
  }

  /** Frames one record; returns its span (offset and length of header plus body). */
  addRecord(body: Uint8Array | readonly Uint8Array[], names: readonly RecordName[] = []): RecordSpan {
    if (this.#state !== 'open') throw new Error(`pack ${this.#path} is ${this.#state}`);
    const span = this.#writer.addBytesRecord(body, names);
    if (this.#buffered >= BUFFER_BYTES) this.#queueWrite(false);
    return span;
  }

  /** Appends everything buffered to the file (after every earlier append). */
  async flush(): Promise<void> {
    this.#queueWrite(false);
    await this.#writes;
    if (this.#writeError !== null) throw this.#writeError;
  }

  #queueWrite(fsync: boolean): void {
    if (this.#buffered === 0) return;
    const data = concatBytes(this.#buffer);
    this.#buffer = [];
    this.#buffered = 0;
    const path = this.#path;
    this.#writes = this.#writes.then(async () => {
      if (this.#writeError !== null) return;
      try {
        if (!this.#touched && this.#createParentDir) await this.#ensureParent(path);
        this.#touched = true;
        await this.#transport.append(path, data, { fsync });
        this.#written += data.length;
      } catch (err) {
        this.#writeError = err;
      }
    });
  }

  /** Reads back records of this file (flushing first, so buffered ones are found too). */
  async readRecords(spans: readonly RecordSpan[]): Promise<ContainerRecord[]> {
    await this.flush();
    return readContainerRecords(this.#transport, this.#path, spans);
  }

  /**
   * Ends the container and puts it all in the file, flushed to stable storage
   * unless `fsync: false`. Idempotent once finished.
   */
  async finish(): Promise<void> {
    if (this.#state === 'finished') return;
    if (this.#state !== 'open') throw new Error(`pack ${this.#path} is ${this.#state}`);
    this.#writer.end();
    this.#queueWrite(this.#fsync);
    await this.flush();
    this.#state = 'finished';
  }

  /** Moves the finished file to its final name (a temp file becomes the pack readers look for). */
  async rename(to: string): Promise<void> {
    if (this.#state !== 'finished') throw new Error(`pack ${this.#path} is ${this.#state}, not finished`);
    if (to === this.#path) return;
    await this.#ensureParent(to);
    await this.#transport.rename(this.#path, to);
    this.#path = to;
  }

  async #ensureParent(path: string): Promise<void> {
    const slash = path.lastIndexOf('/');
    if (slash > 0 && !(await this.#transport.exists(path.slice(0, slash)))) {
      await this.#transport.mkdir(path.slice(0, slash), { recursive: true });
    }
  }

  /** Drops the pack: forgets buffered bytes and deletes the file if any reached it. */
  async abort(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    this.#buffer = [];
    this.#buffered = 0;
    await this.#writes;
    if (!this.#touched) return;
    try {
      await this.#transport.delete(this.#path);
    } catch (err) {
      if (!(err instanceof NoSuchFile)) throw err;
    }
  }
}
