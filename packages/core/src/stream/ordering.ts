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
import { KeyMap, type Key } from '../keys.js';
import type { Parents } from '../content/factory.js';
import type { Ordering } from '../versionedfiles.js';

export function orderKeys(ordering: Ordering, parentMap: KeyMap<Parents>): Key[] {
  if (ordering === 'unordered') return [...parentMap.keys()];
  const graph = new KeyMap<readonly Key[]>();
  let hasGraph = false;
  for (const [key, parents] of parentMap) {
    if (parents !== null) hasGraph = true;
    graph.set(key, parents ?? []);
  }
  if (!hasGraph) return [...parentMap.keys()];
  return ordering === 'topological' ? topoSort(graph) : sortGroupcompress(graph);
}

/**
 * Splits `keys` (already in stream order) into maximal runs held by the same
 * source, so each run can be streamed from its source without breaking the
 * global order.
 */
export function runsBySource<S>(keys: readonly Key[], sourceOf: KeyMap<S>): [S, Key[]][] {
  const runs: [S, Key[]][] = [];
  for (const key of keys) {
    const source = sourceOf.get(key) as S;
    const last = runs[runs.length - 1];
    if (last && last[0] === source) last[1].push(key);
    else runs.push([source, [key]]);
  }
  return runs;
}
