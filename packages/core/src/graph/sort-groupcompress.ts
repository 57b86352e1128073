// The `groupcompress` stream order: Breezy's `versionedfile.sort_groupcompress`.
//
// Keys are grouped by prefix (the first element of keys longer than one; all
// one-element keys share the empty prefix), prefixes in byte order, and each
// group is the reverse of `topoSort` over that group alone (so a parent in
// another group counts as a ghost there): newest texts first, which is what
// groupcompress compresses best.
//
// Entry point: `sortGroupcompress(parentMap)`.

import { compareUtf8 } from '../keys.js';
import type { Key } from '../keys.js';
import { topoSort } from './tsort.js';

/**
 * `parents` may be null (a store that keeps no graph); such a key is treated
 * as having no parents, where Breezy would fail.
 */
export function sortGroupcompress(parentMap: Iterable<readonly [Key, readonly Key[] | null]>): Key[] {
  const byPrefix = new Map<string, [Key, readonly Key[]][]>();
  for (const [key, parents] of parentMap) {
    const prefix = key.length === 1 ? '' : (key[0] as string);
    const group = byPrefix.get(prefix);
    const item: [Key, readonly Key[]] = [key, parents ?? []];
    if (group) group.push(item);
    else byPrefix.set(prefix, [item]);
  }
  const out: Key[] = [];
  for (const prefix of [...byPrefix.keys()].sort(compareUtf8)) {
    out.push(...topoSort(byPrefix.get(prefix) as [Key, readonly Key[]][]).reverse());
  }
  return out;
}
