// The order a record stream delivers keys in, from the keys' parent map.
//
// `topological` is Breezy's `tsort.topo_sort` over the requested keys (parents
// outside the map are ghosts and ignored); `groupcompress` is Breezy's
// `sort_groupcompress` (reverse topological, grouped by prefix); `unordered`
// keeps the map's order. A store without a graph (null parents) has nothing
// to sort by, so every ordering is the map's order there, as in Breezy.
//
// Entry points: `orderKeys`, `runsBySource`.

import { topoSort } from '../graph/tsort.js';
import { sortGroupcompress } from '../graph/sort-groupcompress.js';
import type { Key, KeyMap } from '../keys.js';
import type { Parents } from '../content/factory.js';
import type { Ordering } from '../versionedfiles.js';

const NO_PARENTS: readonly Key[] = [];

export function orderKeys(ordering: Ordering, parentMap: KeyMap<Parents>): Key[] {
  if (ordering === 'unordered') return [...parentMap.keys()];
  let hasGraph = false;
  for (const parents of parentMap.values()) {
    if (parents !== null) {
      hasGraph = true;
      break;
    }
  }
  if (!hasGraph) return [...parentMap.keys()];
  if (ordering === 'groupcompress') return sortGroupcompress(parentMap);
  const graph: [Key, readonly Key[]][] = [];
  for (const [key, parents] of parentMap) graph.push([key, parents ?? NO_PARENTS]);
  return topoSort(graph);
}

/**
 * Splits `keys` (already in stream order) into maximal runs held by the same
 * source, so each run can be streamed from its source without breaking the
 * global order.
 */
export function runsBySource<S>(keys: readonly Key[], sourceOf: (key: Key) => S): [S, Key[]][] {
  const runs: [S, Key[]][] = [];
  for (const key of keys) {
    const source = sourceOf(key);
    const last = runs[runs.length - 1];
    if (last && last[0] === source) last[1].push(key);
    else runs.push([source, [key]]);
  }
  return runs;
}
