// Knit format errors: one class, `KnitCorrupt`, for every way knit bytes can
// fail to parse or check (bad gzip, wrong sha1, truncated record, bad `.kndx`
// line, a delta whose basis is missing). It names the key (when known) and the
// file or record it came from, in `data.where` and in `key`.
//
// Entry points: `KnitCorrupt`, `knitCorrupt(how, where, cause?)`.

import { CorruptData, formatKey } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';

export interface KnitWhere {
  /** The key whose record or index line is bad. */
  readonly key?: Key | null;
  /** The file (`.knit`, `.kndx`, pack) or stream the bytes came from. */
  readonly file?: string;
}

export class KnitCorrupt extends CorruptData {
  override readonly code: string = 'KnitCorrupt';
  readonly key: Key | null;
  readonly file: string;

  constructor(how: string, where: KnitWhere = {}, options?: { cause?: unknown }) {
    super('knit', how, describeWhere(where), options);
    this.key = where.key ?? null;
    this.file = where.file ?? '';
  }
}

function describeWhere(where: KnitWhere): string {
  const parts: string[] = [];
  if (where.key) parts.push(`record ${formatKey(where.key)}`);
  if (where.file) parts.push(`in ${where.file}`);
  return parts.join(' ');
}
