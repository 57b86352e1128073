// Record bytes in a pack container (Breezy's `_DirectPackAccess` with a
// `ContainerWriter`): each knit record is the body of one unnamed container
// record; its memo is the span of that container record in the pack. Like
// Breezy's write stream, writes are buffered (up to `BUFFER_BYTES`) until a
// read or `finish()` needs them on disk: a pack is only whole once finished.
//
// Entry points: `KnitPackAccess` (`finish()` writes the end marker).

import { ContainerWriter, parseBytesRecord } from '@versionedfiles/pack';
import type { Key, Transport } from '@versionedfiles/core';
import { ReadOnlyError, concatBytes } from '@versionedfiles/core';
import type { IndexMemo, KnitAccess } from './types.js';
import { readMemos } from './read-memos.js';

const BUFFER_BYTES = 1 << 20;

export class KnitPackAccess implements KnitAccess {
  readonly #writer: ContainerWriter;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #writing: Promise<void> = Promise.resolve();
  #started: Promise<void> | null = null;
  #finished = false;

  /** `finished`: an existing, complete pack, read only. */
  constructor(
    private readonly transport: Transport,
    readonly packName: string,
    finished = false,
  ) {
    this.#writer = new ContainerWriter((chunk) => {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
    });
    this.#finished = finished;
  }

  /** Writes what the container writer produced so far, after every earlier write. */
  #flush(): Promise<void> {
    const data = concatBytes(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (data.length > 0) this.#writing = this.#writing.then(() => this.transport.append(this.packName, data)).then(() => undefined);
    return this.#writing;
  }

  /** Creates the pack with its format line (idempotent). */
  begin(): Promise<void> {
    this.#started ??= (async () => {
      this.#writer.begin();
      await this.transport.put(this.packName, concatBytes(this.#pending), { createParentDir: true });
      this.#pending = [];
      this.#pendingBytes = 0;
    })();
    return this.#started;
  }

  async addRawRecords(records: readonly { readonly key: Key; readonly bytes: Uint8Array }[]): Promise<IndexMemo[]> {
    if (this.#finished) throw new ReadOnlyError(`finished pack ${this.packName}`);
    await this.begin();
    const memos: IndexMemo[] = [];
    for (const { bytes } of records) {
      const span = this.#writer.addBytesRecord(bytes);
      memos.push({ file: this.packName, pos: span.offset, size: span.length });
    }
    if (this.#pendingBytes >= BUFFER_BYTES) await this.#flush();
    return memos;
  }

  async getRawRecords(memos: readonly IndexMemo[]): Promise<Uint8Array[]> {
    await this.#flush();
    return (await readMemos(this.transport, memos)).map((bytes) => parseBytesRecord(bytes, this.packName).body);
  }


  /** Ends the container; no record can be added afterwards. */
  async finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    await this.begin();
    this.#writer.end();
    await this.#flush();
  }
}
