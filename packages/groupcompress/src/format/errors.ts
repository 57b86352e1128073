// Groupcompress format errors: one class, `GroupCompressCorrupt`, for every way
// a block, a record inside it, a delta or a wire form can fail to parse or
// check. It names the key (when known) and the block or stream it came from.
//
// Entry points: `GroupCompressCorrupt`, `GroupCompressWhere`.

import { CorruptData, formatKey } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';

export interface GroupCompressWhere {
  /** The key whose record is bad. */
  readonly key?: Key | null;
  /** The block, pack or stream the bytes came from. */
  readonly source?: string;
}

export class GroupCompressCorrupt extends CorruptData {
  override readonly code: string = 'GroupCompressCorrupt';
  readonly key: Key | null;
  readonly source: string;

  constructor(how: string, where: GroupCompressWhere = {}, options?: { cause?: unknown }) {
    super('groupcompress', how, describeWhere(where), options);
    this.key = where.key ?? null;
    this.source = where.source ?? '';
  }
}

function describeWhere(where: GroupCompressWhere): string {
  const parts: string[] = [];
  if (where.key) parts.push(`record ${formatKey(where.key)}`);
  if (where.source) parts.push(`in ${where.source}`);
  return parts.join(' ');
}
