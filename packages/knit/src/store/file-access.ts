// Record bytes in `.knit` files: one file per mapped key prefix, records
// appended end to end (Breezy's `_KnitKeyAccess`).
//
// Entry points: `KnitFileAccess`.

import { NoSuchFile, parentPath } from '@versionedfiles/core';
import type { Key, KeyMapper, Transport } from '@versionedfiles/core';
import type { IndexMemo, KnitAccess } from './types.js';
import { readMemos } from './read-memos.js';

export class KnitFileAccess implements KnitAccess {
  constructor(
    private readonly transport: Transport,
    private readonly mapper: KeyMapper,
  ) {}

  /** The `.knit` file holding `key`. */
  pathOf(key: Key): string {
    return `${this.mapper.map(key)}.knit`;
  }

  async addRawRecords(records: readonly { readonly key: Key; readonly bytes: Uint8Array }[]): Promise<IndexMemo[]> {
    const memos: IndexMemo[] = [];
    for (const { key, bytes } of records) {
      const file = this.pathOf(key);
      let pos: number;
      try {
        pos = await this.transport.append(file, bytes);
      } catch (err) {
        if (!(err instanceof NoSuchFile)) throw err;
        await this.transport.mkdir(parentPath(file), { recursive: true });
        pos = await this.transport.append(file, bytes);
      }
      memos.push({ file, pos, size: bytes.length });
    }
    return memos;
  }

  storedSize(length: number): number {
    return length;
  }

  getRawRecords(memos: readonly IndexMemo[]): Promise<Uint8Array[]> {
    return readMemos(this.transport, memos);
  }
}
