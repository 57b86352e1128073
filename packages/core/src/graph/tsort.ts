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
import { keyToId } from '../keys.js';
import type { Key } from '../keys.js';

export { mergeSort } from './merge-sort.js';
export type { MergeSortOptions, MergeSortRow } from './merge-sort.js';
export type { ParentMapInput } from './parent-map.js';

/**
 * `KnownGraph.topoSort`'s order without building a KnownGraph: nodes numbered
 * in order of first mention (as a key or a parent), tails taken in that order,
 * a stack, children released in link order once all their parents are done.
 * The unusual inputs (a key given twice, a cycle) go to KnownGraph, which
 * knows Python's dict semantics and names the cycle.
 */
export function topoSort(graph: ParentMapInput): Key[] {
  const ids = new Map<string, number>();
  const keys: Key[] = [];
  const defined: boolean[] = [];
  const waitingFor: number[] = [];
  const children: number[][] = [];
  const nodeOf = (key: Key): number => {
    const id = keyToId(key);
    let n = ids.get(id);
    if (n === undefined) {
      n = keys.length;
      ids.set(id, n);
      keys.push(key);
      defined.push(false);
      waitingFor.push(0);
      children.push([]);
    }
    return n;
  };
  let definedCount = 0;
  for (const [key, parents] of graph) {
    const n = nodeOf(key);
    if (defined[n]) return new KnownGraph(graph).topoSort();
    defined[n] = true;
    definedCount++;
    waitingFor[n] = parents.length;
    for (const parent of parents) (children[nodeOf(parent)] as number[]).push(n);
  }
  const pending: number[] = [];
  for (let n = 0; n < keys.length; n++) if (!defined[n] || waitingFor[n] === 0) pending.push(n);
  const order: Key[] = [];
  while (pending.length > 0) {
    const n = pending.pop() as number;
    if (defined[n]) order.push(keys[n] as Key);
    for (const child of children[n] as number[]) {
      const left = (waitingFor[child] as number) - 1;
      waitingFor[child] = left;
      if (left === 0) pending.push(child);
    }
  }
  if (order.length !== definedCount) return new KnownGraph(graph).topoSort();
  return order;
}
