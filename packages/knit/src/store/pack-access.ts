// Record bytes in a pack container (Breezy's `_DirectPackAccess` with a
// `ContainerWriter`): each knit record is the body of one unnamed container
// record; its memo is the span of that container record in the pack. The
// bytes go through `@versionedfiles/pack`'s `PackFileWriter`, which buffers
// them until a read or `finish()` needs them on disk: a pack is only whole
// once finished.
//
// Entry points: `KnitPackAccess` (`finish()` writes the end marker).

import { PackFileWriter, bytesRecordLength, parseBytesRecord } from '@versionedfiles/pack';
import type { Key, Transport } from '@versionedfiles/core';
import { ReadOnlyError } from '@versionedfiles/core';
import type { IndexMemo, KnitAccess } from './types.js';
import { readMemos } from './read-memos.js';

export class KnitPackAccess implements KnitAccess {
  /** The file being written; null for a finished pack opened to read. */
  readonly #file: PackFileWriter | null;

  /** `finished`: an existing, complete pack, read only. */
  constructor(
    private readonly transport: Transport,
    readonly packName: string,
    finished = false,
  ) {
    this.#file = finished ? null : new PackFileWriter(transport, packName);
  }

  /** Creates the pack with its format line. */
  async begin(): Promise<void> {
    await this.#file?.flush();
  }

  async addRawRecords(records: readonly { readonly key: Key; readonly bytes: Uint8Array }[]): Promise<IndexMemo[]> {
    const file = this.#file;
    if (file === null || file.state !== 'open') throw new ReadOnlyError(`finished pack ${this.packName}`);
    return records.map(({ bytes }) => {
      const span = file.addRecord(bytes);
      return { file: this.packName, pos: span.offset, size: span.length };
    });
  }

  /** A container record: its header, then the bytes. */
  storedSize(length: number): number {
    return bytesRecordLength(length);
  }

  async getRawRecords(memos: readonly IndexMemo[]): Promise<Uint8Array[]> {
    await this.#file?.flush();
    return (await readMemos(this.transport, memos)).map((bytes) => parseBytesRecord(bytes, this.packName).body);
  }

  /** Ends the container; no record can be added afterwards. */
  async finish(): Promise<void> {
    await this.#file?.finish();
  }
}
