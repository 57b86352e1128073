// Walking a graph stored in an index, as Breezy's `find_ancestry`.
//
// Entry point: `findAncestry(index, keys, refList)` — from `keys`, follows
// reference list `refList` (a node's parents, in the revision and text
// indices) through any `GraphIndexReader`, one batched lookup per generation,
// and returns the parent map of everything reached plus the keys that were
// referenced but are not in the index (ghosts, or keys stored elsewhere).

import { KeyMap, KeySet } from '@versionedfiles/core';
import type { Key } from '@versionedfiles/core';
import type { GraphIndexReader } from '../format/index-common.js';

export interface Ancestry {
  readonly parentMap: KeyMap<readonly Key[]>;
  readonly missing: KeySet;
}

export async function findAncestry(index: GraphIndexReader, keys: Iterable<Key>, refList: number): Promise<Ancestry> {
  const parentMap = new KeyMap<readonly Key[]>();
  const missing = new KeySet();
  let pending = new KeySet(keys);
  while (pending.size > 0) {
    const next = new KeySet();
    const found = new KeySet();
    for await (const entry of index.iterEntries(pending)) {
      const parents = entry.references[refList] ?? [];
      parentMap.set(entry.key, parents);
      found.add(entry.key);
      for (const p of parents) if (!parentMap.has(p) && !missing.has(p)) next.add(p);
    }
    for (const key of pending) if (!found.has(key)) missing.add(key);
    for (const key of next) if (parentMap.has(key)) next.delete(key);
    pending = next;
  }
  return { parentMap, missing };
}
