// `NoDupeAddLinesDecorator`: `addLines` that skips keys the store already has.
//
// Breezy uses it where the same content-addressed text may be offered twice:
// a key (or a pending key, resolved to `sha1:<hex>` first) already present is
// not added again, and the call still answers with the text's sha1 and size.
// `nostoreSha` is refused, as in Breezy, because skipping would hide it.
// Unlike Breezy's, a pending key keeps its prefix (Breezy builds a one-element
// key there, which only works for stores with key length 1).
//
// Entry point: `NoDupeAddLinesDecorator`.

import { sha1OfChunks } from '../codecs/sha1.js';
import { totalLength } from '../bytes.js';
import { UnsupportedOperation } from '../errors.js';
import { isPendingKey, resolvePendingKey, type Key, type PendingKey } from '../keys.js';
import type { AddOptions, AddResult, VersionedFiles } from '../versionedfiles.js';
import { DelegatingVersionedFiles } from './delegating.js';

export class NoDupeAddLinesDecorator extends DelegatingVersionedFiles {
  constructor(store: VersionedFiles) {
    super(store);
  }

  override async addLines(
    key: PendingKey,
    parents: readonly Key[] | null,
    lines: readonly Uint8Array[],
    options: AddOptions = {},
  ): Promise<AddResult> {
    if (options.nostoreSha !== undefined) {
      throw new UnsupportedOperation('addLines with nostoreSha', 'NoDupeAddLinesDecorator');
    }
    let sha1: string | null = null;
    let resolved: PendingKey = key;
    if (isPendingKey(key)) {
      sha1 = sha1OfChunks(lines);
      resolved = resolvePendingKey(key, sha1);
    }
    const complete = resolved as Key;
    if ((await this.backing.getParentMap([complete])).has(complete)) {
      return { key: complete, sha1: sha1 ?? sha1OfChunks(lines), size: totalLength(lines) };
    }
    return this.backing.addLines(resolved, parents, lines, options);
  }
}
