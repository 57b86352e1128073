// Topological sorts of a parent graph: Breezy's `tsort` module.
//
// Entry points: `topoSort(graph)` (parents before children, ghosts left out,
// `GraphCycle` on a cycle; the same order as Breezy's `topo_sort`, which is
// `KnownGraph.topo_sort`) and `mergeSort(graph, tip, options)` (Breezy's
// `merge_sort`, defined in merge-sort.ts and re-exported here).
//
// A graph is a `KeyMap<readonly Key[]>` or any iterable of `[key, parents]`.

import { KnownGraph } from './known-graph.js';
import type { ParentMapInput } from './parent-map.js';
import type { Key } from '../keys.js';

export { mergeSort } from './merge-sort.js';
export type { MergeSortOptions, MergeSortRow } from './merge-sort.js';
export type { ParentMapInput } from './parent-map.js';

export function topoSort(graph: ParentMapInput): Key[] {
  return new KnownGraph(graph).topoSort();
}
